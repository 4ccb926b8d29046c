"""方案报告 (scenario report): one scenario, or a comparison of two, as an HTML file and a PDF
that stand on their own.

:func:`scenario_report` builds both from scenario data the app already has (applied
layers, indicators, the edit list, the standards): maps rendered on the server with
matplotlib (:mod:`report._maps`), tables in 万 m² and hectares, the 示意数据 notice where the
demo data is used (:mod:`report._document`), and the PDF printed with WeasyPrint with the
CJK font embedded (:mod:`report._pdf`, :mod:`report._fonts`). No Streamlit here; nothing is
fetched from outside the machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from analysis.standards import Standards
from layers.catalog import LayerSet
from report._document import UNITS, ReportSide, report_html
from report._fonts import CJK_FAMILY, cjk_font_file
from report._pdf import html_to_pdf

__all__ = [
    "CJK_FAMILY",
    "UNITS",
    "ReportSide",
    "ScenarioReport",
    "cjk_font_file",
    "html_to_pdf",
    "report_html",
    "scenario_report",
]


@dataclass(frozen=True)
class ScenarioReport:
    """The two files of a report: ``html`` (UTF-8 text) and ``pdf`` (bytes), and a file
    name stem ``name`` (no extension)."""

    html: str
    pdf: bytes
    name: str


def _file_stem(sides: Sequence[ReportSide]) -> str:
    names = "_vs_".join(s.name for s in sides)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in names)
    return f"方案报告_{safe[:60]}"


def scenario_report(
    baseline: LayerSet,
    sides: Sequence[ReportSide],
    standards: Standards,
    *,
    lang: str = "zh",
    generated_at: datetime | None = None,
    version: str = "",
) -> ScenarioReport:
    """HTML and PDF report of one scenario or of two; parameters as :func:`report_html`."""
    text = report_html(
        baseline, sides, standards, lang=lang, generated_at=generated_at, version=version
    )
    return ScenarioReport(html=text, pdf=html_to_pdf(text), name=_file_stem(sides))
