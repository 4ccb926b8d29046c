"""情景规划 · Scenarios: edit parcels on the map, save safely, compare, export.

A scenario is the baseline plus an ordered list of edits (``layers.scenario``); the page
keeps a working copy in the session and saves it to the workspace GeoPackage
(``layers.store``) on request. Saving checks the version the copy was opened at, so a
second tab that saved in between is never silently overwritten.

Failures are messages: a workspace that cannot be created or a damaged store file stops
the page with what to do; a store that cannot be written is opened read-only (scenarios
are listed and opened, writes refused with a message). When the open scenario is deleted
in another tab or session, the working copy and its unsaved edits stay: the page says
so and offers to save them as a new scenario.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from geo.errors import InputError
from geo.io import write_geojson
from layers.exchange import scenario_from_geojson, scenario_to_geojson
from layers.scenario import (
    Scenario,
    new_scenario,
    rebase,
)
from layers.schema import STATUS
from layers.store import VERSION_CONFLICT
from ui import maps
from ui.base_data import scenario_base_data_note
from ui.cache import (
    applied,
    chain_key,
    the_store,
)
from ui.common import (
    current_layers,
    demo_banner,
    gcj02_notice,
    map_search,
    md_escape,
    new_map,
    publish_result,
    show_input_error,
    show_map,
)
from ui.i18n import labeller, lang, t
from ui.scenario_compare import BASELINE, changes_legend, render_compare
from ui.scenario_drafts import draft_token, drop_draft, guard_unload, keep_draft, read_draft
from ui.scenario_edit import (
    apply_map_event,
    edit_list,
    new_parcel_section,
    selecting,
    selection_section,
)
from ui.scenario_parcels_table import render_parcel_table
from ui.scenario_state import (
    CHOICE_KEY,
    CHOICE_NEXT,
    CONFLICT,
    DRAFT,
    EDIT_WARNINGS,
    EDITOR_KEY,
    NEW_POPOVER,
    QUERY_KEY,
    REBASE_REPORT,
    RESTORED,
    SAVED_FP,
    SELECTION,
    gpkg_bytes,
    is_dirty,
    open_scenario,
    scenario_overlays,
    set_draft,
)
from ui.scenario_table import park_choices
from ui.selection import (
    ParcelFilter,
)
from ui.signin import can_change, current_user, read_only_notice

#: Runs after a creation or an import in which the 新建 popover is closed again.
CLOSE_RUNS = 2

layers = current_layers()
st.title(t("情景规划", "Scenario planning"))
demo_banner(layers)
if layers.parcels is None:
    st.warning(t("没有地块图层，请先导入。", "No parcel layer: import one first."))
    st.stop()
try:
    store = the_store()
    infos = store.list()
except InputError as exc:
    show_input_error(exc)
    st.stop()
if store.read_only:
    st.info(read_only_notice())

# --------------------------------------------------------------------------- choose / create
by_id = {info.id: info for info in infos}
draft: Scenario | None = st.session_state.get(DRAFT)
token = draft_token()
if draft is None and st.query_params.get(QUERY_KEY) in by_id:
    kept = read_draft(token, st.query_params[QUERY_KEY])
    if kept is not None and open_scenario(store, kept.id):  # a refresh: the unsaved edits return
        st.session_state[DRAFT] = kept
        st.session_state[RESTORED] = len(kept.unsaved_edits)
    elif kept is None:
        open_scenario(store, st.query_params[QUERY_KEY])
    draft = st.session_state.get(DRAFT)
#: Deleted in another tab or session since it was opened or saved here: the working copy
#: (with any unsaved edits) stays, and can be saved as a new scenario.
deleted = draft is not None and draft.version > 0 and draft.id not in by_id

left, right = st.columns([2, 1])
with left:
    options = [info.id for info in infos]
    if CHOICE_NEXT in st.session_state:
        st.session_state[CHOICE_KEY] = st.session_state.pop(CHOICE_NEXT)
        if st.session_state[CHOICE_KEY] not in (None, *options):
            st.session_state.pop(CHOICE_KEY)
    if options:
        current_id = draft.id if draft is not None and draft.id in by_id else None
        chosen = st.selectbox(
            t("打开情景", "Open a scenario"),
            options=[None, *options],
            # the session's value when it holds one (set above), else the open scenario
            index=0
            if CHOICE_KEY in st.session_state or not current_id
            else options.index(current_id) + 1,
            format_func={
                None: t("（请选择）", "(choose)"),
                **{
                    i: f"{info.name} · v{info.version} · {info.edit_count} "
                    + t("项编辑", "edits")
                    + f" · {info.updated_at[:16].replace('T', ' ')}"
                    for i, info in by_id.items()
                },
            }.get,
            key=CHOICE_KEY,
        )
        if (
            chosen is not None
            and (draft is None or draft.id != chosen)
            and open_scenario(store, chosen)
        ):
            st.rerun()
    else:
        st.info(
            t(
                "工作区还没有情景，请在右侧新建。",
                "No scenarios in the workspace yet: create one on the right.",
            )
        )
closing = st.session_state.pop(NEW_POPOVER + "_close", 0)
if closing:  # closed once it has created or imported; again on the next runs, which
    # the map or the browser may start with the popover's state from before it closed
    st.session_state[NEW_POPOVER] = False
    if closing > 1:
        st.session_state[NEW_POPOVER + "_close"] = closing - 1
with (
    right,
    st.popover(
        t("新建 / 导入情景", "New or import"), width="stretch", key=NEW_POPOVER, on_change="rerun"
    ),
):
    with st.form("scenario_new"):
        name = st.text_input(t("名称", "Name"), key="scenario_new_name")
        author = st.text_input(t("编制人", "Author"), key="scenario_new_author")
        description = st.text_area(t("说明", "Description"), key="scenario_new_description")
        base = st.selectbox(
            t("基于", "Based on"),
            options=[BASELINE, *options],
            format_func={
                BASELINE: t("现状（基础数据）", "baseline"),
                **{i: info.name for i, info in by_id.items()},
            }.get,
            key="scenario_new_base",
        )
        if st.form_submit_button(t("创建", "Create"), type="primary", disabled=not can_change()):
            try:
                created = new_scenario(
                    name,
                    author=author,
                    description=description,
                    base_id=None if base == BASELINE else base,
                )
                created = store.save(created, expected_version=0)
            except InputError as exc:
                show_input_error(exc)
            else:
                set_draft(created, saved=True)
                st.session_state[NEW_POPOVER + "_close"] = CLOSE_RUNS
                st.rerun()
    uploaded = st.file_uploader(
        t("导入情景 GeoJSON", "Import a scenario GeoJSON"),
        type=["geojson", "json"],
        key="scenario_import",
    )
    if uploaded is not None and st.button(
        t("导入", "Import"), key="scenario_import_button", disabled=not can_change()
    ):
        try:
            imported = store.save(scenario_from_geojson(uploaded.getvalue()), expected_version=0)
        except InputError as exc:
            show_input_error(exc)
        else:
            set_draft(imported, saved=True)
            st.session_state[NEW_POPOVER + "_close"] = CLOSE_RUNS
            st.rerun()

if draft is None:
    st.stop()

# --------------------------------------------------------------------------- scenario header
dirty = is_dirty(draft)
if dirty:  # kept across a refresh of this tab, and leaving the page asks first
    keep_draft(token, draft)
else:
    drop_draft(token)
guard_unload(dirty)
restored = st.session_state.get(RESTORED) if dirty else st.session_state.pop(RESTORED, None)
if restored and dirty:  # said until the restored edits are saved or reverted
    st.info(
        t(
            f"已恢复本标签页刷新前未保存的修改（{restored} 项编辑）。请保存，或「放弃修改」。",
            f"The unsaved changes of this tab from before the refresh are back ({restored} "
            "edits). Save them, or revert.",
        )
    )
if deleted:
    st.warning(
        t(
            "此情景已在其他窗口或由其他人删除。本页的工作副本"
            + ("（含未保存的修改）" if draft.edits else "")
            + "仍然保留：可「另存为新情景」保存，离开本情景前请先保存。",
            "This scenario was deleted in another tab or by someone else. The working copy here"
            + (" (with its unsaved changes)" if draft.edits else "")
            + " is kept: save it as a new scenario before leaving it.",
        )
    )
    if st.button(
        t("另存为新情景", "Save as a new scenario"),
        type="primary",
        key="scenario_save_as_new",
        disabled=not can_change(),
    ):
        try:
            saved_copy = store.save_as_new(draft)
        except InputError as exc:
            show_input_error(exc)
        else:
            set_draft(saved_copy, saved=True)
            st.toast(t("已另存为新情景。", "Saved as a new scenario."))
            st.rerun()
head = st.columns([3, 1, 1, 1])
head[0].subheader(md_escape(draft.name))
if draft.description:
    head[0].caption(md_escape(draft.description))
if head[1].button(
    t("保存", "Save"),
    type="primary",
    disabled=not dirty or deleted or not can_change(),
    key="scenario_save",
):
    try:
        saved = store.save(draft, expected_version=draft.version)
    except InputError as exc:
        show_input_error(exc)
        if exc.code == VERSION_CONFLICT:
            st.session_state[CONFLICT] = draft.id
    else:
        st.session_state.pop(CONFLICT, None)
        st.session_state.pop(REBASE_REPORT, None)
        set_draft(saved, saved=True)
        st.toast(t(f"已保存（版本 {saved.version}）", f"Saved (version {saved.version})"))
        st.rerun()
if head[2].button(t("撤销上一步", "Undo"), disabled=not draft.edits, key="scenario_undo"):
    st.session_state[DRAFT] = draft.undo()
    st.rerun()
if head[3].button(
    t("放弃修改", "Revert"),
    disabled=not dirty or draft.version == 0 or deleted,
    key="scenario_revert",
) and open_scenario(store, draft.id):
    st.rerun()
if st.session_state.get(CONFLICT) == draft.id and not deleted:
    st.info(
        t(
            "其他人已先保存了这个情景。你的修改没有丢失：可以在最新版本上重放你的修改（不再适用的会列出），"
            "或把你的修改另存为新情景。",
            "Someone saved this scenario first. Your changes are not lost: replay them on the "
            "newest version (those that no longer apply are listed), or save them as a new "
            "scenario.",
        )
    )
    r1, r2 = st.columns(2)
    if r1.button(
        t("在最新版本上重放我的修改", "Replay my changes on the newest version"),
        type="primary",
        key="scenario_rebase",
    ):
        try:
            stored = store.open(draft.id)
            outcome = rebase(draft, stored, draft.version, layers, resolve_base=store.open)
        except InputError as exc:
            show_input_error(exc)
        else:
            st.session_state[DRAFT] = outcome.scenario
            st.session_state[SAVED_FP] = (stored.fingerprint(), stored.name, stored.version)
            st.session_state[REBASE_REPORT] = [c.message for c in outcome.conflicts]
            st.session_state.pop(CONFLICT, None)
            st.rerun()
    if r2.button(
        t("把我的修改另存为新情景", "Save my changes as a new scenario"),
        key="scenario_conflict_save_as_new",
    ):
        try:
            saved_copy = store.save_as_new(draft)
        except InputError as exc:
            show_input_error(exc)
        else:
            st.session_state.pop(CONFLICT, None)
            set_draft(saved_copy, saved=True)
            st.toast(t("已另存为新情景。", "Saved as a new scenario."))
            st.rerun()
for line in st.session_state.get(REBASE_REPORT, []):
    st.warning(md_escape(t("重放时：", "Replaying: ") + line))
if dirty and not deleted:
    st.warning(t("有未保存的修改。", "There are unsaved changes."))
elif not deleted:
    st.caption(t(f"已保存 · 版本 {draft.version}", f"Saved · version {draft.version}"))

try:
    draft_key = chain_key(draft, store)
    result = applied(layers.fingerprint(), draft_key, draft, layers)
except InputError as exc:
    show_input_error(exc)
    st.stop()
for line in st.session_state.pop(EDIT_WARNINGS, []):
    st.warning(md_escape(t("刚才的编辑：", "The last edit: ") + line))
scenario_base_data_note(draft, len(result.problems))
for problem in result.problems:
    st.warning(
        md_escape(
            t(f"第 {problem.index + 1} 项编辑：", f"Edit #{problem.index + 1}: ") + problem.message
        )
    )

# --------------------------------------------------------------------------- the map
# The tabs report which one is open, so the comparison is computed only when it is shown.
tab_edit, tab_compare, tab_manage = st.tabs(
    [t("编辑", "Edit"), t("对比", "Compare"), t("管理与导出", "Manage and export")],
    key="scenario_tab",
    on_change="rerun",
)

with tab_edit:
    st.text_input(
        t("编辑人（本次会话）", "Editing as (this session)"),
        key=EDITOR_KEY,
        placeholder=current_user().name or draft.author,
        disabled=bool(current_user().name),  # signed in: the edits carry the user's name
        help=t(
            "每项编辑都记下编辑人和时间；留空时记为情景的编制人。",
            "Every edit records who made it and when; left empty, the scenario's author.",
        ),
    )
    mode = st.radio(
        t("地图操作", "On the map"),
        options=["select", "draw"],
        format_func=labeller(
            {
                "select": ("选择地块（点击或画框）", "select parcels (click or draw a box)"),
                "draw": ("绘制新地块", "draw a new parcel"),
            }
        ),
        horizontal=True,
        key="scenario_mode",
    )
    parcels = result.parcels
    present = set(parcels.parcel_id)
    selection: list[str] = [p for p in st.session_state.get(SELECTION, []) if p in present]
    parks_of = park_choices(parcels, layers)
    if mode == "select":
        select_mode, box_filter = selecting(parks_of)
    else:
        select_mode, box_filter = "replace", ParcelFilter()
    gcj02_notice()
    found = map_search("scenario_map", parcels, layers.enterprises)
    m = new_map(layers)
    overlays = scenario_overlays(layers, parcels, selection, result, draft_key)
    maps.add_draw_control(m)
    legend = [
        (
            t("地块状态", "Parcel status"),
            # every status, not those present: the map itself stays the same across edits
            maps.code_legend(STATUS, maps.STATUS_COLORS, lang()),
        ),
        changes_legend(),
    ]
    maps.add_legends(m, legend)
    state = show_map(
        m,
        key="scenario_map",
        returned_objects=[
            "last_active_drawing",
            "last_object_clicked",
            "last_object_clicked_count",
        ],
        found=found,
        found_in=(parcels, layers.enterprises),
        overlays=overlays,
    )

    apply_map_event(state, parcels, selection, mode, select_mode, box_filter)

    # ----------------------------------------------------------------- edit forms
    if mode == "select":
        selection_section(draft, result, layers, store, draft_key, selection, parks_of, select_mode)
    else:
        new_parcel_section(draft, result, layers, store)

    edit_list(draft, result)

# --------------------------------------------------------------------------- compare
with tab_compare:
    if not tab_compare.open:
        st.caption(t("正在打开对比…", "Opening the comparison…"))
    else:
        render_compare(
            draft=draft,
            infos=infos,
            store=store,
            layers=layers,
            result=result,
            draft_key=draft_key,
            dirty=dirty,
        )
        st.divider()
        render_parcel_table(result, layers.fingerprint() + draft_key, f"scenario_{draft.id[:8]}")

# --------------------------------------------------------------------------- manage / export
with tab_manage:
    publish_result(
        f"scenario_{draft.id[:8]}",
        (f"情景地块：{draft.name}", f"scenario parcels: {draft.name}"),
        result.parcels,
    )
    c1, c2, c3 = st.columns(3)
    # Files are written when asked for (a callable), not on every rerun of the page.
    c1.download_button(
        t("下载情景地块 GeoJSON", "Download scenario parcels (GeoJSON)"),
        data=lambda: write_geojson(result.parcels).encode("utf-8"),
        file_name=f"scenario_{draft.id[:8]}_parcels.geojson",
        mime="application/geo+json",
        key="scenario_dl_parcels",
    )
    c2.download_button(
        t("下载情景地块 GeoPackage", "Download scenario parcels (GeoPackage)"),
        data=lambda: gpkg_bytes(result),
        file_name=f"scenario_{draft.id[:8]}.gpkg",
        mime="application/geopackage+sqlite3",
        key="scenario_dl_gpkg",
    )
    c3.download_button(
        t("导出情景（编辑记录 GeoJSON）", "Export the scenario (edits as GeoJSON)"),
        data=lambda: scenario_to_geojson(draft).encode("utf-8"),
        file_name=f"scenario_{draft.id[:8]}.geojson",
        mime="application/geo+json",
        key="scenario_dl_edits",
    )
    st.divider()
    with st.form("scenario_rename"):
        new_name = st.text_input(
            t("重命名", "Rename"), value=draft.name, key="scenario_rename_name"
        )
        if st.form_submit_button(t("保存名称", "Save the name"), disabled=not can_change()):
            try:
                renamed = store.rename(draft.id, new_name, expected_version=draft.version)
            except InputError as exc:
                show_input_error(exc)
            else:
                # Unsaved edits stay in the working copy; only the name was saved.
                set_draft(
                    replace(renamed, edits=draft.edits) if dirty else renamed, saved=not dirty
                )
                st.rerun()
    if st.button(
        t("复制为新情景", "Duplicate as a new scenario"),
        disabled=draft.version == 0 or deleted or not can_change(),
        key="scenario_duplicate",
    ):
        try:
            copy = store.duplicate(draft.id, name=draft.name + t("（副本）", " (copy)"))
        except InputError as exc:
            show_input_error(exc)
        else:
            set_draft(copy, saved=True)
            st.rerun()
    confirm = st.checkbox(
        t("我确认要删除此情景（不可恢复）", "I confirm deleting this scenario (cannot be undone)"),
        key="scenario_confirm_delete",
    )
    if st.button(
        t("删除情景", "Delete the scenario"),
        disabled=not confirm or deleted or not can_change(),
        key="scenario_delete",
    ):
        try:
            store.delete(draft.id, confirm=True)
        except InputError as exc:
            show_input_error(exc)
        else:
            set_draft(None, saved=False)
            st.session_state.pop(CHOICE_KEY, None)
            st.rerun()
    changed = (
        pd.DataFrame(result.changes.drop(columns="geometry"))
        if len(result.changes)
        else pd.DataFrame()
    )
    if len(changed):
        st.dataframe(changed, hide_index=True, width="stretch")
