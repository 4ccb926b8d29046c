"""Planning standards for the 工业上楼 floor-capacity analysis and the park guidance.

The numbers live in three YAML files in ``data/standards/``, the single source of truth:

``far.yaml``
    FAR (容积率) base value per land use and density zone (密度一区 … 五区), the rule for the
    upper limit (``min(base × upper_factor, upper_cap)``), site coverage per land use, the
    plot-size correction bands, and the building height cap.
``highrise.yaml``
    The 工业上楼 floor-band template (per band: floors, floor height, design load in t/m² and
    kN/m², freight-lift capacity), the industry suitability table (per cluster, or per
    ``cluster:sub_type`` where a sub-type's needs differ, the minimum load, minimum floor
    height and highest band it may use) and the definition thresholds of a high-rise
    industrial building.
``park_guidance.yaml``
    The clusters the district plan guides into each park, and the supply-chain links
    between clusters (:func:`load_park_guidance`).

Every figure carries ``source:`` or ``assumption: true`` so the app can say which figures are
sourced and which are placeholders. All three files are checked by one table-spec validator
that raises one :class:`~geo.errors.InputError` naming every offending key
(``far[M1].base_by_zone.3``, ``bands[low].floors``, ``parks.p1.clusters[1]`` …).
:func:`load_standards` gives an immutable :class:`Standards`.

The app shows the standards as tables (:meth:`Standards.to_tables`) and lets planners edit
them for the session: edited tables come back through :func:`standards_from_tables`, single
changes through the ``Standards.with_*`` methods; both re-run the same validation, so an
edited object is as trustworthy as a loaded one.

Suitability keys: a plain cluster code (``chip``) is the cluster's default entry and serves
firms of that cluster whose sub-type has no entry of its own; ``cluster:sub_type`` is a
sub-type entry, spelled as the enterprises layer's ``sub_type`` (``chip:fab`` front-end
wafer fab, ``car:vehicle_assembly`` whole-vehicle assembly). The capacity column of a key
replaces ``:`` by ``_``: ``gfa_fit_chip_fab_m2`` (:func:`fit_column`), and so does its
per-floor flag in the floor table: ``fit_chip_fab`` (:func:`floor_fit_column`);
:meth:`Standards.fit_key` finds the key serving a firm.

Modules: ``_model`` (the frozen dataclasses and ``with_*`` copies), ``_validate`` (the one
validator), ``_far`` and ``_highrise`` (the specs of the two documents, document ↔ model),
``_yaml`` (files), ``_tables`` (editor tables), ``_guidance`` (park guidance), ``_values``
(cell helpers).
This module re-exports the public names; import them from ``analysis.standards``.
"""

from __future__ import annotations

from analysis.standards._guidance import (
    ParkGuidance,
    ParkGuide,
    load_park_guidance,
    park_guidance_from_dict,
    resolve_park_guidance,
)
from analysis.standards._model import (
    FAR_MODES,
    KN_PER_T,
    LOAD_AGREEMENT,
    MAX_FLOOR,
    MAX_HEIGHT_CAP_M,
    MIN_FLOOR_HEIGHT_M,
    ClusterFit,
    FarRule,
    FarTable,
    FloorBand,
    HighriseDefinition,
    HighriseTemplate,
    PlotSizeBand,
    Sourced,
    Standards,
    fit_column,
    floor_fit_column,
)
from analysis.standards._tables import standards_from_tables
from analysis.standards._yaml import (
    FAR_YAML,
    HIGHRISE_YAML,
    PARK_GUIDANCE_YAML,
    STANDARDS_DIR,
    load_standards,
    save_standards,
    standards_from_dicts,
)

__all__ = [
    "FAR_MODES",
    "FAR_YAML",
    "HIGHRISE_YAML",
    "KN_PER_T",
    "LOAD_AGREEMENT",
    "MAX_FLOOR",
    "MAX_HEIGHT_CAP_M",
    "MIN_FLOOR_HEIGHT_M",
    "PARK_GUIDANCE_YAML",
    "STANDARDS_DIR",
    "ClusterFit",
    "FarRule",
    "FarTable",
    "FloorBand",
    "HighriseDefinition",
    "HighriseTemplate",
    "ParkGuidance",
    "ParkGuide",
    "PlotSizeBand",
    "Sourced",
    "Standards",
    "fit_column",
    "floor_fit_column",
    "load_park_guidance",
    "load_standards",
    "park_guidance_from_dict",
    "resolve_park_guidance",
    "save_standards",
    "standards_from_dicts",
    "standards_from_tables",
]
