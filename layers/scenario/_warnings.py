"""Feedback at the moment of an edit: structured warnings, never errors, computed before
the edit is added to the scenario.

Method. :func:`edit_warnings` looks at one edit against the parcels it is made on (pass
the applied scenario's layers, ``apply(draft, base).layers``, so earlier edits count) and
returns :class:`EditWarning` records:

``unknown_parcels``
    A set, remove, split or merge edit naming parcel ids that are not in the parcels
    (:func:`unknown_ids`); :func:`apply` would report them as missing.
``far_above_cap``
    A ``far_target`` above the parcel's cap. The cap is the upper limit of the standards
    for the parcel's land use and density zone, which the capacity analysis applies
    (``min(target, U)``); the standards live in a higher layer, so the caller passes the
    caps (``far_caps``: a mapping or a callable parcel id → cap, e.g. ``far_allowed`` of
    ``analysis.capacity.floor_capacity(parcels.assign(far_target=FAR_MAX),
    redevelop="all")``). The edit keeps the requested value; the warning carries
    ``requested_value`` and ``applied_value`` (the cap), one warning per distinct cap.
``industrial_in_eco_line`` / ``industrial_outside_block_line``
    An edit that leaves a parcel industrial (land use M1/M0/W and status not 非工业) —
    a set edit giving ``land_use`` or ``status``, a drawn parcel, a merge — where the
    parcel overlaps the basic ecological control line (``constraints`` of kind
    ``eco_line``) or lies partly outside the 工业区块线 (kinds ``block_line_1``,
    ``block_line_2``). The area is measured in EPSG:4547
    (:func:`geo.crs.to_metric_geometries`); overlaps up to
    :data:`CONSTRAINT_WARNING_M2` are edge noise and not reported. Without any eco-line
    (block-line) polygon in the constraints layer the check is skipped, not failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import WGS84, require_crs, to_metric_geometries
from geo.geometry import polygonal_parts
from layers.catalog import LayerSet
from layers.scenario._edits import (
    ADD_PARCEL,
    MERGE_PARCELS,
    REMOVE_PARCEL,
    SET_ATTRIBUTES,
    SPLIT_PARCEL,
    Edit,
    _id_list,
)
from layers.schema import INDUSTRIAL_LAND_USES

__all__ = [
    "CONSTRAINT_WARNING_M2",
    "FAR_ABOVE_CAP",
    "INDUSTRIAL_IN_ECO_LINE",
    "INDUSTRIAL_OUTSIDE_BLOCK_LINE",
    "UNKNOWN_PARCELS",
    "WARNING_KINDS",
    "EditWarning",
    "eco_line_overlap_m2",
    "edit_warnings",
    "unknown_ids",
]

UNKNOWN_PARCELS = "unknown_parcels"
FAR_ABOVE_CAP = "far_above_cap"
INDUSTRIAL_IN_ECO_LINE = "industrial_in_eco_line"
INDUSTRIAL_OUTSIDE_BLOCK_LINE = "industrial_outside_block_line"
#: Every warning kind, in the order :func:`edit_warnings` lists them.
WARNING_KINDS: tuple[str, ...] = (
    UNKNOWN_PARCELS,
    FAR_ABOVE_CAP,
    INDUSTRIAL_IN_ECO_LINE,
    INDUSTRIAL_OUTSIDE_BLOCK_LINE,
)
#: Overlap with (or part outside) a control line, m², at or below which nothing is said.
CONSTRAINT_WARNING_M2 = 1.0
#: Constraint kinds of the basic ecological control line and of the 工业区块线.
_ECO_KINDS = ("eco_line",)
_BLOCK_KINDS = ("block_line_1", "block_line_2")
_FAR_TOLERANCE = 1e-9


@dataclass(frozen=True)
class EditWarning:
    """One thing the planner should know about an edit; the edit is still allowed.

    Attributes
    ----------
    kind : str
        One of :data:`WARNING_KINDS`.
    parcel_ids : tuple of str
        The parcels concerned (a drawn or merged parcel by its new id).
    zh, en : str
        The message in Chinese and in English.
    area_m2 : float or None
        The area inside the eco line / outside the block line, m².
    applied_value : float or None
        The value that will apply (the FAR cap) where it differs from the requested one.
    requested_value : float or None
        The value the edit asks for (the target FAR).
    """

    kind: str
    parcel_ids: tuple[str, ...]
    zh: str
    en: str
    area_m2: float | None = None
    applied_value: float | None = None
    requested_value: float | None = None

    @property
    def area_ha(self) -> float | None:
        return None if self.area_m2 is None else self.area_m2 / 10_000.0

    @property
    def message(self) -> str:
        """Chinese, then `` / `` and English."""
        return f"{self.zh} / {self.en}"


def unknown_ids(ids: str | Iterable[str], parcels: Any) -> tuple[str, ...]:
    """The ids (in the order given, once each) that are not parcels of ``parcels``.

    ``parcels`` is a (Geo)DataFrame with ``parcel_id`` or any iterable of ids.
    """
    ids = (ids,) if isinstance(ids, str) else tuple(ids)
    known = set(_parcel_ids(parcels))
    return tuple(dict.fromkeys(str(p) for p in ids if str(p) not in known))


def _parcel_ids(parcels: Any) -> list[str]:
    if parcels is None:
        return []
    if isinstance(parcels, pd.DataFrame):
        return parcels["parcel_id"].astype(str).tolist() if "parcel_id" in parcels else []
    return [str(p) for p in parcels]


def edit_warnings(
    edit: Edit,
    layers: LayerSet,
    *,
    far_caps: Mapping[str, float] | Callable[[str], float | None] | None = None,
) -> list[EditWarning]:
    """Warnings about ``edit`` made on ``layers`` (the applied scenario's layers).

    Parameters
    ----------
    edit : Edit
    layers : LayerSet
        ``parcels`` the edit is made on; ``constraints`` (optional) for the control lines.
    far_caps : mapping or callable, optional
        Parcel id → FAR cap (None or missing: no cap known). A drawn or merged parcel is
        looked up by its new id. None skips the FAR check.

    Returns
    -------
    list of EditWarning
        In the order of :data:`WARNING_KINDS`; empty when nothing needs saying.
    """
    parcels = layers.parcels if isinstance(layers, LayerSet) else None
    warnings: list[EditWarning] = []
    if edit.kind in (SET_ATTRIBUTES, REMOVE_PARCEL, SPLIT_PARCEL, MERGE_PARCELS):
        missing = unknown_ids(edit.parcel_ids, parcels)
        if missing:
            zh_ids, en_ids = _id_list(missing, "、", limit=5), _id_list(missing, ", ", limit=5)
            warnings.append(
                EditWarning(
                    UNKNOWN_PARCELS,
                    missing,
                    f"地块 {zh_ids} 不存在，编辑对其无效",
                    f"parcels {en_ids} do not exist; the edit does not apply to them",
                )
            )
    targets = _targets(edit, parcels)
    if far_caps is not None:
        warnings.extend(_far_warnings(edit, targets, far_caps))
    constraints = layers.constraints if isinstance(layers, LayerSet) else None
    warnings.extend(_line_warnings(edit, targets, constraints))
    return warnings


@dataclass(frozen=True)
class _Target:
    """A parcel as the edit leaves it: id, geometry (WGS84), land use and status."""

    parcel_id: str
    geometry: BaseGeometry | None
    land_use: Any
    status: Any


def _targets(edit: Edit, parcels: Any) -> list[_Target]:
    """The parcels whose attributes the edit sets, as they will be after it."""
    rows = _rows(parcels, edit.parcel_ids)
    attrs = edit.attributes
    if edit.kind == SET_ATTRIBUTES:
        return [
            _Target(
                p,
                rows[p]["geometry"],
                attrs.get("land_use", rows[p].get("land_use")),
                attrs.get("status", rows[p].get("status")),
            )
            for p in edit.parcel_ids
            if p in rows
        ]
    if edit.kind == ADD_PARCEL:
        return [
            _Target(edit.parcel_ids[0], edit.geometry, attrs.get("land_use"), attrs.get("status"))
        ]
    if edit.kind == MERGE_PARCELS:
        present = [p for p in edit.parcel_ids if p in rows]
        if len(present) < 2:
            return []
        first = rows[present[0]]
        merged = polygonal_parts(
            shapely.union_all(shapely.make_valid(np.array([rows[p]["geometry"] for p in present])))
        )
        return [
            _Target(
                str(attrs["parcel_id"]),
                merged,
                attrs.get("land_use", first.get("land_use")),
                attrs.get("status", first.get("status")),
            )
        ]
    return []


def _rows(parcels: Any, ids) -> dict[str, dict]:
    """The parcels ``ids`` (those present) by id: land use, status and WGS84 geometry."""
    if not isinstance(parcels, pd.DataFrame) or "parcel_id" not in parcels:
        return {}
    require_crs(parcels, "地块图层 parcels")
    frame = parcels[parcels["parcel_id"].astype(str).isin(set(ids))].to_crs(WGS84)
    columns = [c for c in ("land_use", "status") if c in frame.columns]
    out = {}
    for pid, geom, values in zip(
        frame["parcel_id"].astype(str),
        frame.geometry.to_numpy(),
        frame[columns].to_dict("records"),
        strict=True,
    ):
        out[pid] = {**values, "geometry": geom}
    return out


def _cap_of(far_caps: Mapping | Callable, parcel_id: str) -> float | None:
    cap = far_caps(parcel_id) if callable(far_caps) else far_caps.get(parcel_id)
    if cap is None or pd.isna(cap):
        return None
    return float(cap)


def _far_warnings(
    edit: Edit, targets: list[_Target], far_caps: Mapping | Callable
) -> list[EditWarning]:
    target = edit.attributes.get("far_target")
    if target is None:
        return []
    requested = float(target)
    over: dict[float, list[str]] = {}
    for t in targets:
        cap = _cap_of(far_caps, t.parcel_id)
        if cap is not None and requested > cap + _FAR_TOLERANCE:
            over.setdefault(cap, []).append(t.parcel_id)
    warnings = []
    for cap, ids in sorted(over.items()):
        zh_ids, en_ids = _id_list(tuple(ids), "、", limit=5), _id_list(tuple(ids), ", ", limit=5)
        warnings.append(
            EditWarning(
                FAR_ABOVE_CAP,
                tuple(ids),
                f"地块 {zh_ids}：目标容积率 {requested:g} 高于该地块上限 {cap:g}，按 {cap:g} 计算",
                f"parcels {en_ids}: the target FAR {requested:g} is above the parcel's cap "
                f"{cap:g}; {cap:g} applies",
                applied_value=cap,
                requested_value=requested,
            )
        )
    return warnings


def _is_industrial(t: _Target) -> bool:
    return t.land_use in INDUSTRIAL_LAND_USES and t.status != "non_industrial"


def _line_union(constraints: Any, kinds: tuple[str, ...]) -> BaseGeometry | None:
    """The union of the polygons of ``kinds`` in the constraints layer, EPSG:4547."""
    if (
        not isinstance(constraints, pd.DataFrame)
        or "kind" not in constraints
        or not len(constraints)
    ):
        return None
    require_crs(constraints, "约束图层 constraints")
    chosen = constraints.loc[constraints["kind"].isin(kinds)]
    if not len(chosen):
        return None
    metric = to_metric_geometries(chosen.geometry.to_numpy(), chosen.crs)
    polygons = [polygonal_parts(shapely.make_valid(g)) for g in metric if g is not None]
    polygons = [p for p in polygons if p is not None and not p.is_empty]
    return shapely.union_all(np.array(polygons, dtype=object)) if polygons else None


def _line_warnings(edit: Edit, targets: list[_Target], constraints: Any) -> list[EditWarning]:
    if edit.kind not in (SET_ATTRIBUTES, ADD_PARCEL, MERGE_PARCELS):
        return []
    if edit.kind == SET_ATTRIBUTES and not {"land_use", "status"} & set(edit.attributes):
        return []
    chosen = [t for t in targets if _is_industrial(t) and t.geometry is not None]
    if not chosen:
        return []
    eco = _line_union(constraints, _ECO_KINDS)
    block = _line_union(constraints, _BLOCK_KINDS)
    if eco is None and block is None:
        return []
    geoms = shapely.make_valid(to_metric_geometries(np.array([t.geometry for t in chosen])))
    inside_eco = [] if eco is None else shapely.area(shapely.intersection(geoms, eco))
    outside_block = [] if block is None else shapely.area(shapely.difference(geoms, block))
    warnings = []
    for i, t in enumerate(chosen):
        if eco is not None and inside_eco[i] > CONSTRAINT_WARNING_M2:
            area = float(inside_eco[i])
            warnings.append(
                EditWarning(
                    INDUSTRIAL_IN_ECO_LINE,
                    (t.parcel_id,),
                    f"地块 {t.parcel_id} 为工业用地，其中约 {area:,.0f} m²（{area / 1e4:.2f} ha）"
                    "位于基本生态控制线内",
                    f"parcel {t.parcel_id} is industrial land and about {area:,.0f} m² "
                    f"({area / 1e4:.2f} ha) of it lies inside the basic ecological control line",
                    area_m2=area,
                )
            )
    for i, t in enumerate(chosen):
        if block is not None and outside_block[i] > CONSTRAINT_WARNING_M2:
            area = float(outside_block[i])
            warnings.append(
                EditWarning(
                    INDUSTRIAL_OUTSIDE_BLOCK_LINE,
                    (t.parcel_id,),
                    f"地块 {t.parcel_id} 为工业用地，其中约 {area:,.0f} m²（{area / 1e4:.2f} ha）"
                    "位于工业区块线之外",
                    f"parcel {t.parcel_id} is industrial land and about {area:,.0f} m² "
                    f"({area / 1e4:.2f} ha) of it lies outside the industrial block lines",
                    area_m2=area,
                )
            )
    return warnings


def eco_line_overlap_m2(geoms_m: np.ndarray, constraints: Any) -> np.ndarray:
    """Area (m²) of each EPSG:4547 polygon inside the basic ecological control line.

    The measure of the ``industrial_in_eco_line`` warning, for callers that screen many
    parcels at once (site matching): an overlap above :data:`CONSTRAINT_WARNING_M2` puts
    industrial land inside the line. Zeros when the constraints hold no eco-line polygon.
    """
    geoms_m = np.asarray(geoms_m, dtype=object)
    eco = _line_union(constraints, _ECO_KINDS)
    if eco is None or len(geoms_m) == 0:
        return np.zeros(len(geoms_m))
    out = np.zeros(len(geoms_m))
    hit = np.flatnonzero(shapely.intersects(geoms_m, eco))
    if len(hit):
        out[hit] = shapely.area(shapely.intersection(shapely.make_valid(geoms_m[hit]), eco))
    return out
