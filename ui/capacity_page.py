"""工业上楼容量 · Floor capacity: editable standards, capacity per parcel, park and cluster.

The page computes the capacity of the baseline (现状) or of any saved scenario (the
scenario's edits applied to the baseline, as on 情景规划). By default it uses the app's one
redevelopment rule, :data:`analysis.capacity.REDEVELOP_RULE` (低效用地 and 可供应 rebuilt
to the base FAR, 工业上楼 parcels to the upper limit, target FARs first), the rule the
scenario comparison uses, so both pages give the same increment for the same parcels and
standards. The FAR and scope choices are sensitivity runs around that rule, and the page
says when it departs from it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.capacity import NO_GROUP, REDEVELOP_RULE, TOTAL, capacity_summary, floor_table
from analysis.standards import (
    MAX_HEIGHT_CAP_M,
    Standards,
    floor_fit_column,
    standards_from_tables,
)
from geo.errors import InputError
from layers.catalog import LayerSet
from layers.schema import DENSITY_ZONES, LAND_USE
from ui import cache, maps
from ui.charts import stacked_bars
from ui.common import (
    current_layers,
    demo_banner,
    display_system,
    gcj02_notice,
    md_escape,
    new_map,
    park_name,
    publish_result,
    show_input_error,
    show_map,
    table_height,
)
from ui.i18n import band_label, cluster_label, fit_key_label, labeller, lang, t
from ui.massing_view import massing_section
from ui.widgets import choice

#: The city's yearly 工业上楼 programme, m² (深府函〔2023〕20号: ≥ 2,000万 m² a year, 5 years).
CITY_PROGRAMME_M2_PER_YEAR = 20_000_000.0

STD_KEY = "cap_std"  # the standards in force (last valid edit)
BASE_KEY = "cap_std_base"  # what the editors start from
GEN_KEY = "cap_std_gen"  # bumped on reset, so the editors start afresh
HEIGHT_KEY = "cap_height_m"
HEIGHT_SEEN_KEY = "cap_height_seen_m"
SOURCE_KEY = "cap_source"  # the baseline or the id of a saved scenario
BASELINE = "__baseline__"
TABLES = ("far", "plot_size", "settings", "bands", "suitability")
TABLE_TITLES = {
    "far": (
        "容积率（按用地性质 × 密度分区）与建筑覆盖率",
        "FAR by land use × density zone, and coverage",
    ),
    "plot_size": ("地块规模修正", "Plot-size correction"),
    "settings": ("建筑高度上限与工业上楼认定口径", "Height cap and the high-rise definition"),
    "bands": ("楼层分段（层高、荷载、货梯）", "Floor bands (height, load, freight lift)"),
    "suitability": (
        "产业适配（各集群可用楼层）",
        "Industry suitability (floors each cluster can use)",
    ),
}
MARK = "_mark"
LABEL = "_label"
SETTING_LABELS = {
    "height_cap_m": ("建筑高度上限 (m)", "Building height cap (m)"),
    "definition.min_height_m": ("工业上楼认定：高度大于 (m)", "High-rise: taller than (m)"),
    "definition.max_height_m": ("工业上楼认定：高度不超过 (m)", "High-rise: at most (m)"),
    "definition.min_floors": ("工业上楼认定：最少层数", "High-rise: at least floors"),
    "definition.min_far": ("工业上楼认定：最低容积率", "High-rise: minimum FAR"),
}


def wan_m2(value_m2: float) -> str:
    """Floor area as 万 m² (10⁴ m²) text."""
    return f"{value_m2 / 1e4:,.1f}"


def _reset_standards() -> None:
    default = cache.default_standards()
    st.session_state[STD_KEY] = default
    st.session_state[BASE_KEY] = default
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1
    st.session_state[HEIGHT_KEY] = float(default.far.height_cap_m.value)
    st.session_state[HEIGHT_SEEN_KEY] = float(default.far.height_cap_m.value)


def _column_config(name: str) -> dict:
    text, num, check = (
        st.column_config.TextColumn,
        st.column_config.NumberColumn,
        st.column_config.CheckboxColumn,
    )
    common = {
        MARK: text(t("标记", "Mark"), disabled=True),
        "source": text(t("来源", "Source"), width="large"),
        "assumption": check(
            t("假设 ⚠️", "Assumed ⚠️"),
            help=t(
                "勾选表示该值为假设，尚无出处。",
                "Ticked: the value is an assumption without a source.",
            ),
        ),
        "note": text(t("说明", "Note"), width="medium"),
    }
    if name == "far":
        cfg = {
            "land_use": text(t("用地性质", "Land use"), disabled=True),
            "label_zh": text(t("名称", "Name"), disabled=True),
            "upper_factor": num(t("上限倍数", "Upper factor"), format="%.2f"),
            "upper_cap": num(t("上限封顶", "Upper cap"), format="%.2f"),
            "coverage": num(t("覆盖率", "Coverage"), format="%.2f"),
        }
        for z in DENSITY_ZONES:
            cfg[f"base_z{z}"] = num(t(f"基准 {z}区", f"Base z{z}"), format="%.2f")
            cfg[f"upper_z{z}"] = num(t(f"上限 {z}区", f"Upper z{z}"), format="%.2f", disabled=True)
    elif name == "plot_size":
        cfg = {
            "min_ha": num(t("下限(公顷)", "From (ha)"), format="%.2f"),
            "max_ha": num(
                t("上限(公顷)", "To (ha)"),
                format="%.2f",
                help=t("最后一段留空表示不设上限。", "Leave empty on the last band: open."),
            ),
            "correction": num(t("修正系数", "Correction"), format="%.2f"),
        }
    elif name == "settings":
        cfg = {
            "key": text(t("代码", "Code"), disabled=True),
            LABEL: text(t("项目", "Item"), disabled=True),
            "value": num(t("数值", "Value"), format="%.2f"),
        }
    elif name == "bands":
        cfg = {
            "key": text(t("代码", "Code")),
            "label_zh": text(t("名称", "Chinese name")),
            "first_floor": num(t("起始层", "First floor"), format="%d", step=1),
            "last_floor": num(
                t("末层", "Last floor"),
                format="%d",
                step=1,
                help=t("最顶一段留空。", "Empty on the top band."),
            ),
            "floor_height_m": num(t("层高(m)", "Floor height (m)"), format="%.2f"),
            "load_t_m2": num(t("荷载(t/m²)", "Load (t/m²)"), format="%.2f"),
            "load_kn_m2": num(t("荷载(kN/m²)", "Load (kN/m²)"), format="%.1f"),
            "freight_lift_t": num(t("货梯(t)", "Freight lift (t)"), format="%.1f"),
        }
    else:
        cfg = {
            "key": text(t("代码", "Code")),
            "cluster": text(t("集群", "Cluster"), disabled=True),
            "sub_type": text(t("细分", "Sub-type"), disabled=True),
            "label_zh": text(t("名称", "Chinese name")),
            "min_load_t_m2": num(t("最低荷载(t/m²)", "Min load (t/m²)"), format="%.2f"),
            "min_floor_height_m": num(t("最低层高(m)", "Min floor height (m)"), format="%.2f"),
            "max_band": text(t("最高分段", "Highest band")),
        }
    return {**cfg, **common}


def _editor_frame(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """A standards table for the editor: an assumption mark first, derived columns
    labelled in the chosen language (they are ignored when the table is read back)."""
    marks = [
        t("⚠️ 假设", "⚠️ assumed") if a else t("✓ 有来源", "✓ sourced")
        for a in table["assumption"].fillna(False)
    ]
    frame = table.copy()
    frame.insert(0, MARK, marks)
    if name == "settings":
        frame.insert(2, LABEL, [t(*SETTING_LABELS.get(k, (k, k))) for k in frame["key"]])
    elif name == "suitability":
        frame["cluster"] = [cluster_label(c) for c in frame["cluster"]]
    elif name == "far" and lang() == "en":
        frame["label_zh"] = [LAND_USE.label(c, "en") for c in frame["land_use"]]
    return frame


def _edited(key: str) -> bool:
    state = st.session_state.get(key)
    if state is None:
        return False
    return any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


def standards_section(box) -> Standards:
    """The editable standards tables; returns the standards in force."""
    if STD_KEY not in st.session_state:
        _reset_standards()
    base: Standards = st.session_state[BASE_KEY]
    gen = st.session_state[GEN_KEY]
    base_tables = base.to_tables()
    with box:
        st.caption(
            t(
                "以下标准表在本次会话内可编辑（双击单元格修改），修改后容量立即按新标准重算；"
                "「假设 ⚠️」标记的数值尚无出处，仅为占位，请以现行标准替换。修改不会写回文件。",
                "These standards can be edited for this session (double-click a cell); capacity is "
                "recomputed at once. Values marked 'Assumed ⚠️' have no source yet and are "
                "placeholders to replace with the standards in force. Edits are not saved to file.",
            )
        )
        st.button(
            t("恢复默认标准", "Reset to default standards"),
            on_click=_reset_standards,
            key="cap_std_reset",
            icon=":material/undo:",
        )
        edited: dict[str, pd.DataFrame] = {}
        slots = {}
        for name in TABLES:
            key = f"cap_ed_{name}_{gen}"
            st.markdown(f"**{t(*TABLE_TITLES[name])}**")
            dynamic = name in ("plot_size", "bands", "suitability")
            frame = st.data_editor(
                _editor_frame(name, base_tables[name]),
                key=key,
                hide_index=True,
                width="stretch",
                height=table_height(len(base_tables[name]) + int(dynamic)),
                num_rows="dynamic" if dynamic else "fixed",
                column_config=_column_config(name),
            )
            slots[name] = st.container()
            if _edited(key):
                edited[name] = frame.drop(columns=[c for c in (MARK, LABEL) if c in frame])
        if edited:
            try:
                st.session_state[STD_KEY] = standards_from_tables(edited, base=base)
            except InputError as exc:
                # Right under the table edited last, where the planner is looking.
                with slots[list(edited)[-1]]:
                    show_input_error(exc, with_source=False)
                st.session_state["cap_std_invalid"] = True
            else:
                st.session_state["cap_std_invalid"] = False
        else:
            st.session_state["cap_std_invalid"] = False
    return st.session_state[STD_KEY]


def _sync_height(standards: Standards) -> None:
    """Follow the standards' height cap when it changes (edit or reset)."""
    cap = float(standards.far.height_cap_m.value)
    if st.session_state.get(HEIGHT_SEEN_KEY) != cap:
        st.session_state[HEIGHT_SEEN_KEY] = cap
        st.session_state[HEIGHT_KEY] = cap


def scenario_source(box, layers: LayerSet) -> tuple[LayerSet, str]:
    """The selector of the parcels computed on (现状 or a saved scenario) and the layers it
    names, with a fingerprint standing for their parcels and parks."""
    fingerprint = layers.fingerprint("parcels", "parks")
    try:
        infos = cache.the_store().list()
    except InputError as exc:
        with box:
            show_input_error(exc)
        infos = []
    names = {BASELINE: t("现状（基础数据）", "baseline"), **{i.id: i.name for i in infos}}
    chosen = choice(
        box.selectbox,
        t("计算对象", "Computed on"),
        list(names),
        SOURCE_KEY,
        format_func=names.get,
        help=t(
            "现状，或在「情景规划」页保存的情景（其编辑应用于现状）。",
            "The baseline, or a scenario saved on the Scenarios page (its edits applied to "
            "the baseline).",
        ),
    )
    if chosen == BASELINE:
        return layers, fingerprint
    try:
        applied, key = cache.applied_saved(chosen, layers)
    except InputError as exc:
        with box:
            show_input_error(exc)
        return layers, fingerprint
    for problem in applied.problems:
        box.warning(
            md_escape(
                t(f"情景第 {problem.index + 1} 项编辑：", f"Scenario edit #{problem.index + 1}: ")
                + problem.message
            )
        )
    return applied.layers, f"{fingerprint}:{key}"


# --------------------------------------------------------------------------- page

layers = current_layers()
st.title(t("工业上楼容量", "Industrial high-rise floor capacity"))
demo_banner(layers)

params_box = st.container()
warn_box = st.container()
metrics_box = st.container()
map_box = st.container()
summary_box = st.container()
std_box = st.expander(
    t(
        "标准表（本次会话可编辑，含来源与假设标记）",
        "Standards tables (editable for this session, with sources and assumption marks)",
    ),
    expanded=False,
)
floors_box = st.expander(
    t("楼层分段与产业适配（逐层）", "Floors, bands and industry fit (per floor)")
)

standards = standards_section(std_box)
if st.session_state.get("cap_std_invalid"):
    warn_box.warning(
        t(
            "标准表的修改有误（见下方标准表），仍按上一次有效的标准计算。",
            "The standards edit is invalid (see the standards tables below); the "
            "last valid standards are used.",
        ),
        icon=":material/warning:",
    )
_sync_height(standards)

if layers.parcels is None:
    st.warning(
        t(
            "没有地块图层，请在「数据导入导出」页导入。",
            "There is no parcels layer; import one on the Data page.",
        )
    )
    st.stop()

with params_box:
    source_col, _ = st.columns([1.5, 2.0])
    parcels_layers, fingerprint = scenario_source(source_col, layers)
    c1, c2, c3 = st.columns([1.1, 1.2, 1.2])
    far_mode = choice(
        c1.radio,
        t("容积率取值", "FAR used"),
        ["rule", "upper", "base"],
        "cap_far_mode",
        format_func=labeller(
            {
                "rule": (
                    "按改造规则（一般改造取基准，工业上楼取上限）",
                    "by the rule (base FAR; upper limit for 工业上楼)",
                ),
                "upper": ("全部取容积率上限", "upper limit for all"),
                "base": (
                    "全部取基准容积率（经规模修正）",
                    "base value for all (plot-size corrected)",
                ),
            }
        ),
    )
    scenario = choice(
        c2.radio,
        t("改造范围", "Parcels rebuilt"),
        ["rule", "all"],
        "cap_scenario",
        format_func=labeller(
            {
                "rule": (
                    "按改造规则：低效 + 可供应 + 工业上楼/目标容积率地块",
                    "by the rule: low-efficiency + released + 工业上楼/target-FAR parcels",
                ),
                "all": ("全部工业用地（理论容量）", "all industrial parcels (theoretical)"),
            }
        ),
    )
    height_cap_m = c3.number_input(
        t("建筑高度上限 (m)", "Building height cap (m)"),
        min_value=1.0,
        max_value=MAX_HEIGHT_CAP_M,
        step=1.0,
        format="%.0f",
        key=HEIGHT_KEY,
        help=t("默认取标准表中的高度上限。", "Defaults to the height cap of the standards."),
    )
    c4, c5 = st.columns([1.1, 2.4])
    uniform = c4.checkbox(
        t("统一设定建筑覆盖率", "Uniform site coverage"),
        key="cap_uniform",
        help=t(
            "不勾选时按标准表中各用地性质的覆盖率。",
            "Unticked: the coverage of each land use in the standards.",
        ),
    )
    coverage = (
        c4.slider(t("建筑覆盖率", "Site coverage"), 0.1, 1.0, 0.5, 0.05, key="cap_coverage")
        if uniform
        else None
    )
    color_by = choice(
        c5.radio,
        t("地块着色", "Colour parcels by"),
        ["gfa_increment_m2", "gfa_max_m2"],
        "cap_color_by",
        format_func=labeller(
            {
                "gfa_increment_m2": ("新增建筑面积", "GFA increment"),
                "gfa_max_m2": ("可建建筑面积", "maximum GFA"),
            }
        ),
        horizontal=True,
    )

    st.caption(t(REDEVELOP_RULE.description_zh, REDEVELOP_RULE.description_en))
    departures = [
        text
        for departs, text in (
            (far_mode != "rule", t("容积率取值", "the FAR used")),
            (scenario != "rule", t("改造范围", "the parcels rebuilt")),
            (coverage is not None, t("建筑覆盖率", "the site coverage")),
            (
                float(height_cap_m) != float(cache.default_standards().far.height_cap_m.value),
                t("建筑高度上限", "the height cap"),
            ),
            (
                cache.standards_key(standards) != cache.standards_key(cache.default_standards()),
                t("标准表", "the standards tables"),
            ),
        )
        if departs
    ]
    if departures:
        st.info(
            t(
                f"当前的{'、'.join(departures)}不同于改造规则的默认设置，"
                "结果与「情景规划 · 对比」中的容量指标不同。",
                f"{', '.join(departures)[:1].upper()}{', '.join(departures)[1:]} differ from the rule's defaults: the "
                "results differ from the capacity figures of the scenario comparison.",
            ),
            icon=":material/info:",
        )

std_key = cache.standards_key(standards)
params = (far_mode, coverage, float(height_cap_m), scenario)
try:
    with st.spinner(t("正在计算工业上楼容量…", "Computing floor capacity…")):
        result = cache.rule_capacity_result(
            fingerprint, std_key, *params, parcels_layers, standards
        )
        summary = capacity_summary(result, standards=standards)
        by_cluster = capacity_summary(result, by_cluster=True, standards=standards)
except InputError as exc:
    show_input_error(exc)
    st.stop()

publish_result("capacity_parcels", ("工业上楼容量（逐地块）", "Floor capacity per parcel"), result)

gfa_max = float(summary["gfa_max_m2"].sum())
gfa_now = float(summary["gfa_current_m2"].sum())
increment = float(summary["gfa_increment_m2"].sum())
with metrics_box:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("改造地块数", "Parcels rebuilt"), f"{int(summary['n_redeveloped'].sum()):,}")
    m2.metric(
        t("可建总建筑面积 (万 m²)", "Maximum GFA (10⁴ m²)"),
        wan_m2(gfa_max),
        help=t(
            f"工业用地现状建筑面积 {wan_m2(gfa_now)} 万 m²。",
            f"Current GFA of the industrial land: {wan_m2(gfa_now)} × 10⁴ m².",
        ),
    )
    m3.metric(t("新增建筑面积 (万 m²)", "GFA increment (10⁴ m²)"), wan_m2(increment))
    m4.metric(
        t("相当于全市一年工业上楼计划", "Share of city's yearly target"),
        f"{increment / CITY_PROGRAMME_M2_PER_YEAR:.1%}",
        help=t(
            "深圳每年建设工业上楼厂房 2,000 万 m²，连续 5 年（深府函〔2023〕20号）。",
            "Shenzhen builds 20 million m² of high-rise factory space a year for five years "
            "(深府函〔2023〕20号).",
        ),
    )
    over = int(summary["n_over_allowance"].sum())
    if over:
        st.caption(
            t(
                f"{over} 个地块的现状建筑面积已超过标准允许值，其增量记为 0。",
                f"{over} parcels already exceed what the standards allow; their increment is 0.",
            )
        )

with map_box:
    gcj02_notice()
    with st.spinner(t("正在生成地图…", "Building the map…")):
        payload, url, bins = cache.rule_capacity_payload(
            fingerprint,
            std_key,
            params,
            color_by,
            lang(),
            display_system(),
            parcels_layers,
            standards,
        )
    m = new_map(layers)
    maps.add_geojson(
        m,
        payload,
        maps.tr("parcels", lang()),
        url=url,
        tooltip_fields=maps.tooltip_pairs(maps.CAPACITY_TOOLTIP, lang()),
    )
    title = (
        t("新增建筑面积 (万 m²)", "GFA increment (10⁴ m²)")
        if color_by == "gfa_increment_m2"
        else t("可建建筑面积 (万 m²)", "Maximum GFA (10⁴ m²)")
    )
    none_label = (
        t("无增量 / 非工业", "no increment / non-industrial")
        if color_by == "gfa_increment_m2"
        else t("非工业 / 无建筑", "non-industrial / none")
    )
    maps.add_legends(m, [(title, maps.bins_legend(bins, none_label=none_label))])
    show_map(m, key="capacity_map", returned_objects=[])
    massing_section(parcels_layers, result, standards, key="capacity")

with summary_box:
    unit = t("万 m²", "10⁴ m²")
    st.subheader(t("各园区容量", "Capacity per park"))
    parks = [park_name(p, layers) for p in summary["park_id"]]
    park_col = t("园区", "Park")
    table = pd.DataFrame(
        {
            park_col: parks,
            t("工业地块", "Parcels"): summary["n_parcels"].to_numpy(),
            t("改造地块", "Rebuilt"): summary["n_redeveloped"].to_numpy(),
            t("工业用地 (公顷)", "Industrial land (ha)"): summary["area_m2"] / 1e4,
            t("现状建筑面积 (万 m²)", "Current GFA (10⁴ m²)"): summary["gfa_current_m2"] / 1e4,
            t("可建建筑面积 (万 m²)", "Maximum GFA (10⁴ m²)"): summary["gfa_max_m2"] / 1e4,
            t("新增 (万 m²)", "Increment (10⁴ m²)"): summary["gfa_increment_m2"] / 1e4,
            t("现状容积率", "Current FAR"): summary["far_current"],
            t("改造后容积率", "FAR after"): summary["far_max"],
        }
    )
    formats = {c: "{:,.1f}" for c in table.columns[3:7]}
    formats.update({c: "{:.2f}" for c in table.columns[7:]})
    st.dataframe(
        table.style.format(formats),
        hide_index=True,
        width="stretch",
        column_config={park_col: st.column_config.TextColumn(park_col, pinned=True)},
    )
    chart = pd.DataFrame(
        {
            t("现状建筑面积", "current GFA"): (summary["gfa_current_m2"] / 1e4).to_numpy(),
            t("新增建筑面积", "increment"): (summary["gfa_increment_m2"] / 1e4).to_numpy(),
        },
        index=parks,
    )
    st.altair_chart(
        stacked_bars(
            chart, unit=unit, row_title=park_col, part_title=" ", colors=["#bdbdbd", "#e6550d"]
        ),
        width="stretch",
    )

    st.subheader(t("各产业集群可用楼层面积", "Floor area usable per cluster"))
    groups = [c for c in by_cluster.columns if c not in ("label_zh", TOTAL)]
    labels = [fit_key_label(k, standards) for k in by_cluster.index]
    cluster_table = by_cluster[groups] / 1e4
    cluster_table.columns = [park_name(g if g != NO_GROUP else None, layers) for g in groups]
    total_col = t("合计", "total")
    cluster_table.insert(0, total_col, (by_cluster[TOTAL] / 1e4).to_numpy())
    cluster_table.index = pd.Index(labels, name=t("产业集群", "cluster"))
    st.dataframe(
        cluster_table.style.format("{:,.1f}"),
        width="stretch",
        height=table_height(len(cluster_table)),
    )
    st.caption(
        t(
            "单位：万 m²。按各楼层的层高、荷载与分段判断适配；同一楼层可同时适配多个集群，各行不可相加。",
            "Unit: 10⁴ m². A floor suits a cluster by its height, load and band; one floor can "
            "suit several clusters, so rows do not add up.",
        )
    )
    st.altair_chart(
        stacked_bars(
            cluster_table.drop(columns=[total_col]),
            unit=unit,
            row_title=t("产业集群", "cluster"),
            part_title=park_col,
        ),
        width="stretch",
    )

with floors_box:
    table = floor_table(standards, height_cap_m=float(height_cap_m))
    bands = {b.key: band_label(b) for b in standards.highrise.bands}
    fit_cols = [c for c in table.columns if c.startswith("fit_")]
    fit_names = {
        floor_fit_column(e.key): fit_key_label(e.key, standards)
        for e in standards.highrise.suitability
    }
    shown = pd.DataFrame(
        {
            t("楼层", "Floor"): table["floor"],
            t("分段", "Band"): [bands.get(b, b) for b in table["band"]],
            t("层高 (m)", "Floor height (m)"): table["floor_height_m"],
            t("楼顶高度 (m)", "Top (m)"): table["top_m"].round(1),
            t("荷载 (t/m²)", "Load (t/m²)"): table["load_t_m2"],
            t("货梯 (t)", "Freight lift (t)"): [
                "—" if pd.isna(v) else f"{v:g}" for v in table["freight_lift_t"]
            ],
        }
    )
    for col in fit_cols:
        shown[fit_names.get(col, col)] = ["✓" if v else "" for v in table[col]]
    st.caption(
        t(
            f"高度上限 {height_cap_m:g} m 下可建 {len(table)} 层；✓ 表示该层适合该集群。",
            f"{len(table)} floors fit under the {height_cap_m:g} m cap; ✓: the floor suits "
            "the cluster.",
        )
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown)))
