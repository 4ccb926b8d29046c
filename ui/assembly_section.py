"""整备建议 on the 连片分析 page: which parcels to assemble so land joins into one block.

The planner picks a park, the whole district or an area drawn on the map (a polygon or a
rectangle; the last one drawn counts, kept in the session), a target area and the cost
weights; the
proposal comes from :func:`analysis.assembly.assemble_block` with costs from
:func:`analysis.assembly.assembly_cost` (existing floor space, firms and their 产值, 规上
firms, a base cost per status — the default weights are assumptions and say so). The page
shows the block on the map (free land in blue, the parcels to assemble on a light → dark
ramp by cost), the parcels to assemble with what stands on them and their cost, the firms
affected by name, the totals, whether the cost is proven minimal, and turns the
proposal into a scenario with one click: the added parcels set to 储备/待整备 with a note,
opened on the 情景规划 page so the comparison shows what it gains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st
from shapely.errors import GEOSException

from analysis.assembly import (
    DEFAULT_COST_WEIGHTS,
    TRUNK_ROAD_WIDTH_M,
    Assembly,
    across_trunk_roads,
    assemble_block,
    largest_reachable_ha,
)
from analysis.contiguity import TOLERANCE_M
from geo.crs import METRIC_CRS, WGS84
from geo.errors import InputError
from layers.catalog import LayerSet
from layers.scenario import Edit, new_scenario, set_attributes
from layers.schema import CLUSTER, STATUS
from ui import maps
from ui.cache import assembly_costs, firm_parcels, the_store
from ui.common import (
    display_system,
    from_display_system,
    go_to,
    md_escape,
    new_drawing,
    new_map,
    park_label,
    show_input_error,
    show_map,
    table_height,
)
from ui.i18n import lang, t

__all__ = ["DRAWN", "TIME_LIMITS_S", "drawn_area", "open_as_scenario", "render_assembly"]

#: Time limits the planner can give the exact solver, s (the first is the default).
TIME_LIMITS_S = (10, 30, 60, 180)

_RESULT = "assembly_result"
#: The 范围 choice for an area drawn on the map, and the session key of that area (WKT,
#: WGS84).
DRAWN = "<drawn>"  # the angle brackets keep it apart from park codes
DRAWN_AREA_KEY = "assembly_drawn_area"
_WEIGHT_LABELS: dict[str, tuple[str, str]] = {
    "per_10k_m2_gfa": ("每万 m² 现状建筑面积", "per 10,000 m² of existing floor space"),
    "per_firm": ("每家企业", "per firm"),
    "per_100m_cny_output": ("每亿元产值", "per 100 million CNY of output"),
    "per_above_scale_firm": ("每家规上企业（另加）", "per above-scale firm (extra)"),
    "status:built": ("已建成地块（基础成本）", "built parcel (base cost)"),
    "status:granted_unbuilt": ("已出让未建地块（基础成本）", "granted, unbuilt parcel (base)"),
}
_FREE_COLOR = "#1f77b4"
#: Outline of a drawn assembly area.
_AREA_COLOR = "#6a1b9a"


def drawn_area(geometry: object) -> shapely.Geometry:
    """The area drawn on the map (a GeoJSON geometry, WGS84), checked: one polygon or
    several, with an area and edges that do not cross; else an :class:`InputError` that
    says what to draw."""
    try:
        area = shapely.geometry.shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError, GEOSException) as exc:
        raise InputError(
            "无法读取所画的范围，请重新绘制。", "Cannot read the drawn area; draw it again."
        ) from exc
    if (
        area.geom_type not in ("Polygon", "MultiPolygon")
        or area.is_empty
        or not area.is_valid
        or area.area <= 0
    ):
        raise InputError(
            "整备范围须是有面积、边不交叉的多边形或矩形，请重新绘制。",
            "The assembly area must be a polygon or rectangle with an area and edges that do "
            "not cross; draw it again.",
        )
    return area


def _area_frame(area: shapely.Geometry) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[area], crs=WGS84)


def _add_area(m, area: shapely.Geometry) -> None:
    """The drawn assembly area as a dashed outline."""
    maps.add_geojson(
        m,
        maps.geojson_payload(
            _area_frame(area), colors=[_AREA_COLOR], display_system=display_system()
        ),
        t("整备范围", "Assembly area"),
        style={"weight": 2.5, "fillOpacity": 0.08, "dashArray": "6 4"},
    )


def _area_step(layers: LayerSet) -> shapely.Geometry | None:
    """The map to draw the assembly area on, and the area drawn last (None before one)."""
    st.caption(
        t(
            "用地图左上角的工具画一个多边形或矩形作为整备范围；再画一个即替换。",
            "Draw a polygon or rectangle with the tools at the map's top left as the assembly "
            "area; drawing another replaces it.",
        )
    )
    kept = st.session_state.get(DRAWN_AREA_KEY)
    area = shapely.from_wkt(kept) if kept else None
    m = new_map(layers)
    maps.add_draw_control(m)
    if area is not None:
        _add_area(m, area)
    state = show_map(
        m, key="assembly_area_map", returned_objects=["last_active_drawing", "last_object_clicked"]
    )
    drawing = new_drawing(state, "assembly_area")
    if drawing is not None:
        geometry = drawing.get("geometry") if isinstance(drawing, dict) else None
        try:
            area = from_display_system(drawn_area(geometry))
        except InputError as exc:
            show_input_error(exc, with_source=False)
        else:
            st.session_state[DRAWN_AREA_KEY] = shapely.to_wkt(area)
            st.rerun()  # the map again, with the area drawn as its outline
    if area is not None:
        area_ha = float(_area_frame(area).to_crs(METRIC_CRS).area.iloc[0]) / 1e4
        st.caption(
            t(
                f"已画整备范围：{area_ha:,.1f} 公顷（地块以其内部一点是否在范围内为准）。",
                f"Assembly area drawn: {area_ha:,.1f} ha (a parcel counts when a point inside "
                "it lies in the area).",
            )
        )
    return area


def _firms_on(layers: LayerSet, parcel_ids: tuple[str, ...]) -> pd.DataFrame:
    """Firms standing on the given parcels, with the parcel they stand on (largest 产值
    first)."""
    if layers.enterprises is None or not parcel_ids:
        return pd.DataFrame()
    parcels, firms = layers.parcels, layers.enterprises
    pairs = firm_parcels(layers.fingerprint("parcels", "enterprises"), layers)
    on = parcels["parcel_id"].astype(str).to_numpy()[pairs["parcel"].to_numpy()]
    pairs = pairs[np.isin(on, parcel_ids)]
    firm, parcel = pairs["firm"].to_numpy(), pairs["parcel"].to_numpy()
    table = pd.DataFrame(
        {
            t("企业", "firm"): firms["name"].to_numpy()[firm],
            t("集群", "cluster"): [
                CLUSTER.label(c, lang()) for c in firms["cluster"].to_numpy()[firm]
            ],
            t("规上", "above scale"): firms["is_above_scale"].to_numpy()[firm],
            t("产值（万元）", "output (10k CNY)"): firms["output_10k_cny"].to_numpy()[firm],
            t("所在地块", "parcel"): parcels["parcel_id"].to_numpy()[parcel],
        }
    )
    return table.sort_values(table.columns[3], ascending=False, ignore_index=True)


def _added_table(layers: LayerSet, parts: pd.DataFrame, added: tuple[str, ...]) -> pd.DataFrame:
    """The parcels to assemble, costliest first: what stands and works on each, and its cost
    (the sum of the parts the weights give, :func:`analysis.assembly.assembly_cost_parts`)."""
    parcels = layers.parcels
    rows = parcels["parcel_id"].astype(str).isin(added).to_numpy()
    mine, on = parcels[rows], parts[rows]
    table = pd.DataFrame(
        {
            t("地块", "parcel"): mine["parcel_id"].astype(str).to_numpy(),
            t("状态", "status"): [STATUS.label(c, lang()) for c in mine["status"].to_numpy()],
            t("面积（公顷）", "area (ha)"): (mine["area_m2"].to_numpy(dtype=float) / 1e4).round(2),
            t("现状建筑面积（万 m²）", "floor space (10k m²)"): (
                on["gfa_current_m2"].to_numpy() / 1e4
            ).round(2),
            t("企业（家）", "firms"): on["firms"].to_numpy(),
            t("规上（家）", "above scale"): on["above_scale_firms"].to_numpy(),
            t("产值（亿元）", "output (100m CNY)"): on["output_100m_cny"].to_numpy().round(2),
            t("成本", "cost"): on["cost"].to_numpy().round(2),
        }
    )
    return table.sort_values(table.columns[-1], ascending=False, ignore_index=True)


def _cost_classes(costs: np.ndarray) -> tuple[list[str], list[tuple[str, str]]]:
    """Colour of each parcel to assemble by its cost (quantile classes, light → dark; a
    parcel costing nothing grey), and the legend items that name the classes."""
    bins = maps.nice_bins(costs, n=4)
    colors = maps.value_colors(costs, bins)
    legend = maps.bins_legend(bins, scale=1.0)
    used = set(colors)
    items = [
        (color, t(f"需整备，成本 {text}", f"to assemble, cost {text}"))
        for color, text in legend
        if color in used
    ]
    if maps.NO_VALUE_COLOR in used:
        items.append((maps.NO_VALUE_COLOR, t("需整备，成本为 0", "to assemble, no cost")))
    return colors, items


def _outcome(result: Assembly) -> str:
    """Short solver outcome: proven minimal, or the gap left when time ran out."""
    if result.optimal:
        return t("已证明最优", "proven minimal")
    if math.isnan(result.gap):
        return t("启发式", "heuristic")
    if result.gap >= 1.0 - 1e-9:
        return t("未证明最优", "not proven")
    return t(f"差距 {result.gap:.1%}", f"gap {result.gap:.1%}")


def _duration(seconds: float) -> str:
    """10 秒 / 10 s, 3 分钟 / 3 min."""
    if seconds < 60:
        return t(f"{seconds:g} 秒", f"{seconds:g} s")
    return t(f"{seconds / 60:g} 分钟", f"{seconds / 60:g} min")


def _outcome_note(result: Assembly, time_limit_s: float) -> str:
    """How the proposal was found and how far from the proven minimum it may be; when the
    time ran out below the longest limit on offer, that more time may prove more."""
    note = _how_found(result)
    if result.optimal or math.isnan(result.gap) or time_limit_s >= TIME_LIMITS_S[-1]:
        return note
    longer = _duration(TIME_LIMITS_S[-1])
    return note + t(
        f"可把最长求解时间延长到{longer}再算一次，以证明最优或缩小差距。",
        f" Give it up to {longer} (longest solving time) to prove the minimum or narrow the gap.",
    )


def _how_found(result: Assembly) -> str:
    seconds = result.seconds
    if result.optimal:
        return t(
            f"精确求解（混合整数规划）用时 {seconds:.1f} 秒，已证明没有更便宜的整备方案。",
            f"Solved exactly (mixed-integer model) in {seconds:.1f} s: no cheaper assembly exists.",
        )
    if math.isnan(result.gap):
        return t(
            f"快速启发式（沿最便宜路径生长后修剪）用时 {seconds:.1f} 秒；未证明最优。",
            f"Fast heuristic (grow along the cheapest joins, then prune) in {seconds:.1f} s; "
            "not proven minimal.",
        )
    if result.gap >= 1.0 - 1e-9:
        return t(
            f"精确求解在时限内未完成（用时 {seconds:.1f} 秒），也未能证明成本下界：给出目前最好的"
            "方案，未证明最优。",
            f"The exact solver hit its time limit ({seconds:.1f} s) without proving any lower "
            "bound: this is the best assembly found, not proven minimal.",
        )
    return t(
        f"精确求解在时限内未完成（用时 {seconds:.1f} 秒）：给出目前最好的方案，最优成本至少为"
        f"其 {1 - result.gap:.1%}（差距 {result.gap:.1%}）。",
        f"The exact solver hit its time limit ({seconds:.1f} s): this is the best assembly "
        f"found; the minimum cost is at least {1 - result.gap:.1%} of it (gap {result.gap:.1%}).",
    )


def _scope(layers: LayerSet, park: str | None, drawn: shapely.Geometry | None):
    """The ``within`` of the search: None (the district), a park's row or the drawn area."""
    if park is None:
        return None
    if park == DRAWN:
        if drawn is None:
            raise InputError(
                "请先在地图上画出整备范围（多边形或矩形）。",
                "Draw the assembly area on the map first (a polygon or rectangle).",
            )
        return _area_frame(drawn)
    return layers.parks[layers.parks["park_id"].astype(str) == park]


def _show(
    result: Assembly,
    layers: LayerSet,
    parts: pd.DataFrame,
    time_limit_s: float,
    area: shapely.Geometry | None = None,
) -> None:
    cols = st.columns(4)
    cols[0].metric(t("片区面积（公顷）", "Block (ha)"), f"{result.area_ha:,.1f}")
    cols[1].metric(t("需整备地块", "Parcels to assemble"), len(result.added))
    cols[2].metric(t("整备成本", "Cost"), f"{result.cost:,.1f}")
    cols[3].metric(t("求解", "Solved"), _outcome(result))
    st.caption(_outcome_note(result, time_limit_s))

    parcels = layers.parcels
    block = parcels[parcels["parcel_id"].astype(str).isin(result.parcel_ids)]
    added = block["parcel_id"].astype(str).isin(result.added).to_numpy()
    cost = parts["cost"].reindex(block.index).to_numpy()
    added_colors, added_legend = _cost_classes(cost[added])
    colors = np.full(len(block), _FREE_COLOR, dtype=object)
    colors[added] = added_colors
    payload = maps.geojson_payload(
        block.assign(cost=cost.round(1)),
        ["parcel_id", "status", "cost"],
        colors=list(colors),
        display_system=display_system(),
    )
    m = new_map(layers)
    if area is not None:
        _add_area(m, area)
    maps.add_geojson(
        m,
        payload,
        t("整备片区", "Proposed block"),
        tooltip_fields=[
            ("parcel_id", t("地块", "parcel")),
            ("status", t("状态", "status")),
            ("cost", t("成本", "cost")),
        ],
        style={"weight": 1.0, "fillOpacity": 0.75},
    )
    maps.add_legends(
        m,
        [
            (
                t("整备建议", "Assembly"),
                [(_FREE_COLOR, t("现有低效/储备/可供应", "free today")), *added_legend],
            )
        ],
    )
    show_map(m, key="assembly_map")

    if result.added:
        st.markdown(
            md_escape(
                t(
                    f"需整备地块 {len(result.added)} 个（成本由高到低；成本 = 上方权重 × 地上现状）：",
                    f"{len(result.added)} parcels to assemble (costliest first; cost = the "
                    "weights above × what stands on each):",
                )
            )
        )
        table = _added_table(layers, parts, result.added)
        st.dataframe(table, hide_index=True, width="stretch", height=table_height(len(table), 8))
    firms = _firms_on(layers, result.added)
    st.markdown(
        md_escape(
            t(
                f"涉及企业 {len(firms)} 家（位于需整备地块上）：",
                f"{len(firms)} firms stand on the parcels to assemble:",
            )
        )
    )
    if len(firms):
        st.dataframe(firms, hide_index=True, width="stretch", height=table_height(len(firms), 8))


@dataclass(frozen=True)
class _Proposal:
    """A proposal kept in the session with what it was asked for: the parcels'
    fingerprint, the park (None: district; :data:`DRAWN`: the drawn area, as WKT), the
    target, the time limit and the contiguity tolerance (wider across trunk roads)."""

    parcels_fingerprint: str
    park: str | None
    area_wkt: str | None
    target_ha: float
    time_limit_s: float
    tolerance_m: float
    result: Assembly


def _to_scenario(proposal: _Proposal, park_name: str) -> None:
    result = proposal.result
    name = f"整备建议 · {park_name} · {proposal.target_ha:g} 公顷"
    rule = (
        f"（跨越主干道，连片容差 {proposal.tolerance_m:g} 米）"
        if proposal.tolerance_m > TOLERANCE_M
        else ""
    )
    note = (
        f"整备建议：{len(result.added)} 个地块纳入整备，连成 {result.area_ha:,.1f} 公顷片区"
        f"{rule}，成本 {result.cost:,.1f}"
    )
    open_as_scenario(name, note, set_attributes(list(result.added), status="reserve", note=note))


def open_as_scenario(name: str, note: str, edit: Edit) -> None:
    """Save a new scenario holding one edit and open it on the 情景规划 page (the one path
    from a proposal to a scenario)."""
    scenario = new_scenario(name, description=note).with_edit(edit)
    saved = the_store().save(scenario, expected_version=0)
    st.switch_page("ui/scenario_page.py", query_params={"scenario": saved.id})


def _across_note() -> str:
    return t(
        f"勾选后主干道不再是屏障，连片容差取最宽主干道宽度 {TRUNK_ROAD_WIDTH_M:g} 米（假设值），"
        "水系和生态控制线仍是屏障：公里级的土地整备通常把片区内的城市道路一并纳入。",
        f"When ticked, trunk roads are no longer barriers and the gap tolerance becomes the "
        f"widest trunk road, {TRUNK_ROAD_WIDTH_M:g} m (an assumption); water and the "
        "ecological control line stay barriers: km-scale land assembly takes in the urban "
        "roads inside a block.",
    )


def _suggest_across(layers: LayerSet, within, target_ha: float) -> None:
    """Under an unreachable target: say when assembling across trunk roads would reach it."""
    tolerance_m, barriers = across_trunk_roads(layers.constraints)
    largest = largest_reachable_ha(
        layers.parcels, tolerance_m=tolerance_m, barriers=barriers, within=within
    )
    if largest >= target_ha:
        st.info(
            t(
                f"勾选「跨越主干道整备」后，最大可连成 {largest:,.1f} 公顷，可达到目标。",
                f"Tick 'Assemble across trunk roads' and up to {largest:,.1f} ha can be joined: "
                "the target is within reach.",
            )
        )


def render_assembly(layers: LayerSet) -> None:
    """The 整备建议 section."""
    st.header(t("整备建议", "Land assembly"))
    st.caption(
        t(
            "哪些地块纳入土地整备，能以最小成本连成目标面积的连片用地？低效、储备、可供应地块不计成本，"
            "在建和非工业地块不纳入；连片规则与上方分析相同（含屏障）。成本权重为假设值，可修改。",
            "Which parcels to take into land assembly so that land joins into one block of the "
            "target area at the least cost? Low-efficiency, reserve and available land is free; "
            "parcels under construction and non-industrial land are never taken; the contiguity "
            "rule is the one above (with barriers). The cost weights are assumptions; edit them.",
        )
    )
    if layers.parks is None or layers.parcels is None:
        st.info(t("需要地块和园区图层。", "Needs the parcel and park layers."))
        return
    park_ids = [None, *layers.parks["park_id"].astype(str), DRAWN]
    labels = [
        t("全区", "whole district")
        if p is None
        else t("在地图上画出范围", "an area drawn on the map")
        if p == DRAWN
        else park_label(p, layers)
        for p in park_ids
    ]
    park = st.selectbox(
        t("整备范围", "Assembly area"),
        park_ids,
        index=1 if len(park_ids) > 2 else 0,
        # labels fixed when the page runs (the format function may be called later)
        format_func=dict(zip(park_ids, labels, strict=True)).get,
        key="assembly_park",
    )
    drawn = _area_step(layers) if park == DRAWN else None
    with st.form("assembly_params"):
        c1, _ = st.columns(2)
        target_ha = c1.number_input(
            t("目标连片面积（公顷）", "Target block area (ha)"),
            min_value=1.0,
            value=60.0,
            step=10.0,
            key="assembly_target_ha",
        )
        across = st.checkbox(
            t("跨越主干道整备", "Assemble across trunk roads"),
            key="assembly_across_trunk",
        )
        st.caption(_across_note())
        time_limit_s = st.select_slider(
            t("最长求解时间", "Longest solving time"),
            options=TIME_LIMITS_S,
            value=TIME_LIMITS_S[0],
            format_func=_duration,
            key="assembly_time_limit_s",
            help=t(
                "精确求解在此时间内证明最优；未完成时给出目前最好的方案及其与最优的差距。"
                "时间越长，越可能证明最优或缩小差距。",
                "The exact solver proves the minimum within this time; when it cannot, the best "
                "assembly found is shown with its gap to the minimum. More time proves more.",
            ),
        )
        st.caption(t("成本权重（假设值）", "Cost weights (assumptions)"))
        wcols = st.columns(3)
        weights = {
            key: wcols[i % 3].number_input(
                t(*_WEIGHT_LABELS[key]),
                min_value=0.0,
                value=float(value),
                step=0.5,
                key=f"assembly_w_{key}",
            )
            for i, (key, value) in enumerate(DEFAULT_COST_WEIGHTS.items())
        }
        run = st.form_submit_button(t("计算整备建议", "Propose an assembly"), type="primary")
    parts = assembly_costs(
        layers.fingerprint("parcels", "enterprises"), tuple(sorted(weights.items())), layers
    )
    if run:
        tolerance_m, barriers = (
            across_trunk_roads(layers.constraints) if across else (TOLERANCE_M, layers.constraints)
        )
        within = None
        try:
            within = _scope(layers, park, drawn)
            limit = _duration(time_limit_s)
            with st.spinner(t(f"正在求解（最长 {limit}）…", f"Solving (up to {limit})…")):
                result = assemble_block(
                    layers.parcels,
                    target_ha=float(target_ha),
                    cost=parts["cost"],
                    tolerance_m=tolerance_m,
                    barriers=barriers,
                    within=within,
                    time_limit_s=float(time_limit_s),
                )
        except InputError as exc:
            st.session_state.pop(_RESULT, None)
            show_input_error(exc, with_source=False)
            if not across and (park != DRAWN or within is not None):
                _suggest_across(layers, within, float(target_ha))
            return
        st.session_state[_RESULT] = _Proposal(
            layers.fingerprint("parcels"),
            park,
            None if drawn is None or park != DRAWN else shapely.to_wkt(drawn),
            float(target_ha),
            float(time_limit_s),
            float(tolerance_m),
            result,
        )
        block = layers.parcels[layers.parcels["parcel_id"].astype(str).isin(result.parcel_ids)]
        go_to("assembly_map", tuple(block.to_crs("EPSG:4326").total_bounds))
    kept: _Proposal | None = st.session_state.get(_RESULT)
    if kept is None or kept.parcels_fingerprint != layers.fingerprint("parcels"):
        return
    result = kept.result
    area = None if kept.area_wkt is None else shapely.from_wkt(kept.area_wkt)
    _show(result, layers, parts, kept.time_limit_s, area)
    park_name = (
        t("全区", "district")
        if kept.park is None
        else t("绘制范围", "drawn area")
        if kept.park == DRAWN
        else park_label(kept.park, layers)
    )
    if st.button(
        t("生成情景（所选地块设为储备/待整备）", "Make it a scenario (the parcels set to reserve)"),
        key="assembly_to_scenario",
        disabled=not result.added,
    ):
        try:
            _to_scenario(kept, park_name)
        except InputError as exc:
            show_input_error(exc)
