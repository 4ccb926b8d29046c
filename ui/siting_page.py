"""项目选址 · Project siting: which land can take a project enquiry, ranked with reasons.

The form takes the need (presets for the plan's 车药芯智 clusters), :func:`analysis.matching.
match_sites` ranks the sites, the page lists them with their reasons and score components,
draws them with the named anchor firms and the supply-chain firms around them, exports the
shortlist (GeoJSON, Excel) and turns a site into a scenario (the site reserved for the
project) through the path the 整备建议 section uses.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.matching import DEFAULT_WEIGHTS, SUPPLIER_RADIUS_M, Near, Need, Weights, match_sites
from geo.errors import InputError
from layers.schema import STATUS
from ui.cache import default_standards, park_guidance
from ui.common import (
    current_layers,
    demo_banner,
    go_to,
    md_escape,
    park_labels,
    show_input_error,
)
from ui.i18n import code_labeller, fit_key_label, labeller, lang, t
from ui.siting_presets import PRESETS, apply_preset
from ui.siting_view import shortlist_frame, show_exports, show_scenario_button, show_sites_map

RESULT_KEY = "siting_result"
_CAPACITY_STANDARDS_KEY = "cap_std"  # the standards in force on the 工业上楼容量 page
_STATUSES = ["available", "reserve", "low_efficiency"]
_WEIGHT_LABELS: dict[str, tuple[str, str]] = {
    "park": ("园区导向", "park guidance"),
    "area": ("面积匹配", "area fit"),
    "gfa": ("适配楼层建筑面积", "floor space that suits"),
    "near": ("靠近龙头企业", "near the named firms"),
    "suppliers": ("上下游配套", "supply chain nearby"),
    "room": ("连片扩展余地", "room to grow"),
}

layers = current_layers()
st.title(t("项目选址匹配", "Project siting"))
demo_banner(layers)
st.caption(
    t(
        "输入项目需求，在可供应（可选储备、低效）用地中找出能承载项目的地块或连片地块，按园区导向、面积、"
        "适配楼层、与龙头企业和上下游的距离、连片扩展余地打分排序，并说明理由。生态控制线内、面积不足或楼层"
        "无法承载该产业的用地不列入。",
        "Enter a project's needs: the page finds the parcels or contiguous sites of available "
        "(optionally reserve and low-efficiency) land that can take it, ranks them by park "
        "guidance, area, suitable floor space, distance to anchor firms and suppliers and room "
        "to grow, and says why. Land inside the eco line, too small, or whose floors cannot "
        "host the industry is left out.",
    )
)
if layers.parcels is None:
    st.warning(t("没有地块图层，请先导入。", "No parcel layer: import one first."))
    st.stop()

standards = st.session_state.get(_CAPACITY_STANDARDS_KEY) or default_standards()
guide = park_guidance()
firms = layers.enterprises
anchors = (
    firms[firms["is_anchor"].fillna(False).astype(bool)]
    if firms is not None and "is_anchor" in firms
    else None
)
anchor_names = (
    dict(zip(anchors["ent_id"].astype(str), anchors["name"].astype(str), strict=True))
    if anchors is not None
    else {}
)
parks = sorted(layers.parcels["park_id"].dropna().astype(str).unique())
# Labels fixed when the page runs (format functions may be called after the run).
cluster_labels = {k: fit_key_label(k, standards) for k in standards.highrise.fit_keys}

st.selectbox(
    t("预设需求（车药芯智）", "Preset (the plan's clusters)"),
    options=list(PRESETS),
    format_func=labeller({k: (p.label_zh, p.label_en) for k, p in PRESETS.items()}),
    key="siting_preset",
    on_change=apply_preset,
    args=(anchor_names,),
)
if "siting_cluster" not in st.session_state:
    apply_preset(anchor_names)

with st.form("siting_form"):
    c1, c2, c3 = st.columns([2, 1, 1])
    project = c1.text_input(t("项目名称", "Project name"), key="siting_project")
    land_min = c2.number_input(
        t("最小用地（公顷）", "Land, min (ha)"), min_value=0.1, step=1.0, key="siting_land_min"
    )
    land_max = c3.number_input(
        t("最大用地（公顷，0 为不限）", "Land, max (ha; 0 = none)"),
        min_value=0.0,
        step=1.0,
        key="siting_land_max",
    )
    c4, c5, c6 = st.columns([2, 1, 1])
    cluster = c4.selectbox(
        t("产业集群（细分）", "Cluster (sub-type)"),
        options=list(cluster_labels),
        format_func=cluster_labels.get,
        key="siting_cluster",
    )
    gfa_m2 = c5.number_input(
        t("所需建筑面积（m²，0 为不限）", "Floor space needed (m²; 0 = any)"),
        min_value=0.0,
        step=10_000.0,
        key="siting_gfa",
    )
    statuses = c6.multiselect(
        t("可用地块状态", "Land it may take"),
        options=_STATUSES,
        format_func=code_labeller(STATUS),
        key="siting_statuses",
    )
    c7, c8, c9 = st.columns([2, 1, 1])
    near = c7.multiselect(
        t("靠近的龙头企业", "Near these anchor firms"),
        options=list(anchor_names),
        format_func=lambda e: anchor_names.get(e, e),
        key="siting_near",
    )
    near_km = c8.number_input(
        t("距离（公里）", "Within (km)"), min_value=0.1, step=0.5, key="siting_near_km"
    )
    preferred = c9.multiselect(
        t("优先园区", "Preferred parks"),
        options=parks,
        format_func=dict(zip(parks, park_labels(parks, layers), strict=True)).get,
        key="siting_parks",
    )
    c10, c11 = st.columns([1, 2])
    ground = c10.checkbox(t("需要重载首层", "Needs a heavy ground floor"), key="siting_ground")
    ground_m2 = c11.number_input(
        t("首层面积（m²）", "Ground-floor space (m²)"),
        min_value=0.0,
        step=5_000.0,
        key="siting_ground_m2",
    )
    st.caption(
        t(
            "评分权重（默认值为假设，可修改；按权重之和归一）",
            "Score weights (defaults are assumptions; edit them; normalised by their sum)",
        )
    )
    wcols = st.columns(len(_WEIGHT_LABELS))
    weights = Weights(
        **{
            name: wcols[k].number_input(
                t(*_WEIGHT_LABELS[name]),
                min_value=0.0,
                value=float(value),
                step=0.05,
                key=f"siting_w_{name}",
            )
            for k, (name, value) in enumerate(DEFAULT_WEIGHTS.as_dict().items())
        }
    )
    run = st.form_submit_button(t("匹配选址", "Find sites"), type="primary")

if run:
    need = Need(
        cluster=cluster,
        land_ha_min=float(land_min),
        land_ha_max=float(land_max) if land_max else None,
        gfa_m2=float(gfa_m2) if gfa_m2 else None,
        needs_ground_floor=bool(ground),
        ground_floor_m2=float(ground_m2),
        parks=tuple(preferred),
        near=tuple(Near(e, float(near_km) * 1000.0) for e in near),
        statuses=tuple(statuses),
        name=project.strip(),
    )
    try:
        with st.spinner(t("正在匹配…", "Matching…")):
            result = match_sites(layers, need, standards=standards, guidance=guide, weights=weights)
    except InputError as exc:
        st.session_state.pop(RESULT_KEY, None)
        show_input_error(exc, with_source=False)
        st.stop()
    st.session_state[RESULT_KEY] = (layers.fingerprint("parcels", "enterprises"), need, result)
    if len(result):
        go_to("siting_map", tuple(shortlist_frame(result, layers).total_bounds))

kept = st.session_state.get(RESULT_KEY)
if kept is None or kept[0] != layers.fingerprint("parcels", "enterprises"):
    st.info(t("填写需求后点击「匹配选址」。", "Fill in the need and press 'Find sites'."))
    st.stop()
_, need, result = kept
if not len(result):
    st.warning(
        t(
            "所选状态中没有可用的工业用地（或全部位于生态控制线内）。",
            "No industrial land of the chosen statuses (or all of it lies inside the eco line).",
        )
    )
    st.stop()
reason = "reasons_zh" if lang() == "zh" else "reasons_en"
if not result["meets_need"].iloc[0] or (result["kind"] != "site").any():
    st.warning(md_escape(result[reason].iloc[0]))
    if (result["kind"] == "assembly").any():
        st.info(md_escape(result.loc[result["kind"] == "assembly", reason].iloc[0]))

weights_used = result.attrs.get("weights", DEFAULT_WEIGHTS.as_dict())
total_w = sum(weights_used.values()) or 1.0
st.caption(
    md_escape(
        t(
            "总分 = Σ 权重 × 分项 ÷ Σ 权重；本次权重（假设值）：",
            "Score = Σ weight × component ÷ Σ weights; weights used (assumptions): ",
        )
        + t("，", ", ").join(
            f"{t(*_WEIGHT_LABELS[k])} {v / total_w:.0%}" for k, v in weights_used.items()
        )
        + t(
            f"。分项（0–1）：园区导向 1/0（设优先园区时与是否优先园区各半）；面积在范围内为 1，超出按"
            f"最大面积 ÷ 场地面积；适配楼层建筑面积占场地可建面积之比；距龙头 = 要求距离 ÷ 实际距离"
            f"（不超过 1）；上下游 = 场地中心 {SUPPLIER_RADIUS_M / 1000:g} 公里内上下游企业数 ÷ 各场地"
            f"最大值（半径为假设值）；连片扩展余地 = 相连的其余可用地 ÷ 最小用地（不超过 1）。",
            f". Components (0–1): park guidance 1/0 (half of it for a preferred park when "
            f"parks are preferred); area 1 within the range, above it the maximum ÷ the site's "
            f"area; the share of the site's floor space on suitable floors; anchors = wanted "
            f"distance ÷ distance (at most 1); suppliers = supply-chain firms within "
            f"{SUPPLIER_RADIUS_M / 1000:g} km of the site's centre ÷ the most any site has "
            f"(the radius is an assumption); room to grow = the rest of the contiguous land ÷ "
            f"the minimum land (at most 1).",
        )
    )
)
table = pd.DataFrame(
    {
        t("场地", "Site"): result["site_id"],
        t("园区", "Park"): park_labels(result["park_id"], layers),
        t("面积（公顷）", "Area (ha)"): result["area_ha"].round(1),
        t("总分", "Score"): result["score"].astype(float).round(3),
        t("理由", "Reasons"): result[reason],
        t("地块数", "Parcels"): result["parcel_count"],
        t("适配建筑面积（万 m²）", "Suitable GFA (10k m²)"): (result["gfa_fit_m2"] / 1e4).round(1),
        t("距龙头（公里）", "To anchors (km)"): (result["near_m"] / 1000).round(1),
        t("上下游企业", "Suppliers"): result["n_suppliers"],
        **{
            t(*_WEIGHT_LABELS[k]): result[f"score_{k}"].astype(float).round(2)
            for k in _WEIGHT_LABELS
        },
    }
)
st.dataframe(table, hide_index=True, width="stretch")
with st.expander(t("各场地理由", "Reasons per site"), expanded=True):
    for site_id, text in zip(result["site_id"].head(5), result[reason].head(5), strict=True):
        st.markdown(md_escape(t(f"场地 {site_id}：", f"Site {site_id}: ") + text))
sites = shortlist_frame(result, layers)
show_sites_map(result, sites, layers, need, guide)
show_exports(sites)
show_scenario_button(result, need, layers)
