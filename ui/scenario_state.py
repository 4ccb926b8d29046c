"""情景规划 session state and the page's helpers: the working copy, who edits, map events,
edits with their warnings, and the map layers swapped on every edit or selection.

The page (``ui/scenario_page.py``) keeps a working copy of the open scenario in the session
under :data:`DRAFT`; these functions read and change it. Who makes an edit is decided in
one place, :func:`editor`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from analysis.capacity import floor_capacity
from geo.errors import InputError
from geo.io import write_gpkg
from layers.catalog import LayerSet
from layers.scenario import Edit, Scenario, edit_warnings
from layers.schema import FAR_MAX
from ui import maps
from ui.cache import applied, chain_key, default_standards, scenario_parcels_url
from ui.common import display_system, show_input_error
from ui.i18n import lang, t
from ui.scenario_compare import add_changes
from ui.signin import current_user
from ui.static_cache import publish_payload

DRAFT = "scenario_draft"
SAVED_FP = "scenario_saved_fingerprint"
#: The name of whoever edits in this session (until sign-in exists).
EDITOR_KEY = "scenario_editor"
#: Warnings about the last edit, shown after the rerun.
EDIT_WARNINGS = "scenario_edit_warnings"
#: Id of the scenario whose save was refused because someone saved first.
CONFLICT = "scenario_conflict"
#: What a rebase could not replay, shown until the next save.
REBASE_REPORT = "scenario_rebase_report"
SELECTION = "scenario_selection"
#: Ids typed in the id box that are not parcels of the scenario, shown after the rerun.
UNKNOWN_IDS = "scenario_unknown_ids"
#: What the last attribute query selected, shown after the rerun.
QUERY_NOTE = "scenario_query_note"
PENDING_SHAPE = "scenario_pending_shape"
QUERY_KEY = "scenario"
CHOICE_KEY = "scenario_choice"
#: The scenario the "open a scenario" box is to show on the next run.
CHOICE_NEXT = "scenario_choice_next"
NEW_POPOVER = "scenario_new_popover"
#: Set when this session reopened the tab's unsaved draft after a refresh.
RESTORED = "scenario_draft_restored"


def set_draft(scenario: Scenario | None, *, saved: bool) -> None:
    st.session_state[DRAFT] = scenario
    # the "open a scenario" box shows it after the rerun (a widget's value can only be set
    # before the widget is drawn)
    st.session_state[CHOICE_NEXT] = None if scenario is None else scenario.id
    # The open scenario is also kept in the address, so a browser refresh reopens it.
    if scenario is None:
        st.query_params.pop(QUERY_KEY, None)
    else:
        st.query_params[QUERY_KEY] = scenario.id
    st.session_state[SELECTION] = []
    st.session_state.pop(PENDING_SHAPE, None)
    if saved and scenario is not None:
        st.session_state[SAVED_FP] = (scenario.fingerprint(), scenario.name, scenario.version)


def is_dirty(scenario: Scenario) -> bool:
    return st.session_state.get(SAVED_FP) != (
        scenario.fingerprint(),
        scenario.name,
        scenario.version,
    )


def editor(scenario: Scenario) -> str:
    """Who makes the edits in this session: the signed-in user, else the name given on the
    page, else the author."""
    signed_in = current_user().name
    return signed_in or str(st.session_state.get(EDITOR_KEY) or "").strip() or scenario.author


def far_caps(edit: Edit, after: LayerSet) -> dict[str, float]:
    """FAR cap of each parcel the edit touches, as the standards allow it (the upper FAR
    of its land use and density zone, capped by height and coverage)."""
    ids = {*edit.parcel_ids, str(edit.attributes.get("parcel_id") or "")}
    frame = after.parcels[after.parcels["parcel_id"].astype(str).isin(ids)]
    if frame.empty:
        return {}
    try:
        capacity = floor_capacity(
            frame.assign(far_target=FAR_MAX), default_standards(), redevelop="all"
        )
    except InputError:  # a parcel the standards cannot size: no cap to compare with
        return {}
    return dict(zip(frame["parcel_id"].astype(str), capacity["far_allowed"], strict=True))


def add_edit(scenario: Scenario, edit: Edit, before: LayerSet, base: LayerSet, store) -> None:
    """Add an edit to the working copy and keep what the planner should know about it
    (unknown parcels, FAR above the cap, industrial land in the eco line or outside the
    工业区块线) to show after the rerun. ``before`` are the working copy's layers,
    ``base`` the baseline the scenario is applied to, ``store`` the scenario store."""
    changed = scenario.with_edit(edit)
    try:
        # through the cache: the page shows this state right after the rerun
        after = applied(base.fingerprint(), chain_key(changed, store), changed, base).layers
        warnings = edit_warnings(edit, before, far_caps=far_caps(edit, after))
    except InputError as exc:
        warnings = []
        show_input_error(exc)
    st.session_state[DRAFT] = changed
    st.session_state[EDIT_WARNINGS] = [w.message for w in warnings]


def gpkg_bytes(result) -> bytes:
    """The scenario's parcels (and its changes, if any) as a GeoPackage file's bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.gpkg"
        write_gpkg(
            {"parcels": result.parcels, "changes": result.changes}
            if len(result.changes)
            else {"parcels": result.parcels},
            path,
        )
        return path.read_bytes()


def open_scenario(store, scenario_id: str) -> bool:
    """Open a stored scenario as the working copy; False (and a message) when it cannot be
    read (deleted meanwhile, damaged edits)."""
    try:
        set_draft(store.open(scenario_id), saved=True)
    except InputError as exc:
        show_input_error(exc)
        return False
    return True


def scenario_overlays(
    layers: LayerSet, parcels, selection: list[str], result, draft_key: str
) -> list:
    """The map's layers that change with edits and selections, as groups swapped in the
    living map: the scenario's parcels, its changes, and the selection drawn on top."""
    group = maps.overlay(t("情景地块", "Scenario parcels"))
    group.add_child(maps.ClearDrawings())  # a box that made a selection goes with it
    maps.add_geojson(
        group,
        None,
        t("情景地块", "Scenario parcels"),
        url=scenario_parcels_url(
            layers.fingerprint(), draft_key, lang(), display_system(), result, layers
        ),
        tooltip_fields=maps.tooltip_pairs(maps.PARCEL_TOOLTIP, lang()),
    )
    groups = [group]
    if len(result.changes):
        changes = maps.overlay(t("变化", "Changes"))
        add_changes(changes, result.changes)
        groups.append(changes)
    if selection:
        chosen = maps.overlay(t("已选地块", "Selected parcels"))
        maps.add_geojson(
            chosen,
            None,
            t("已选地块", "Selected parcels"),
            url=publish_payload(
                maps.geojson_payload(
                    parcels[parcels.parcel_id.isin(selection)],
                    ["parcel_id"],
                    display_system=display_system(),
                )
            ),
            style={"weight": 3, "color": maps.SELECTION_COLOR, "fillOpacity": 0.0, "opacity": 1.0},
        )
        groups.append(chosen)
    return groups
