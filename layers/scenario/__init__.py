"""情景 (scenarios): the baseline layers plus an ordered list of edits to the parcels.

A :class:`Scenario` never holds layers. It holds what the planner did — "mark these
parcels for 工业上楼", "draw a new parcel here", "remove that one" — as a list of
:class:`Edit` records, and :func:`apply` replays them on a :class:`~layers.catalog.LayerSet`.
Keeping the edits rather than their result means that

* a scenario stays small enough to save on every click, and moves between machines as one
  GeoJSON file (:func:`layers.exchange.scenario_to_geojson`);
* when the baseline data is updated, the scenario is replayed on the new data, and every
  edit that no longer fits (its parcel is gone, its new id is taken) is reported in
  :attr:`AppliedScenario.problems` instead of being dropped silently;
* undo is dropping the last edit (:meth:`Scenario.undo`);
* a save refused because someone saved first loses nothing: :func:`rebase` replays the
  unsaved edits (:attr:`Scenario.unsaved_edits`) on the newest stored version and lists
  those that no longer apply;
* every edit records who made it and when (``Edit.author``, ``Edit.created_at``), kept by
  :meth:`Scenario.with_edit`, the store and the GeoJSON exchange — independent of the
  scenario's own author.

:func:`edit_warnings` gives feedback at the moment of an edit (an unknown parcel id, a
target FAR above the cap, industrial land in the ecological control line or outside the
工业区块线) as structured warnings, before the edit is added.

Everything here is immutable: editing returns a new object, so a UI can keep the previous
state for undo and never half-changes a scenario.

Edit kinds and what :func:`apply` does with them:

``set_attributes``
    Sets ``status``, ``land_use``, ``far_target``, ``highrise`` and/or ``guided_cluster``
    (:data:`EDITABLE_ATTRIBUTES`) on the listed parcels. ``far_target`` or
    ``guided_cluster`` given as None clears the value.
``add_parcel``
    Adds a polygon drawn on the map (WGS84), validated and clipped to the district when
    it was created (:func:`add_parcel`), with the id in ``parcel_ids[0]``. On apply it gets
    ``area_m2`` (measured in EPSG:4547), ``far_current`` = ``gfa_current_m2`` = 0, the
    ``park_id`` by the one park rule of :mod:`layers.zoning` (the park holding at least
    half its area; a park before the belt), the same an import uses, and the
    ``density_zone`` given, else the
    most common zone of that park's parcels, else :data:`DEFAULT_DENSITY_ZONE` (3).
``remove_parcel``
    Removes the listed parcels.
``split_parcel``
    Cuts one parcel along a drawn line (``geometry``) into parts ``<id>-1``, ``<id>-2`` …
    numbered west to east (then south to north) by centroid. Each part keeps the parent's
    attributes; ``area_m2`` and ``gfa_current_m2`` are shared out in proportion to the
    measured part areas.
``merge_parcels``
    Replaces the listed parcels by their union, id ``attributes["parcel_id"]``. It takes
    the attributes of the first listed parcel still present, its ``park_id`` by the park
    rule (the largest member's without a parks layer), the ``density_zone`` of the
    largest member, the summed ``area_m2`` and ``gfa_current_m2`` (so
    ``far_current`` is the area-weighted mean), then any attributes given with the edit.

Times are ISO 8601 UTC strings with milliseconds (``2025-05-01T08:30:12.345Z``), the
GeoPackage DATETIME form, so they sort as text and store without conversion.
"""

from layers.scenario._apply import AppliedScenario, Problem, apply, select_parcels
from layers.scenario._edits import (
    ADD_PARCEL,
    CHANGE_LABELS,
    DEFAULT_DENSITY_ZONE,
    EDIT_KINDS,
    EDITABLE_ATTRIBUTES,
    MERGE_PARCELS,
    MIN_PARCEL_AREA_M2,
    NEW_PARCEL_ATTRIBUTES,
    NEW_PARCEL_DEFAULTS,
    NEW_PARCEL_PREFIX,
    OVERLAP_WARNING_M2,
    REMOVE_PARCEL,
    SCENARIO_SOURCE,
    SET_ATTRIBUTES,
    SPLIT_PARCEL,
    Edit,
    add_parcel,
    district_outline,
    edit_from_parts,
    format_time,
    merge_parcels,
    metric_area_m2,
    normalise_attributes,
    now_iso,
    parse_time,
    remove_parcel,
    set_attributes,
    split_parcel,
)
from layers.scenario._model import Scenario, new_scenario, scenario_name
from layers.scenario._rebase import Rebase, RebaseConflict, rebase
from layers.scenario._warnings import (
    CONSTRAINT_WARNING_M2,
    FAR_ABOVE_CAP,
    INDUSTRIAL_IN_ECO_LINE,
    INDUSTRIAL_OUTSIDE_BLOCK_LINE,
    UNKNOWN_PARCELS,
    WARNING_KINDS,
    EditWarning,
    eco_line_overlap_m2,
    edit_warnings,
    unknown_ids,
)

__all__ = [
    "ADD_PARCEL",
    "CHANGE_LABELS",
    "CONSTRAINT_WARNING_M2",
    "DEFAULT_DENSITY_ZONE",
    "EDITABLE_ATTRIBUTES",
    "EDIT_KINDS",
    "FAR_ABOVE_CAP",
    "INDUSTRIAL_IN_ECO_LINE",
    "INDUSTRIAL_OUTSIDE_BLOCK_LINE",
    "MERGE_PARCELS",
    "MIN_PARCEL_AREA_M2",
    "NEW_PARCEL_ATTRIBUTES",
    "NEW_PARCEL_DEFAULTS",
    "NEW_PARCEL_PREFIX",
    "OVERLAP_WARNING_M2",
    "REMOVE_PARCEL",
    "SCENARIO_SOURCE",
    "SET_ATTRIBUTES",
    "SPLIT_PARCEL",
    "UNKNOWN_PARCELS",
    "WARNING_KINDS",
    "AppliedScenario",
    "Edit",
    "EditWarning",
    "Problem",
    "Rebase",
    "RebaseConflict",
    "Scenario",
    "add_parcel",
    "apply",
    "district_outline",
    "eco_line_overlap_m2",
    "edit_from_parts",
    "edit_warnings",
    "format_time",
    "merge_parcels",
    "metric_area_m2",
    "new_scenario",
    "normalise_attributes",
    "now_iso",
    "parse_time",
    "rebase",
    "remove_parcel",
    "scenario_name",
    "select_parcels",
    "set_attributes",
    "split_parcel",
    "unknown_ids",
]
