"""The 对比 tab of 情景规划: two of (baseline, saved scenarios, the working copy) side by side.

Headline metrics, the figures that changed (all on request) in the unit each is read in —
floor area in 万 m², land in hectares, counts, shares in per cent — as numeric columns that
sort, a per-cluster table with readable names, and a map of what changed. Every scenario is
applied as on the edit tab (:func:`ui.cache.applied_saved`) and judged by the one
redevelopment rule (:data:`analysis.capacity.REDEVELOP_RULE`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from analysis.capacity import REDEVELOP_RULE
from analysis.indicators import ALL_CLUSTERS, DISPLAY_UNITS, DISTRICT
from geo.errors import InputError
from layers.catalog import LayerSet
from layers.scenario import (
    CHANGE_LABELS,
    AppliedScenario,
    Scenario,
)
from ui import maps
from ui.cache import (
    applied_saved,
    compared_indicators,
    default_standards,
    scenario_indicators_of,
)
from ui.common import (
    display_system,
    md_escape,
    new_map,
    park_label,
    show_input_error,
    show_map,
)
from ui.i18n import fit_key_label, lang, t
from ui.report_button import compare_extras
from ui.static_cache import publish_payload

__all__ = ["BASELINE", "add_changes", "changes_legend", "render_compare"]

#: Choice meaning "the baseline layers, no scenario".
BASELINE = "__baseline__"


#: Unit of an indicator → (table title, factor to the unit shown, number format): the one
#: unit table (:data:`analysis.indicators.DISPLAY_UNITS`) with thousands separators, counts
#: as integers and shares with a per-cent sign.
COMPARE_UNITS: dict[str, tuple[tuple[str, str], float, str]] = {
    unit: (title, factor, "%.1f%%" if unit == "share" else f"%,.{decimals}f")
    for unit, (title, factor, decimals) in DISPLAY_UNITS.items()
}
#: The unit of each kind in the headline metrics.
METRIC_UNITS = {
    "m²": ("万 m²", "10⁴ m²"),
    "ha": ("公顷", "ha"),
    "count": ("个", ""),
    "share": ("%", "%"),
}


def changed_rows(table: pd.DataFrame) -> pd.Series:
    """True where a figure differs between A and B (beyond rounding noise), or exists on
    one side only."""
    a, b = table["value_a"], table["value_b"]
    scale = np.maximum(a.abs().fillna(0.0), b.abs().fillna(0.0))
    differs = (b - a).abs() > 1e-9 * scale + 1e-9
    return differs | (a.isna() != b.isna())


def compare_table(
    rows: pd.DataFrame, unit: str, a_name: str, b_name: str, layers: LayerSet
) -> tuple[pd.DataFrame, dict]:
    """One unit's rows of the comparison as shown: labels in the chosen language, numbers
    in the unit shown (still numbers, so columns sort), and their column configuration."""
    _title, factor, fmt = COMPARE_UNITS[unit]
    num = st.column_config.NumberColumn
    columns = {
        "indicator": t("指标", "Indicator"),
        "area": t("范围", "Area"),
        "a": t("A：", "A: ") + a_name,
        "b": t("B：", "B: ") + b_name,
        "diff": t("差值（百分点）", "Difference (points)")
        if unit == "share"
        else t("差值 (B−A)", "Difference (B−A)"),
        "rel": t("变化率", "Change"),
    }
    frame = pd.DataFrame(
        {
            columns["indicator"]: rows["label_zh"] if lang() == "zh" else rows["label_en"],
            columns["area"]: [
                t("全区", "district") if p == DISTRICT else park_label(p, layers)
                for p in rows["park_id"]
            ],
            columns["a"]: rows["value_a"] * factor,
            columns["b"]: rows["value_b"] * factor,
            columns["diff"]: rows["difference"] * factor,
        }
    )
    config = {
        columns["indicator"]: st.column_config.TextColumn(columns["indicator"], pinned=True),
        columns["a"]: num(columns["a"], format=fmt),
        columns["b"]: num(columns["b"], format=fmt),
        columns["diff"]: num(columns["diff"], format=fmt),
    }
    if unit != "share":  # a change of a share is read in points, not relative
        frame[columns["rel"]] = [
            rate_text(a, d, rel)
            for a, d, rel in zip(
                rows["value_a"], rows["difference"], rows["relative_change"], strict=True
            )
        ]
        config[columns["rel"]] = st.column_config.TextColumn(
            columns["rel"],
            help=t(
                "差值占 A 的百分比；A 为 0 时写「新增」（B 有值）或「—」（B 也为 0）。",
                "The difference as a share of A; where A is 0: “new” (B has a value) or “—”.",
            ),
        )
    return frame, config


def rate_text(value_a: float, difference: float, relative_change: float) -> str:
    """The rate of change as text: ``+12.3%``; where A is 0 (no rate), 新增 when B has a
    value and — when B is 0 too."""
    if value_a > 0 and np.isfinite(relative_change):
        return f"{relative_change * 100.0:+,.1f}%"
    if not pd.isna(difference) and difference != 0:
        return t("新增", "new")
    return "—"


def metric_text(value: float, unit: str) -> str:
    """A headline figure in the unit shown, with its unit."""
    _title, factor, _fmt = COMPARE_UNITS.get(unit, (None, 1.0, ""))
    decimals = 0 if unit == "count" else 1
    suffix = t(*METRIC_UNITS.get(unit, (unit, unit)))
    return f"{value * factor:,.{decimals}f} {suffix}".strip()


def changes_legend() -> tuple[str, list[tuple[str, str]]]:
    return t("情景变化", "Changes"), maps.pair_legend(CHANGE_LABELS, maps.CHANGE_COLORS, lang())


def add_changes(m, changes) -> None:
    """Outline the parcels a scenario added, removed or modified, coloured by change."""
    if not len(changes):
        return
    payload = maps.changes_payload(changes, lang=lang(), display_system=display_system())
    maps.add_geojson(
        m,
        None,
        t("变化", "Changes"),
        url=publish_payload(payload),
        tooltip_fields=maps.tooltip_pairs(maps.CHANGE_TOOLTIP, lang()),
        style={"weight": 3, "color": "#000000", "fillOpacity": 0.55},
    )


def compare_maps(layers: LayerSet, sides: list[tuple[str, str, AppliedScenario | None]]) -> None:
    """A | B side by side: what each changes against the baseline, the two maps panning and
    zooming together (``maps.SyncViews``). Nothing when neither changes anything."""
    if not any(res is not None and len(res.changes) for _, _, res in sides):
        return
    st.markdown(
        t(
            "**A 与 B 相对现状的变化**（两图同步平移和缩放）",
            "**What A and B change against the baseline** (the maps pan and zoom together)",
        )
    )
    for col, (side, name, res) in zip(st.columns(len(sides)), sides, strict=True):
        with col:
            st.caption(md_escape(side + t("：", ": ") + name))
            cm = new_map(layers)
            if res is not None:
                add_changes(cm, res.changes)
            maps.add_legends(cm, [changes_legend()])
            cm.add_child(maps.SyncViews("scenario_compare"))
            key = "scenario_compare_map" if side == "B" else f"scenario_compare_map_{side.lower()}"
            show_map(cm, key=key, height=480)


def render_compare(
    *,
    draft: Scenario,
    infos: list,
    store,
    layers: LayerSet,
    result: AppliedScenario,
    draft_key: str,
    dirty: bool,
) -> None:
    """The compare tab for the working copy ``draft`` (applied as ``result``)."""
    choices = [BASELINE, *[info.id for info in infos]]
    names = {
        BASELINE: t("现状（基础数据）", "baseline"),
        **{info.id: info.name for info in infos},
    }
    names[draft.id] = draft.name + (
        t("（含未保存修改）", " (with unsaved changes)") if dirty else ""
    )
    if draft.id not in choices:
        choices.append(draft.id)
    c1, c2 = st.columns(2)
    a_id = c1.selectbox(
        t("对比 A", "Compare A"), choices, index=0, format_func=names.get, key="scenario_compare_a"
    )
    b_id = c2.selectbox(
        t("对比 B", "Compare B"),
        choices,
        index=choices.index(draft.id),
        format_func=names.get,
        key="scenario_compare_b",
    )

    def resolve(sid: str) -> tuple[LayerSet, str, AppliedScenario | None]:
        if sid == BASELINE:
            return layers, "baseline", None
        if sid == draft.id:
            return result.layers, draft_key, result
        res, key = applied_saved(sid, layers)
        return res.layers, key, res

    try:
        with st.spinner(t("正在计算指标…", "Computing indicators…")):
            layers_a, key_a, res_a = resolve(a_id)
            layers_b, key_b, res_b = resolve(b_id)
            ind_a = scenario_indicators_of(layers.fingerprint(), key_a, layers_a)
            ind_b = scenario_indicators_of(layers.fingerprint(), key_b, layers_b)
            table = compared_indicators(layers.fingerprint(), key_a, key_b, ind_a, ind_b)
    except InputError as exc:
        show_input_error(exc)
    else:
        overall = table[table.cluster == ALL_CLUSTERS]
        district = overall[overall.park_id == DISTRICT]
        cols = st.columns(3)
        for col, code in zip(
            cols, ["supply_km2_area_ha", "potential_km2_area_ha", "gfa_increment_m2"], strict=True
        ):
            row = district[district.indicator == code]
            if len(row):
                r = row.iloc[0]
                factor = COMPARE_UNITS.get(r.unit, (None, 1.0, ""))[1]
                col.metric(
                    r.label_zh if lang() == "zh" else r.label_en,
                    metric_text(r.value_b, r.unit),
                    f"{r.difference * factor:+,.1f}",
                )
        st.caption(
            t(
                f"容量指标的计算规则：{REDEVELOP_RULE.description_zh}",
                f"Capacity rule: {REDEVELOP_RULE.description_en}",
            )
        )
        show_all = st.toggle(
            t("也显示没有变化的指标", "Show unchanged figures too"),
            key="scenario_compare_all",
        )
        a_name, b_name = names[a_id], names[b_id]
        shown_rows = overall if show_all else overall[changed_rows(overall)]
        if shown_rows.empty:
            st.info(
                t(
                    "A 与 B 的指标没有差别。打开上面的开关可查看全部指标。",
                    "A and B do not differ in any figure. Turn on the switch above to see all.",
                )
            )
        else:
            st.caption(
                t(
                    f"共 {len(overall)} 项指标，其中 {int(changed_rows(overall).sum())} 项有变化。",
                    f"{len(overall)} figures, {int(changed_rows(overall).sum())} of which differ.",
                )
            )
        for unit, (title, _factor, _fmt) in COMPARE_UNITS.items():
            part = shown_rows[shown_rows.unit == unit]
            if part.empty:
                continue
            st.markdown(f"**{t(*title)}**")
            frame, config = compare_table(part, unit, a_name, b_name, layers)
            st.dataframe(frame, hide_index=True, width="stretch", column_config=config)
        with st.expander(
            t(
                "按产业集群：适合该集群的新增楼面（万 m²，全区）",
                "By cluster: new floor space suited to each cluster (10⁴ m², district)",
            )
        ):
            fit = table[(table.indicator == "gfa_fit_m2") & (table.park_id == DISTRICT)]
            if not show_all:
                fit = fit[changed_rows(fit)]
            if fit.empty:
                st.caption(t("各集群没有变化。", "No cluster changes."))
            else:
                cluster_col = t("产业集群", "Cluster")
                a_col, b_col = t("A：", "A: ") + a_name, t("B：", "B: ") + b_name
                diff_col = t("差值 (B−A)", "Difference (B−A)")
                standards = default_standards()
                clusters = pd.DataFrame(
                    {
                        cluster_col: [fit_key_label(k, standards) for k in fit["cluster"]],
                        a_col: fit["value_a"].to_numpy() / 1e4,
                        b_col: fit["value_b"].to_numpy() / 1e4,
                        diff_col: fit["difference"].to_numpy() / 1e4,
                    }
                )
                num = st.column_config.NumberColumn
                st.dataframe(
                    clusters,
                    hide_index=True,
                    width="stretch",
                    column_config={
                        a_col: num(a_col, format="%,.1f"),
                        b_col: num(b_col, format="%,.1f"),
                        diff_col: num(diff_col, format="%,.1f"),
                    },
                )
                st.caption(
                    t(
                        "同一楼层可同时适合多个集群，各行不可相加。",
                        "One floor can suit several clusters, so rows do not add up.",
                    )
                )
        compare_maps(layers, [("A", a_name, res_a), ("B", b_name, res_b)])
        compare_extras(a_id, b_id, names, ind_a, ind_b, layers=layers, layers_b=layers_b, draft=draft, result=result, store=store)  # fmt: skip
