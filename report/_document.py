"""The 方案报告 document: one scenario, or two side by side, as one self-contained HTML page.

Method: the sections are built as HTML strings from the scenario data — every text that
comes from data or users passes :func:`html.escape`, images are PNG data URIs, styles are
inline in one ``<style>`` element — so the file opens anywhere with nothing fetched. The
PDF (:mod:`report._pdf`) is printed from the same HTML.

Contents, in order: title page (scenario names, the 示意数据 notice where the layers are the
bundled demo, the date, the scenario versions and the data id, the capacity rule); the
indicators (district, by unit: floor area in 万 m², land in hectares, counts, shares in %;
per park for the headline figures); the maps (parcels by status before/after, what
changed, 平方公里级 blocks, capacity increment); the edit list of each scenario with
authors and times; the standards used, each row marked when its value is an assumption.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.capacity import REDEVELOP_RULE
from analysis.contiguity import TOLERANCE_M, contiguous_blocks
from analysis.indicators import (
    ALL_CLUSTERS,
    DISPLAY_UNITS,
    DISTRICT,
    Indicators,
    compare_indicators,
)
from analysis.standards import Standards
from geo.errors import InputError
from layers.catalog import DEMO_SOURCE, LayerSet
from layers.scenario import Scenario
from report import _maps
from report._fonts import CJK_FAMILY
from report._massing import massing_figure
from ui.i18n import pick
from ui.maps import nice_bins

__all__ = ["UNITS", "ReportSide", "report_html"]

#: Unit of an indicator → (title, factor to the unit shown, decimals): the pages' table.
UNITS = DISPLAY_UNITS
_PARK_FIGURES = ("gfa_increment_m2", "gfa_max_m2", "potential_km2_area_ha", "supply_km2_area_ha")
_STANDARD_TABLES = (
    ("settings", ("高度上限与工业上楼认定", "Height cap and high-rise definition")),
    ("far", ("容积率（按用地性质与密度分区）", "FAR by land use and density zone")),
    ("plot_size", ("地块规模修正", "Plot-size correction")),
    ("bands", ("楼层分段", "Floor bands")),
    ("suitability", ("产业适配", "Industry suitability")),
)


@dataclass(frozen=True)
class ReportSide:
    """One scenario of the report.

    Attributes
    ----------
    name : str
        Name shown (the scenario's, or "现状" for the baseline).
    layers : LayerSet
        The scenario's layers (the baseline applied with its edits).
    indicators : Indicators
        :func:`analysis.indicators.scenario_indicators` of ``layers``.
    scenario : Scenario or None
        The scenario (edit list, version); None for the baseline.
    changes : GeoDataFrame or None
        Parcels added, removed or modified against the baseline
        (:attr:`layers.scenario.AppliedScenario.changes`).
    """

    name: str
    layers: LayerSet
    indicators: Indicators
    scenario: Scenario | None = None
    changes: gpd.GeoDataFrame | None = None


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _is_demo(layers: LayerSet) -> bool:
    if layers.is_demo:
        return True
    parcels = layers.parcels
    return (
        parcels is not None
        and "source" in parcels.columns
        and (parcels["source"].astype(str).eq(DEMO_SOURCE).any())
    )


def _number(value: float, decimals: int) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:,.{decimals}f}"


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1, cls: str = ""
) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if i >= numeric_from else "txt"}">{cell}</td>'
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}"></figure>'


def _park_names(layers: LayerSet) -> dict[str, str]:
    parks = layers.parks
    if parks is None or "name" not in parks.columns:
        return {}
    return dict(zip(parks["park_id"].astype(str), parks["name"].astype(str), strict=True))


def _area_label(park_id: str, names: dict[str, str], lang: str) -> str:
    if park_id == DISTRICT:
        return pick(("全区", "District"), lang)
    return names.get(str(park_id), pick(("园区外", "outside parks"), lang))


# ---------------------------------------------------------------- sections


def _title_page(
    sides: Sequence[ReportSide], demo: bool, when: datetime, version: str, lang: str
) -> str:
    kind = pick(
        ("方案比选报告", "Scenario comparison")
        if len(sides) == 2
        else ("方案报告", "Scenario report"),
        lang,
    )
    names = " ⟷ ".join(_e(s.name) for s in sides)
    rows = []
    for label, side in zip("AB", sides, strict=False):
        sc = side.scenario
        detail = (
            pick(("基础数据（无编辑）", "baseline data (no edits)"), lang)
            if sc is None
            else pick(
                (
                    f"版本 v{sc.version}，{len(sc.edits)} 项编辑，作者 {sc.author or '—'}",
                    f"version v{sc.version}, {len(sc.edits)} edits, author {sc.author or '—'}",
                ),
                lang,
            )
        )
        prefix = f"{label}：" if len(sides) == 2 else ""
        rows.append(f"<li>{_e(prefix + side.name)} — {_e(detail)}</li>")
    notice = (
        '<p class="notice">'
        + _e(
            pick(
                (
                    "示意数据：本报告基于工具自带的示意数据（非官方数据），仅用于演示，"
                    "不得作为规划依据。",
                    "示意数据 (illustrative demo data, not official): for demonstration only, "
                    "not a basis for planning decisions.",
                ),
                lang,
            )
        )
        + "</p>"
        if demo
        else ""
    )
    rule = pick((REDEVELOP_RULE.description_zh, REDEVELOP_RULE.description_en), lang)
    return (
        '<section class="title">'
        f'<p class="tool">{_e(pick(("坪山产业空间规划工具", "Pingshan industrial land planning tool"), lang))}</p>'
        f'<h1>{_e(kind)}</h1><p class="names">{names}</p>{notice}<ul>{"".join(rows)}</ul>'
        f"<p>{_e(pick(('生成时间', 'Generated'), lang))}：{_e(when.strftime('%Y-%m-%d %H:%M UTC'))}"
        f"<br>{_e(pick(('版本', 'Version'), lang))}：{_e(version)}</p>"
        f'<p class="rule">{_e(pick(("容量计算规则", "Capacity rule"), lang))}：{_e(rule)}</p>'
        "</section>"
    )


def _indicator_tables(sides: Sequence[ReportSide], lang: str) -> str:
    names = _park_names(sides[-1].layers)
    if len(sides) == 2:
        table = compare_indicators(sides[0].indicators, sides[1].indicators)
        values = ["value_a", "value_b", "difference"]
        header_vals = [
            f"A：{sides[0].name}",
            f"B：{sides[1].name}",
            pick(("差值 (B−A)", "B − A"), lang),
        ]
    else:
        table = sides[0].indicators.table().rename(columns={"value": "value_a"})
        values = ["value_a"]
        header_vals = [sides[0].name]
    overall = table[table["cluster"] == ALL_CLUSTERS]
    label_col = "label_zh" if lang == "zh" else "label_en"
    parts = [f"<h2>{_e(pick(('一、指标', '1. Indicators'), lang))}</h2>"]
    district = overall[overall["park_id"] == DISTRICT]
    for unit, (title, factor, decimals) in UNITS.items():
        rows = district[district["unit"] == unit]
        if rows.empty:
            continue
        body = [
            [_e(r[label_col])] + [_number(float(r[v]) * factor, decimals) for v in values]
            for _, r in rows.iterrows()
        ]
        parts.append(f"<h3>{_e(pick(title, lang))} · {_e(pick(('全区', 'district'), lang))}</h3>")
        parts.append(_table([pick(("指标", "Indicator"), lang), *header_vals], body))
    parks = overall[(overall["park_id"] != DISTRICT) & overall["indicator"].isin(_PARK_FIGURES)]
    if not parks.empty:
        body = []
        for _, r in parks.sort_values(["indicator", "park_id"]).iterrows():
            _title, factor, decimals = UNITS[r["unit"]]
            body.append(
                [_e(r[label_col]), _e(_area_label(r["park_id"], names, lang))]
                + [_number(float(r[v]) * factor, decimals) for v in values]
            )
        parts.append(
            f"<h3>{_e(pick(('各园区主要指标（万 m² / 公顷）', 'Headline figures per park (10⁴ m² / ha)'), lang))}</h3>"
        )
        parts.append(
            _table(
                [pick(("指标", "Indicator"), lang), pick(("范围", "Area"), lang), *header_vals],
                body,
                numeric_from=2,
            )
        )
    return "<section>" + "".join(parts) + "</section>"


def _blocks(side: ReportSide) -> gpd.GeoDataFrame:
    settings = side.indicators.settings
    return contiguous_blocks(
        side.layers.parcels,
        tolerance_m=float(settings.get("tolerance_m", TOLERANCE_M)),
        statuses=settings.get("statuses"),
        barriers=side.layers.constraints,
    ).blocks


def _maps_section(
    baseline: LayerSet, sides: Sequence[ReportSide], standards: Standards, lang: str
) -> str:
    parks = baseline.parks
    figures: list[str] = []
    if len(sides) == 1 and sides[0].scenario is not None:
        title = pick(("改造前：现状地块状态", "Before: parcel status of the baseline"), lang)
        figures.append(
            _img(_maps.status_map(baseline.parcels, parks, title=title, lang=lang), title)
        )
    labelled = [
        (f"{k}：{s.name}" if len(sides) == 2 else s.name, s)
        for k, s in zip("AB", sides, strict=False)
    ]
    for label, side in labelled:
        title = pick((f"地块状态 · {label}", f"Parcel status · {label}"), lang)
        figures.append(
            _img(_maps.status_map(side.layers.parcels, parks, title=title, lang=lang), title)
        )
    for label, side in labelled:
        if side.changes is not None and len(side.changes):
            title = pick(
                (f"相对现状的变化 · {label}", f"Changes against the baseline · {label}"), lang
            )
            figures.append(
                _img(
                    _maps.changes_map(
                        baseline.parcels, side.changes, parks, title=title, lang=lang
                    ),
                    title,
                )
            )
    for label, side in labelled:
        title = pick(
            (f"连片潜力（平方公里级）· {label}", f"Contiguous blocks (km-scale) · {label}"), lang
        )
        figures.append(
            _img(
                _maps.blocks_map(side.layers.parcels, _blocks(side), parks, title=title, lang=lang),
                title,
            )
        )
    increments = np.concatenate(
        [s.indicators.parcel_capacity["gfa_increment_m2"].to_numpy(dtype=float) for s in sides]
    )
    bins = nice_bins(increments)
    for label, side in labelled:
        title = pick((f"工业上楼新增建筑面积 · {label}", f"GFA increment · {label}"), lang)
        figures.append(
            _img(
                _maps.increment_map(
                    side.indicators.parcel_capacity, parks, title=title, lang=lang, bins=bins
                ),
                title,
            )
        )
    for label, side in labelled:
        title = pick((f"工业上楼三维体量 · {label}", f"Industrial high-rise in 3D · {label}"), lang)
        figures.append(
            _img(
                massing_figure(
                    side.indicators.parcel_capacity, parks, standards, title=title, lang=lang
                ),
                title,
            )
        )
    return (
        f"<section><h2>{_e(pick(('二、地图', '2. Maps'), lang))}</h2>"
        + "".join(figures)
        + "</section>"
    )


def _edits_section(sides: Sequence[ReportSide], lang: str) -> str:
    parts = [f"<h2>{_e(pick(('三、编辑记录', '3. Edit list'), lang))}</h2>"]
    for side in sides:
        parts.append(f"<h3>{_e(side.name)}</h3>")
        sc = side.scenario
        if sc is None or not sc.edits:
            parts.append(f"<p>{_e(pick(('没有编辑（现状）。', 'No edits (baseline).'), lang))}</p>")
            continue
        rows = [
            [str(i), _e(edit.describe(lang)), _e(edit.author or "—"), _e(edit.created_at)]
            for i, edit in enumerate(sc.edits, start=1)
        ]
        parts.append(
            _table(
                [
                    "#",
                    pick(("编辑", "Edit"), lang),
                    pick(("作者", "Author"), lang),
                    pick(("时间 (UTC)", "Time (UTC)"), lang),
                ],
                rows,
                numeric_from=99,
                cls="edits",
            )
        )
    return "<section>" + "".join(parts) + "</section>"


def _cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return _e(value)


def _standards_section(standards: Standards, lang: str) -> str:
    tables = standards.to_tables()
    parts = [
        f"<h2>{_e(pick(('四、采用的标准', '4. Standards used'), lang))}</h2>",
        "<p>"
        + _e(
            pick(
                (
                    "标记「假设值」的数值尚无正式出处，为待替换的假设；其余数值列出出处。",
                    "Rows marked 'assumed' have no formal source yet and are placeholders; "
                    "the others name their source.",
                ),
                lang,
            )
        )
        + "</p>",
    ]
    assumed = pick(("假设值", "assumed"), lang)
    for key, title in _STANDARD_TABLES:
        frame = tables[key]
        shown = [c for c in frame.columns if c not in ("assumption", "note", "source")]
        mark = [
            f'<span class="assumed">{_e(assumed)}</span>' if bool(a) else ""
            for a in frame["assumption"]
        ]
        rows = [
            [_cell(r[c]) for c in shown] + [m]
            for (_, r), m in zip(frame.iterrows(), mark, strict=True)
        ]
        parts.append(f"<h3>{_e(pick(title, lang))}</h3>")
        parts.append(
            '<div class="std">'
            + _table([*shown, pick(("假设", "assumption"), lang)], rows, numeric_from=99)
            + "</div>"
        )
        notes = [
            [_cell(r[shown[0]]), _cell(r["source"]) or "—", _cell(r["note"]), m]
            for (_, r), m in zip(frame.iterrows(), mark, strict=True)
        ]
        parts.append(
            '<div class="std src">'
            + _table(
                [
                    shown[0],
                    pick(("出处", "source"), lang),
                    pick(("说明", "note"), lang),
                    pick(("假设", "assumption"), lang),
                ],
                notes,
                numeric_from=99,
            )
            + "</div>"
        )
    return "<section>" + "".join(parts) + "</section>"


_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-center { content: "%(footer)s · " counter(page) " / " counter(pages);
    font-family: "%(family)s", sans-serif; font-size: 8pt; color: #616161; } }
body { font-family: "%(family)s", sans-serif; font-size: 9.5pt; color: #212121; }
section { page-break-before: always; }
section.title { page-break-before: avoid; padding-top: 50mm; }
section.title h1 { font-size: 26pt; margin: 4mm 0; }
.tool { color: #616161; font-size: 12pt; }
.names { font-size: 15pt; font-weight: bold; }
.notice { border: 1.5pt solid #c62828; color: #b71c1c; padding: 3mm; font-weight: bold; }
.rule { color: #424242; font-size: 8.5pt; }
h2 { font-size: 15pt; border-bottom: 1pt solid #9e9e9e; }
h3 { font-size: 11pt; margin: 5mm 0 2mm 0; }
table { border-collapse: collapse; width: 100%%; margin-bottom: 3mm; }
th, td { border: 0.4pt solid #bdbdbd; padding: 1mm 1.5mm; vertical-align: top; }
th { background: #eeeeee; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
.std table { font-size: 7pt; table-layout: fixed; overflow-wrap: anywhere; }
.src th:nth-child(1) { width: 16%%; }
.src th:nth-child(2) { width: 50%%; }
.src th:nth-child(3) { width: 26%%; }
.src th:nth-child(4) { width: 8%%; }
table.edits { table-layout: fixed; }
table.edits th:nth-child(1) { width: 6%%; }
table.edits th:nth-child(2) { width: 56%%; }
table.edits th:nth-child(3) { width: 14%%; }
table.edits th:nth-child(4) { width: 24%%; }
.assumed { color: #b71c1c; font-weight: bold; }
figure { margin: 0 0 4mm 0; page-break-inside: avoid; text-align: center; }
figure img { height: 112mm; width: auto; max-width: 100%%; }
"""


def report_html(
    baseline: LayerSet,
    sides: Sequence[ReportSide],
    standards: Standards,
    *,
    lang: str = "zh",
    generated_at: datetime | None = None,
    version: str = "",
) -> str:
    """The report of one scenario (``sides`` of length 1) or a comparison of two, as HTML.

    Parameters
    ----------
    baseline : LayerSet
        The base layers (the "before" map, the backdrop of the change maps, park outlines).
    sides : sequence of ReportSide
        One or two scenarios (the baseline itself may be one, ``scenario=None``).
    standards : Standards
        The standards the indicators were computed with.
    lang : {"zh", "en"}
    generated_at : datetime, optional
        Time printed on the title page; now (UTC) by default.
    version : str
        Version text printed on the title page and in the page footer.

    Returns
    -------
    str
        A complete HTML document with no outside references.

    Raises
    ------
    InputError
        Not one or two sides, or no parcels.
    """
    if len(sides) not in (1, 2):
        raise InputError(
            f"方案报告需要一个或两个方案，实为 {len(sides)} 个。",
            f"A report covers one or two scenarios, got {len(sides)}.",
        )
    if baseline.parcels is None or any(s.layers.parcels is None for s in sides):
        raise InputError("没有地块图层，无法生成报告。", "No parcel layer: cannot make a report.")
    when = generated_at or datetime.now(UTC)
    demo = _is_demo(baseline) or any(_is_demo(s.layers) for s in sides)
    title = " ⟷ ".join(s.name for s in sides)
    footer = f"{pick(('方案报告', 'Scenario report'), lang)} · {title}"
    if demo:
        footer += " · 示意数据"
    # The footer sits in a CSS string inside <style>: characters that could end either go.
    css = _CSS % {"family": CJK_FAMILY, "footer": re.sub(r'[\\"<>\r\n]', " ", footer)}
    body = (
        _title_page(sides, demo, when, version, lang)
        + _indicator_tables(sides, lang)
        + _maps_section(baseline, sides, standards, lang)
        + _edits_section(sides, lang)
        + _standards_section(standards, lang)
    )
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{_e(title)}</title><style>{css}</style></head>'
        f"<body>{body}</body></html>"
    )
