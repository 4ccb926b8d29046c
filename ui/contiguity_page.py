"""连片分析 · Contiguous industrial land: blocks, km-scale pockets, fragmentation."""

import pandas as pd
import streamlit as st

from analysis.contiguity import SIZE_CLASS, TOLERANCE_M
from geo.errors import InputError
from layers.schema import INDUSTRIAL_LAND_USES, LAND_USE, STATUS
from ui import maps
from ui.assembly_section import render_assembly
from ui.cache import blocks_url, run_contiguity
from ui.common import (
    add_parcels,
    current_layers,
    demo_banner,
    display_system,
    gcj02_notice,
    md_escape,
    new_map,
    park_label,
    park_labels,
    publish_result,
    show_input_error,
    show_map,
)
from ui.i18n import code_labeller, labeller, lang, t

DEFAULT_STATUSES = ["low_efficiency", "reserve", "available"]


layers = current_layers()
st.title(t("连片产业空间分析", "Contiguous industrial land"))
demo_banner(layers)
st.caption(
    t(
        "把所选状态的工业地块按间距（可跨越支路）连成片区；主干道、水系和生态控制线视为屏障。"
        "规划目标：释放约 4.5 平方公里连片空间（碧岭北≈1、龙田北≈1.4、高新南≈2.1 平方公里）。",
        "Selected industrial parcels within the gap tolerance (branch roads may lie between) "
        "form blocks; trunk roads, water and the eco line are barriers. The plan aims to release "
        "≈ 4.5 km² (Biling North ≈ 1, Longtian North ≈ 1.4, Gaoxin South ≈ 2.1 km²).",
    )
)

if layers.parcels is None:
    st.warning(t("没有地块图层，请先导入。", "No parcel layer: import one first."))
    st.stop()

with st.form("contiguity_params"):
    c1, c2 = st.columns(2)
    statuses = c1.multiselect(
        t("参与连片的地块状态", "Statuses to assemble"),
        options=STATUS.codes,
        default=DEFAULT_STATUSES,
        format_func=code_labeller(STATUS),
        key="contiguity_statuses",
    )
    land_uses = c2.multiselect(
        t("用地性质", "Land uses"),
        options=LAND_USE.codes,
        default=list(INDUSTRIAL_LAND_USES),
        format_func=code_labeller(LAND_USE, show_code=True),
        key="contiguity_land_uses",
    )
    c3, c4, c5, c6 = st.columns(4)
    tolerance_m = c3.slider(
        t("连片容差（米）", "Gap tolerance (m)"),
        0,
        100,
        int(TOLERANCE_M),
        step=5,
        key="contiguity_tolerance",
        help=t(
            "两地块间距不超过此值即相连，20 米可跨越一般支路。",
            "Parcels closer than this join; 20 m spans a branch road.",
        ),
    )
    use_barriers = c4.checkbox(
        t("主干道/水系/生态线为屏障", "Trunk roads, water, eco line split blocks"),
        value=True,
        key="contiguity_barriers",
    )
    min_block_ha = c5.number_input(
        t("地图显示的最小片区（公顷）", "Smallest block shown (ha)"),
        0.0,
        500.0,
        1.0,
        step=1.0,
        key="contiguity_min_ha",
    )
    outline = c6.radio(
        t("片区轮廓", "Block outline"),
        options=["union", "closed"],
        format_func=labeller(
            {
                "union": ("地块合并", "parcel union"),
                "closed": ("闭合（跨道路）", "closed (spans roads)"),
            }
        ),
        key="contiguity_outline",
    )
    st.form_submit_button(t("运行连片分析", "Run contiguity analysis"), type="primary")

try:
    with st.spinner(t("正在计算连片片区…", "Finding contiguous blocks…")):
        result = run_contiguity(
            layers.fingerprint("parcels", "constraints"),
            tuple(statuses),
            tuple(land_uses),
            float(tolerance_m),
            bool(use_barriers),
            float(min_block_ha),
            outline,
            layers,
        )
except InputError as exc:
    show_input_error(exc)
    st.stop()

summary = result.summary
blocks = result.blocks
cols = st.columns(5)
cols[0].metric(t("所选用地（公顷）", "Selected land (ha)"), f"{summary['total_area_ha']:,.1f}")
cols[1].metric(t("平方公里级片区", "km-scale blocks"), summary["block_count_km2"])
cols[2].metric(
    t("≥10 公顷片区", "Blocks ≥ 10 ha"), summary["block_count_km2"] + summary["block_count_large"]
)
cols[3].metric(
    t("最大片区（公顷）", "Largest block (ha)"), f"{summary['largest_block_area_ha'] or 0:,.1f}"
)
cols[4].metric(
    t("有效网格尺寸 m_eff（公顷）", "Effective mesh size (ha)"),
    f"{summary['m_eff_ha']:,.1f}",
    help=t(
        "m_eff = ΣAᵢ²/A_total（Jaeger 2000），越大越连片。",
        "m_eff = ΣAᵢ²/A_total (Jaeger 2000); larger means less fragmented.",
    ),
)

gcj02_notice()
m = new_map(layers)
add_parcels(m, layers, show=False)
if len(blocks):
    key = (
        layers.fingerprint("parcels", "constraints"),
        tuple(statuses),
        tuple(land_uses),
        tolerance_m,
        use_barriers,
        min_block_ha,
        outline,
    )
    maps.add_geojson(
        m,
        None,
        t("连片片区", "Contiguous blocks"),
        url=blocks_url(key, lang(), display_system(), blocks, layers),
        tooltip_fields=maps.tooltip_pairs(maps.BLOCK_TOOLTIP, lang()),
        style={"weight": 1.2, "color": "#3e2723", "fillOpacity": 0.7},
    )
maps.add_legends(
    m,
    [
        (
            t("连片规模", "Block size"),
            maps.code_legend(SIZE_CLASS, maps.SIZE_CLASS_COLORS, lang()),
        )
    ],
)
show_map(m, key="contiguity_map")
publish_result("contiguity_blocks", ("连片片区", "contiguous blocks"), blocks)

big = blocks[blocks.size_class == "km2"]
if len(big):
    st.subheader(t("平方公里级片区", "km-scale blocks"))
    for _, row in big.iterrows():
        st.write(
            md_escape(
                t(
                    f"片区 {row.block_id}：{row.area_ha:,.1f} 公顷（{row.area_ha / 100:.2f} km²），{row.parcel_count} 个地块，主要位于{park_label(row.park_id, layers)}",
                    f"Block {row.block_id}: {row.area_ha:,.1f} ha ({row.area_ha / 100:.2f} km²), {row.parcel_count} parcels, mainly in {park_label(row.park_id, layers)}",
                )
            )
        )

st.subheader(t("片区列表", "Blocks"))
table = pd.DataFrame(blocks.drop(columns="geometry")).copy()
table["size_class"] = [SIZE_CLASS.label(c, lang()) for c in table.size_class]
table["park_id"] = park_labels(table.park_id, layers)
table["park_ids"] = table.park_ids.fillna(t("园区外", "outside parks"))
table = table.rename(
    columns={
        "block_id": t("片区编号", "block"),
        "area_ha": t("面积（公顷）", "area (ha)"),
        "parcel_count": t("地块数", "parcels"),
        "compactness": t("紧凑度", "compactness"),
        "size_class": t("规模", "size class"),
        "park_id": t("主要园区", "main park"),
        "park_ids": t("涉及园区", "parks"),
        **{f"{c}_area_ha": f"{STATUS.label(c, lang())} (ha)" for c in STATUS.codes},
    }
)
st.dataframe(table.round(2), width="stretch", hide_index=True, height=320)

st.subheader(t("各园区连片情况", "By park"))
by_park = result.park_table()
if len(by_park):
    shown = by_park[
        [
            "total_area_ha",
            "block_count",
            "block_count_km2",
            "block_count_large",
            "largest_block_area_ha",
            "m_eff_ha",
        ]
    ].copy()
    shown.index = park_labels(shown.index, layers)
    shown.columns = [
        t("所选用地（公顷）", "selected (ha)"),
        t("片区数", "blocks"),
        t("平方公里级", "km-scale"),
        t("≥10 公顷", "≥ 10 ha"),
        t("最大片区（公顷）", "largest (ha)"),
        "m_eff (ha)",
    ]
    st.dataframe(shown.round(1), width="stretch")

st.divider()
render_assembly(layers)
