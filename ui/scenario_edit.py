"""The 编辑 tab of 情景规划: choosing parcels (click, box or polygon with filters, attribute
query, typed ids, the attribute table), the edit forms (set attributes, merge, remove, add a
drawn parcel) and the list of edits.

Each function draws one part of the tab and records edits through
:func:`ui.scenario_state.add_edit`; the page (``ui/scenario_page.py``) calls them in order.
Selections live in the session (:data:`ui.scenario_state.SELECTION`); a click or a box
changes it and reruns, so the map and the forms show the same selection.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
import streamlit as st
from shapely.geometry import shape

from geo.errors import InputError
from layers.catalog import LayerSet
from layers.scenario import (
    AppliedScenario,
    Scenario,
    add_parcel,
    merge_parcels,
    remove_parcel,
    set_attributes,
    unknown_ids,
)
from layers.schema import CLUSTER, FAR_MAX, LAND_USE, STATUS
from layers.store import ScenarioStore
from ui.common import (
    from_display_system,
    md_escape,
    new_drawing,
    new_map_event,
    show_input_error,
)
from ui.i18n import code_labeller, labeller, lang, t
from ui.scenario_state import (
    PENDING_SHAPE,
    QUERY_NOTE,
    SELECTION,
    UNKNOWN_IDS,
    add_edit,
    editor,
)
from ui.scenario_table import attribute_table_section
from ui.selection import ParcelFilter, box_hits, combine, parse_ids, query
from ui.selection import click as click_selection

__all__ = [
    "apply_map_event",
    "edit_list",
    "new_parcel_section",
    "selecting",
    "selection_section",
]


def selecting(parks_of: dict[str, str]) -> tuple[str, ParcelFilter]:
    """How a click or box changes the selection (``"replace"`` or ``"add"``) and the filter
    a box or polygon selects with."""
    select_mode = st.radio(
        t("选择方式", "Selecting"),
        options=["replace", "add"],
        format_func=labeller(
            {
                "replace": ("替换所选", "replace the selection"),
                "add": ("累加到所选", "add to the selection"),
            }
        ),
        horizontal=True,
        key="scenario_select_mode",
        help=t(
            "点击地块：替换时只选这一个（再点一次取消），累加时加入或移出这一个。"
            "画框、按属性选择和输入编号同样替换或累加。地图不能读取 Shift 键，请用此开关。",
            "A click: replace selects that one parcel (click again to clear), add toggles "
            "it in or out. Boxes, attribute queries and typed ids replace or add alike. "
            "The map cannot read the Shift key: use this switch.",
        ),
    )
    st.caption(
        t("画框或多边形只选（留空表示不限）：", "A box or polygon selects only (empty = any):")
    )
    f1, f2, f3 = st.columns(3)
    box_filter = ParcelFilter(
        statuses=tuple(
            f1.multiselect(
                t("地块状态", "Status"),
                STATUS.codes,
                format_func=code_labeller(STATUS),
                key="scenario_box_status",
                placeholder=t("不限", "any"),
            )
        ),
        land_uses=tuple(
            f2.multiselect(
                t("用地性质", "Land use"),
                LAND_USE.codes,
                format_func=code_labeller(LAND_USE, show_code=True),
                key="scenario_box_land_use",
                placeholder=t("不限", "any"),
            )
        ),
        parks=tuple(
            f3.multiselect(
                t("园区", "Park"),
                list(parks_of),
                format_func=parks_of.get,
                key="scenario_box_park",
                placeholder=t("不限", "any"),
            )
        ),
    )
    return select_mode, box_filter


def apply_map_event(
    state: dict,
    parcels: gpd.GeoDataFrame,
    selection: list[str],
    mode: str,
    select_mode: str,
    box_filter: ParcelFilter,
) -> None:
    """Turn the map's last click or drawing into a selection (select mode) or the shape of
    a new parcel (draw mode); a new selection reruns the page."""
    clicked = state.get("last_object_clicked")
    click_event = {"click": clicked, "count": state.get("last_object_clicked_count")}
    drawing = new_drawing(state, "scenario_drawing")
    if drawing is not None:
        try:
            geom = from_display_system(shape(drawing["geometry"]))
        except (KeyError, TypeError, ValueError) as exc:
            st.error(
                md_escape(
                    t(
                        f"无法读取所画图形，请重新绘制：{exc}",
                        f"Cannot read the drawing; draw it again: {exc}",
                    )
                )
            )
        else:
            if mode == "select":
                hits = box_hits(parcels, geom, box_filter)
                st.session_state[SELECTION] = combine(selection, hits, select_mode)
                st.rerun()
            else:
                st.session_state[PENDING_SHAPE] = shapely.to_wkt(geom)
    elif clicked and new_map_event("scenario_click", click_event) and mode == "select":
        point = from_display_system(shapely.Point(clicked["lng"], clicked["lat"]))
        hit = parcels.loc[parcels.contains(point), "parcel_id"].tolist()
        if hit:
            st.session_state[SELECTION] = click_selection(selection, str(hit[0]), select_mode)
            st.rerun()


def selection_section(
    draft: Scenario,
    result: AppliedScenario,
    layers: LayerSet,
    store: ScenarioStore,
    draft_key: str,
    selection: list[str],
    parks_of: dict[str, str],
    select_mode: str,
) -> None:
    """The selection and what can be done with it: attribute query, typed ids, the
    attribute table, the attribute form, merge and remove."""
    parcels = result.parcels
    st.markdown(t(f"**已选 {len(selection)} 个地块**", f"**{len(selection)} parcels selected**"))
    note = st.session_state.pop(QUERY_NOTE, None)
    if note is not None:
        st.caption(
            t(
                f"按属性选择：符合条件的地块 {note} 个。",
                f"Attribute query: {note} parcels match.",
            )
        )
    if selection:
        st.caption(
            md_escape(t("、", ", ").join(selection[:30]) + (" …" if len(selection) > 30 else ""))
        )
        if st.button(t("清除选择", "Clear selection"), key="scenario_clear"):
            st.session_state[SELECTION] = []
            st.rerun()
    with st.expander(t("按属性选择", "Select by attribute")), st.form("scenario_query"):
        q1, q2, q3 = st.columns(3)
        q_parks = q1.multiselect(
            t("园区", "Park"),
            list(parks_of),
            format_func=parks_of.get,
            key="scenario_q_park",
            placeholder=t("不限", "any"),
        )
        q_status = q2.multiselect(
            t("地块状态", "Status"),
            STATUS.codes,
            format_func=code_labeller(STATUS),
            key="scenario_q_status",
            placeholder=t("不限", "any"),
        )
        q_use = q3.multiselect(
            t("用地性质", "Land use"),
            LAND_USE.codes,
            format_func=code_labeller(LAND_USE, show_code=True),
            key="scenario_q_land_use",
            placeholder=t("不限", "any"),
        )
        r1, r2, r3, r4, r5 = st.columns(5)
        number = {"min_value": 0.0, "value": None, "step": 0.1}
        area_low = r1.number_input(
            t("面积下限（公顷）", "Area from (ha)"), key="scenario_q_area_min", **number
        )
        area_high = r2.number_input(
            t("面积上限（公顷）", "Area to (ha)"), key="scenario_q_area_max", **number
        )
        far_low = r3.number_input(
            t("现状容积率下限", "Current FAR from"), key="scenario_q_far_min", **number
        )
        far_high = r4.number_input(
            t("现状容积率上限", "Current FAR to"), key="scenario_q_far_max", **number
        )
        q_highrise = r5.selectbox(
            t("工业上楼", "Industrial high-rise"),
            [None, True, False],
            format_func=labeller({None: ("不限", "any"), True: ("是", "yes"), False: ("否", "no")}),
            key="scenario_q_highrise",
        )
        st.caption(t("留空表示不限；范围含两端。", "Empty = any; ranges include both ends."))
        if st.form_submit_button(t("按属性选择", "Select"), type="primary"):
            if any(
                low is not None and high is not None and low > high
                for low, high in ((area_low, area_high), (far_low, far_high))
            ):
                st.error(t("下限不能大于上限。", "A lower bound is above its upper bound."))
            else:
                hits = query(
                    parcels,
                    ParcelFilter(
                        statuses=tuple(q_status),
                        land_uses=tuple(q_use),
                        parks=tuple(q_parks),
                        area_ha=(area_low, area_high),
                        far_current=(far_low, far_high),
                        highrise=q_highrise,
                    ),
                )
                st.session_state[SELECTION] = combine(selection, hits, select_mode)
                st.session_state[QUERY_NOTE] = len(hits)
                st.rerun()
    manual = st.text_input(
        t("或输入地块编号（逗号分隔）", "Or type parcel ids (comma separated)"),
        key="scenario_manual_ids",
    )
    if manual and st.button(t("选中这些地块", "Select these"), key="scenario_select_manual"):
        wanted = parse_ids(manual)
        unknown = unknown_ids(wanted, parcels)
        st.session_state[UNKNOWN_IDS] = (manual, list(unknown))
        known = [p for p in wanted if p not in set(unknown)]
        st.session_state[SELECTION] = combine(selection, known, select_mode)
        st.rerun()
    typed, unknown = st.session_state.get(UNKNOWN_IDS, ("", []))
    if unknown and typed == manual:  # said while the box holds the ids it is about
        st.warning(
            md_escape(
                t(
                    f"以下 {len(unknown)} 个编号不是本情景的地块，未选中：",
                    f"{len(unknown)} ids are not parcels of this scenario, not selected: ",
                )
                + "、".join(unknown)
            )
        )
    attribute_table_section(
        parcels, selection, layers, selection_key=SELECTION, draft_key=draft_key
    )
    with st.form("scenario_set_attributes"):
        st.markdown(
            t(
                "**修改所选地块的属性**（留空表示不改）",
                "**Change the selected parcels** (blank = unchanged)",
            )
        )
        c1, c2, c3, c4, c5 = st.columns(5)
        new_status = c1.selectbox(
            t("地块状态", "Status"),
            [None, *STATUS.codes],
            format_func=code_labeller(STATUS),
            key="scenario_status",
        )
        new_use = c2.selectbox(
            t("用地性质", "Land use"),
            [None, *LAND_USE.codes],
            format_func=code_labeller(LAND_USE, show_code=True),
            key="scenario_land_use",
        )
        new_far = c3.number_input(
            t("目标容积率", "Target FAR"),
            min_value=0.0,
            max_value=FAR_MAX,
            value=None,
            step=0.1,
            key="scenario_far",
        )
        new_highrise = c4.selectbox(
            t("工业上楼", "Industrial high-rise"),
            [None, True, False],
            format_func=labeller({None: ("—", "—"), True: ("是", "yes"), False: ("否", "no")}),
            key="scenario_highrise",
        )
        new_cluster = c5.selectbox(
            t("导向集群", "Guided cluster"),
            [None, *CLUSTER.codes],
            format_func=code_labeller(CLUSTER),
            key="scenario_cluster",
        )
        if st.form_submit_button(t("应用到所选地块", "Apply to the selection"), type="primary"):
            attrs = {
                k: v
                for k, v in {
                    "status": new_status,
                    "land_use": new_use,
                    "far_target": new_far,
                    "highrise": new_highrise,
                    "guided_cluster": new_cluster,
                }.items()
                if v is not None
            }
            if not selection:
                st.error(t("请先在地图上选择地块。", "Select parcels on the map first."))
            elif not attrs:
                st.error(t("请至少修改一项属性。", "Change at least one attribute."))
            else:
                try:
                    edit = set_attributes(selection, author=editor(draft), **attrs)
                except InputError as exc:
                    show_input_error(exc)
                else:
                    add_edit(draft, edit, result.layers, layers, store)
                    st.rerun()
    b1, b2 = st.columns(2)
    if b1.button(
        t("合并所选地块（整备）", "Merge the selected parcels (consolidate)"),
        key="scenario_merge",
        disabled=len(selection) < 2,
    ):
        add_edit(
            draft, merge_parcels(selection, author=editor(draft)), result.layers, layers, store
        )
        st.session_state[SELECTION] = []
        st.rerun()
    if b2.button(
        t("删除所选地块", "Remove the selected parcels"),
        key="scenario_remove",
        disabled=not selection,
    ):
        add_edit(
            draft, remove_parcel(selection, author=editor(draft)), result.layers, layers, store
        )
        st.session_state[SELECTION] = []
        st.rerun()


def new_parcel_section(
    draft: Scenario, result: AppliedScenario, layers: LayerSet, store: ScenarioStore
) -> None:
    """The attributes of a parcel drawn on the map, and the button that adds it."""
    pending = st.session_state.get(PENDING_SHAPE)
    if pending is None:
        st.info(
            t(
                "用左上角的多边形或矩形工具在地图上画出新地块。",
                "Draw the new parcel with the polygon or rectangle tool (top left of the map).",
            )
        )
    with st.form("scenario_new_parcel"):
        st.markdown(t("**新地块属性**", "**New parcel**"))
        c1, c2, c3, c4 = st.columns(4)
        p_name = c1.text_input(t("名称", "Name"), key="scenario_parcel_name")
        p_status = c2.selectbox(
            t("地块状态", "Status"),
            STATUS.codes,
            index=STATUS.codes.index("available"),
            format_func=code_labeller(STATUS),
            key="scenario_parcel_status",
        )
        p_use = c3.selectbox(
            t("用地性质", "Land use"),
            LAND_USE.codes,
            format_func=code_labeller(LAND_USE, show_code=True),
            key="scenario_parcel_use",
        )
        p_far = c4.number_input(
            t("目标容积率", "Target FAR"),
            min_value=0.0,
            max_value=FAR_MAX,
            value=None,
            step=0.1,
            key="scenario_parcel_far",
        )
        p_highrise = st.checkbox(
            t("工业上楼", "Industrial high-rise"), key="scenario_parcel_highrise"
        )
        if st.form_submit_button(
            t("添加地块", "Add the parcel"), type="primary", disabled=pending is None
        ):
            attrs = {"status": p_status, "land_use": p_use, "highrise": p_highrise}
            if p_name.strip():
                attrs["name"] = p_name.strip()
            if p_far is not None:
                attrs["far_target"] = p_far
            try:
                edit = add_parcel(
                    shapely.from_wkt(pending),
                    attrs,
                    district=layers.boundary,
                    author=editor(draft),
                )
            except InputError as exc:
                show_input_error(exc)
            else:
                add_edit(draft, edit, result.layers, layers, store)
                st.session_state.pop(PENDING_SHAPE, None)
                st.rerun()


def edit_list(draft: Scenario, result: AppliedScenario) -> None:
    """The scenario's edits in order, and what they change."""
    st.subheader(t("编辑列表", "Edits"))
    if draft.edits:
        for i, edit in enumerate(draft.edits):
            st.write(
                md_escape(
                    f"{i + 1}. {edit.describe(lang())}"  # the description ends with the note
                )
            )
    else:
        st.caption(t("还没有编辑。", "No edits yet."))
    st.caption(
        t(
            f"情景结果：新增 {len(result.added)}、删除 {len(result.removed)}、修改 {len(result.modified)} 个地块。",
            f"Result: {len(result.added)} added, {len(result.removed)} removed, {len(result.modified)} modified parcels.",
        )
    )
