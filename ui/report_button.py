"""The 3D view and the 方案报告 downloads under the scenario comparison (情景规划 · 对比).

:func:`compare_extras` is the comparison tab's one call: the 3D massing of scenario B
(:func:`ui.massing_view.massing_section`, from the capacity its indicators hold) and a
button that builds the report (:func:`report.scenario_report`) of the comparison, or of B
alone, and then offers the PDF and the HTML file for download. The report is kept in the
session under a signature of what it shows (scenario ids, edits, data, language), so the
download buttons never hand out a report of an older state.
"""

from __future__ import annotations

import streamlit as st

from analysis.indicators import Indicators
from geo.errors import InputError
from layers.catalog import LayerSet
from layers.scenario import AppliedScenario, Scenario
from report import ReportSide, ScenarioReport, scenario_report
from ui import cache
from ui.common import show_input_error
from ui.i18n import lang, t
from ui.massing_view import massing_section

__all__ = ["REPORT_KEY", "compare_extras", "report_downloads"]

#: Session key of the last report built: (signature, ScenarioReport).
REPORT_KEY = "scenario_report_built"


def _side(
    sid: str,
    name: str,
    indicators: Indicators,
    *,
    layers: LayerSet,
    draft: Scenario,
    result: AppliedScenario,
    store,
) -> ReportSide:
    from ui.scenario_compare import BASELINE  # here: that module imports this one

    if sid == BASELINE:
        return ReportSide(name, layers, indicators)
    if sid == draft.id:
        return ReportSide(name, result.layers, indicators, draft, result.changes)
    applied, _key = cache.applied_saved(sid, layers)
    return ReportSide(name, applied.layers, indicators, store.open(sid), applied.changes)


def _signature(sides: list[tuple[str, str]], draft: Scenario, layers: LayerSet) -> tuple:
    return (tuple(sides), draft.fingerprint(), draft.name, layers.content_id, lang())


def report_downloads(
    sides: list[tuple[str, str, Indicators]],
    *,
    layers: LayerSet,
    draft: Scenario,
    result: AppliedScenario,
    store,
) -> None:
    """The report button for ``sides`` (one or two ``(id, name, indicators)``), then the
    PDF and HTML downloads of the report built."""
    signature = _signature([(s[0], s[1]) for s in sides], draft, layers)
    if st.button(
        t("生成方案报告（PDF 与 HTML）", "Make the scenario report (PDF and HTML)"),
        key="scenario_report_make",
        icon=":material/description:",
    ):
        try:
            with st.spinner(t("正在生成方案报告…", "Making the report…")):
                report_sides = [
                    _side(sid, name, ind, layers=layers, draft=draft, result=result, store=store)
                    for sid, name, ind in sides
                ]
                built = scenario_report(
                    layers,
                    report_sides,
                    cache.default_standards(),
                    lang=lang(),
                    version=t(f"数据 {layers.content_id}", f"data {layers.content_id}"),
                )
        except InputError as exc:
            show_input_error(exc)
            return
        st.session_state[REPORT_KEY] = (signature, built)
    stored = st.session_state.get(REPORT_KEY)
    if stored is None or stored[0] != signature:
        return
    report: ScenarioReport = stored[1]
    c1, c2 = st.columns(2)
    c1.download_button(
        t("下载 PDF", "Download PDF"),
        data=report.pdf,
        file_name=f"{report.name}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key="scenario_report_pdf",
        type="primary",
    )
    c2.download_button(
        t("下载 HTML", "Download HTML"),
        data=report.html.encode("utf-8"),
        file_name=f"{report.name}.html",
        mime="text/html",
        on_click="ignore",
        key="scenario_report_html",
    )


def compare_extras(
    a_id: str,
    b_id: str,
    names: dict,
    ind_a: Indicators,
    ind_b: Indicators,
    *,
    layers: LayerSet,
    layers_b: LayerSet,
    draft: Scenario,
    result: AppliedScenario,
    store,
) -> None:
    """Under the comparison: B in 3D, and the report of A and B (or of B alone)."""
    massing_section(
        layers_b, ind_b.parcel_capacity, cache.default_standards(), key="compare", download=False
    )
    st.markdown(t("**方案报告**", "**Scenario report**"))
    only_b = st.toggle(
        t("只含方案 B（不对比）", "Scenario B only (no comparison)"), key="scenario_report_only_b"
    )
    sides = (
        [(b_id, names[b_id], ind_b)]
        if only_b
        else [
            (a_id, names[a_id], ind_a),
            (b_id, names[b_id], ind_b),
        ]
    )
    report_downloads(sides, layers=layers, draft=draft, result=result, store=store)
