"""Applying a scenario: replay its edits on the baseline parcels and report what did not fit.

Edits are replayed in order on a working copy of the parcels indexed by id; each kind has
one handler; new parcels get their park by the one park rule (:mod:`layers.zoning`).
Parcels are compared before and after on the attributes the analyses read, so the changes
list holds what really changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_geometry

from geo.crs import WGS84, require_crs, to_metric_geometries
from geo.errors import InputError
from geo.geometry import polygonal_parts
from layers.catalog import LayerSet
from layers.scenario._edits import (
    ADD_PARCEL,
    CHANGE_LABELS,
    DEFAULT_DENSITY_ZONE,
    MERGE_PARCELS,
    OVERLAP_WARNING_M2,
    REMOVE_PARCEL,
    SCENARIO_SOURCE,
    SET_ATTRIBUTES,
    SPLIT_PARCEL,
    _as_geometry,
    _id_list,
    metric_area_m2,
)
from layers.scenario._model import Scenario
from layers.zoning import ParkZones

__all__ = ["AppliedScenario", "Problem", "apply", "select_parcels"]

# --- applying ---------------------------------------------------------------------------


class Problem(NamedTuple):
    """An edit that could not be applied in full.

    ``index`` is the edit's position (0-based) in the scenario ``scenario_id`` (the one
    applied, or one of its bases); ``message`` is Chinese, then `` / `` and English.
    ``applied`` is False when the edit changed nothing at all (every parcel it names is
    gone, its new id is taken, the line misses the parcel), True when it applied in part
    or applied with a warning (a drawn parcel overlapping others).
    """

    index: int
    message: str
    scenario_id: str
    applied: bool = True


@dataclass(frozen=True)
class AppliedScenario:
    """The result of :func:`apply`.

    Attributes
    ----------
    layers : LayerSet
        The base layers with the scenario's parcels (validated; ``is_demo`` kept).
    problems : tuple of Problem
        Edits (of this scenario or its bases) that did not apply in full, in order.
    added, removed, modified : tuple of str
        Parcel ids new in the scenario, gone from it, or present in both with a changed
        attribute or geometry; each sorted.
    changes : GeoDataFrame
        The map of what changed (EPSG:4326): ``parcel_id``, ``change`` (``added``,
        ``removed``, ``modified``), ``change_zh`` (新增, 删除, 修改) and the geometry —
        from the scenario, or from the base for removed parcels.
    """

    layers: LayerSet
    problems: tuple[Problem, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    modified: tuple[str, ...]
    changes: gpd.GeoDataFrame

    @property
    def changed_parcel_ids(self) -> tuple[str, ...]:
        """Every parcel id added, removed or modified, sorted."""
        return tuple(sorted({*self.added, *self.removed, *self.modified}))

    @property
    def parcels(self) -> gpd.GeoDataFrame:
        return self.layers.parcels


def apply(
    scenario: Scenario,
    base: LayerSet,
    *,
    resolve_base: Callable[[str], Scenario] | None = None,
) -> AppliedScenario:
    """Replay a scenario's edits (after those of its base scenarios) on ``base.parcels``.

    Parameters
    ----------
    scenario : Scenario
    base : LayerSet
        The baseline layers; ``parks`` (when present) gives drawn parcels their park.
    resolve_base : callable, optional
        ``resolve_base(base_id) -> Scenario``, e.g. ``store.open``; needed when the scenario
        (or one of its bases) builds on another scenario.

    Returns
    -------
    AppliedScenario

    Raises
    ------
    InputError
        No parcel layer; a base scenario that cannot be resolved; a cycle of bases.
    """
    if not isinstance(base, LayerSet) or base.parcels is None:
        raise InputError(
            "没有基础地块图层：请先加载地块数据。",
            "No baseline parcel layer: load the parcels first.",
        )
    chain = _base_chain(scenario, resolve_base)
    frame = _working_frame(base.parcels)
    context = _Context(base.parks, frame)
    problems: list[Problem] = []
    touched: set[str] = set()
    for owner in chain:
        prefix = "" if owner.id == scenario.id else f"[基础情景 base「{owner.name}」] "
        for index, edit in enumerate(owner.edits):
            before = frame.index
            touched_now: set[str] = set()
            frame, messages = _HANDLERS[edit.kind](frame, edit, context, touched_now)
            # An edit had an effect when it touched a parcel or removed one.
            effective = bool(touched_now) or not frame.index.equals(before)
            touched |= touched_now
            problems.extend(Problem(index, prefix + m, owner.id, effective) for m in messages)

    base_ids = pd.Index(base.parcels["parcel_id"].astype(str))
    added = sorted(set(frame.index) - set(base_ids))
    removed = sorted(set(base_ids) - set(frame.index))
    modified = _modified(base.parcels, frame, touched)
    out = gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=frame.geometry.name, crs=WGS84)
    before = base.parcels.to_crs(WGS84)
    before = before.set_index(before["parcel_id"].astype(str)).geometry
    after = frame.geometry
    kinds = ["added"] * len(added) + ["removed"] * len(removed) + ["modified"] * len(modified)
    changes = gpd.GeoDataFrame(
        {
            "parcel_id": [*added, *removed, *modified],
            "change": kinds,
            "change_zh": [CHANGE_LABELS[k][0] for k in kinds],
        },
        geometry=[*after.loc[added], *before.loc[removed], *after.loc[modified]],
        crs=WGS84,
    )
    return AppliedScenario(
        layers=base.with_layer("parcels", out),
        problems=tuple(problems),
        added=tuple(added),
        removed=tuple(removed),
        modified=tuple(modified),
        changes=changes,
    )


def _base_chain(
    scenario: Scenario, resolve_base: Callable[[str], Scenario] | None
) -> list[Scenario]:
    chain = [scenario]
    seen = {scenario.id}
    current = scenario
    while current.base_id is not None:
        if resolve_base is None:
            raise InputError(
                f"情景「{current.name}」建立在另一个情景之上，需要提供读取基础情景的方法。",
                f"Scenario '{current.name}' builds on another scenario; pass resolve_base.",
            )
        if current.base_id in seen:
            raise InputError(
                f"情景「{current.name}」的基础情景形成循环，请改为以基准现状为基础。",
                f"The bases of scenario '{current.name}' form a cycle; base it on the "
                "baseline instead.",
            )
        parent = resolve_base(current.base_id)
        if not isinstance(parent, Scenario) or parent.id != current.base_id:
            raise InputError(
                f"找不到基础情景 {current.base_id}。", f"Base scenario {current.base_id} not found."
            )
        seen.add(parent.id)
        chain.append(parent)
        current = parent
    return chain[::-1]


def _working_frame(parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    require_crs(parcels, "地块图层 parcels")
    frame = parcels.to_crs(WGS84) if parcels.crs.to_epsg() != 4326 else parcels.copy()
    frame["parcel_id"] = frame["parcel_id"].astype(str)
    defaults = {
        "highrise": False,
        "far_target": np.nan,
        "guided_cluster": None,
        "name": None,
        "source": None,
    }
    for column, value in defaults.items():
        if column not in frame.columns:
            frame[column] = value
    frame["far_target"] = frame["far_target"].astype(float)
    frame["guided_cluster"] = frame["guided_cluster"].astype(object)
    frame.index = pd.Index(frame["parcel_id"].to_numpy(dtype=object), name=None)
    return frame


class _Context:
    """What new parcels need from the base: the parks (one park rule) and each park's zone."""

    def __init__(self, parks: gpd.GeoDataFrame | None, parcels: gpd.GeoDataFrame) -> None:
        self.parks = (
            ParkZones.from_layer(parks)
            if parks is not None and len(parks) and "park_id" in parks.columns
            else None
        )
        zones = (
            pd.to_numeric(parcels["density_zone"], errors="coerce")
            if "density_zone" in parcels.columns
            else pd.Series(dtype=float)
        )
        by_park = pd.DataFrame({"park": parcels.get("park_id"), "zone": zones}).dropna()
        # The smallest zone wins a tie so the choice is reproducible.
        self.zone_of_park = {
            str(p): int(g.value_counts().sort_index().idxmax())
            for p, g in by_park.groupby("park")["zone"]
        }

    def park_of(self, geom_metric: BaseGeometry) -> str | None:
        """The park of a new parcel by the same rule as an import (:mod:`layers.zoning`)."""
        if self.parks is None:
            return None
        park = self.parks.assign(np.array([geom_metric], dtype=object))[0]
        return None if park is None else str(park)

    def zone_of(self, park_id: str | None) -> int:
        return (
            self.zone_of_park.get(park_id, DEFAULT_DENSITY_ZONE)
            if park_id
            else DEFAULT_DENSITY_ZONE
        )


def _missing_message(missing: list[str], what_zh: str, what_en: str) -> str:
    ids_zh = _id_list(tuple(missing), "、", limit=5)
    ids_en = _id_list(tuple(missing), ", ", limit=5)
    return (
        f"地块 {ids_zh} 已不存在，{what_zh}未对其生效 / parcels {ids_en} no longer exist; "
        f"{what_en} did not apply to them"
    )


def _present(frame: gpd.GeoDataFrame, ids: tuple[str, ...]) -> tuple[list[str], list[str]]:
    inside = frame.index.isin(ids)
    here = set(frame.index[inside])
    return [p for p in ids if p in here], [p for p in ids if p not in here]


def _cell(column: str, value: Any) -> Any:
    if column == "far_target":
        return np.nan if value is None else float(value)
    return value


def _apply_set(frame, edit, context, touched):
    present, missing = _present(frame, edit.parcel_ids)
    messages = [_missing_message(missing, "属性修改", "the attribute change")] if missing else []
    if present:
        for column, value in edit.attributes.items():
            frame.loc[present, column] = _cell(column, value)
        touched.update(present)
    return frame, messages


def _apply_remove(frame, edit, context, touched):
    present, missing = _present(frame, edit.parcel_ids)
    messages = [_missing_message(missing, "删除", "the removal")] if missing else []
    return frame.drop(index=present), messages


def _new_rows(frame: gpd.GeoDataFrame, rows: list[dict]) -> gpd.GeoDataFrame:
    added = gpd.GeoDataFrame(rows, geometry=frame.geometry.name, crs=WGS84)
    added.index = pd.Index([r["parcel_id"] for r in rows], dtype=object)
    # Columns the new rows lack (e.g. extra columns of the source file) stay empty.
    return pd.concat([frame, added.reindex(columns=frame.columns)])


def _apply_add(frame, edit, context, touched):
    new_id = edit.parcel_ids[0]
    if new_id in frame.index:
        return frame, [
            f"地块编号 {new_id} 已存在（同一地块重复绘制？），未新增 / parcel id "
            f"{new_id} already exists (drawn twice?); not added"
        ]
    geom = edit.geometry
    metric = to_metric_geometries(geom)
    park_id = context.park_of(metric)
    row = {
        "parcel_id": new_id,
        "park_id": park_id,
        "area_m2": float(shapely.area(metric)),
        "far_current": 0.0,
        "gfa_current_m2": 0.0,
        "density_zone": context.zone_of(park_id),
        "source": SCENARIO_SOURCE,
        frame.geometry.name: geom,
    }
    # A density zone given in the form wins over the park's usual one.
    row.update({k: _cell(k, v) for k, v in edit.attributes.items() if v is not None})
    messages = []
    tree = shapely.STRtree(frame.geometry.to_numpy())
    hits = tree.query(geom, predicate="intersects")
    if len(hits):
        others = to_metric_geometries(frame.geometry.to_numpy()[hits])
        overlap = shapely.area(shapely.intersection(shapely.make_valid(others), metric))
        if overlap.sum() > OVERLAP_WARNING_M2:
            names = tuple(frame.index[hits[overlap > OVERLAP_WARNING_M2]])
            messages.append(
                f"新增地块 {new_id} 已加入，但与现有地块 {_id_list(names, '、')} 重叠约 "
                f"{overlap.sum():,.0f} m²，面积会重复计算；请删除重叠地块或重画 / new parcel "
                f"{new_id} was added but overlaps {_id_list(names, ', ')} by about "
                f"{overlap.sum():,.0f} m², which is counted twice; remove them or redraw"
            )
    touched.add(new_id)
    return _new_rows(frame, [row]), messages


def _apply_split(frame, edit, context, touched):
    parent_id = edit.parcel_ids[0]
    if parent_id not in frame.index:
        return frame, [_missing_message([parent_id], "分割", "the split")]
    parent = frame.loc[parent_id]
    geom = shapely.make_valid(parent[frame.geometry.name])
    parts = [
        p
        for p in shapely.get_parts(split_geometry(geom, edit.geometry))
        if p.geom_type == "Polygon" and not p.is_empty
    ]
    if len(parts) < 2:
        return frame, [
            f"分割线没有把地块 {parent_id} 分成两块以上，未分割；请画一条完整穿过地块的线 / "
            f"the line does not cut parcel {parent_id} in two; draw it right across"
        ]
    centroids = shapely.get_coordinates(shapely.centroid(parts))
    order = np.lexsort((centroids[:, 1], centroids[:, 0]))
    parts = [parts[i] for i in order]
    ids = [f"{parent_id}-{k}" for k in range(1, len(parts) + 1)]
    taken = [p for p in ids if p in frame.index]
    if taken:
        return frame, [
            f"分割后的编号 {'、'.join(taken)} 已存在，未分割 / ids "
            f"{', '.join(taken)} already exist; not split"
        ]
    share = np.array([metric_area_m2(p) for p in parts])
    share = share / share.sum()
    rows = []
    for new_id, part, s in zip(ids, parts, share, strict=True):
        row = parent.to_dict()
        row.update(
            {
                "parcel_id": new_id,
                frame.geometry.name: part,
                "area_m2": float(parent["area_m2"]) * s,
                "gfa_current_m2": float(parent["gfa_current_m2"]) * s,
            }
        )
        rows.append(row)
    touched.update(ids)
    return _new_rows(frame.drop(index=[parent_id]), rows), []


def _apply_merge(frame, edit, context, touched):
    present, missing = _present(frame, edit.parcel_ids)
    attrs = dict(edit.attributes)
    new_id = attrs.pop("parcel_id")
    messages = [_missing_message(missing, "合并", "the merge")] if missing else []
    if len(present) < 2:
        return frame, [
            *messages,
            f"可合并的地块不足两个，未生成 {new_id} / fewer than two of the "
            f"parcels remain; {new_id} not made",
        ]
    if new_id in frame.index and new_id not in present:
        return frame, [
            *messages,
            f"地块编号 {new_id} 已存在，未合并 / parcel id {new_id} already exists; not merged",
        ]
    members = frame.loc[present]
    geoms = shapely.make_valid(members.geometry.to_numpy())
    largest = members.iloc[int(np.argmax(pd.to_numeric(members["area_m2"]).to_numpy()))]
    row = members.iloc[0].to_dict()
    merged = polygonal_parts(shapely.union_all(geoms))
    # The merged parcel's park follows the one park rule; without a parks layer it keeps
    # the park of its largest member.
    park_id = (
        context.park_of(to_metric_geometries(merged))
        if context.parks is not None and merged is not None
        else largest["park_id"]
    )
    area = float(pd.to_numeric(members["area_m2"]).sum())
    gfa = float(pd.to_numeric(members["gfa_current_m2"]).sum())
    row.update(
        {
            "parcel_id": new_id,
            frame.geometry.name: merged,
            "area_m2": area,
            "gfa_current_m2": gfa,
            "far_current": gfa / area if area > 0 else 0.0,
            "park_id": park_id,
            "density_zone": largest["density_zone"],
            **{k: _cell(k, v) for k, v in attrs.items()},
        }
    )
    touched.add(new_id)
    return _new_rows(frame.drop(index=present), [row]), messages


_HANDLERS = {
    SET_ATTRIBUTES: _apply_set,
    ADD_PARCEL: _apply_add,
    REMOVE_PARCEL: _apply_remove,
    SPLIT_PARCEL: _apply_split,
    MERGE_PARCELS: _apply_merge,
}

_COMPARED = (
    "status",
    "land_use",
    "far_target",
    "highrise",
    "guided_cluster",
    "name",
    "density_zone",
    "park_id",
    "area_m2",
    "gfa_current_m2",
)


def _modified(base: gpd.GeoDataFrame, frame: gpd.GeoDataFrame, touched: set[str]) -> list[str]:
    """Touched parcels present before and after whose attributes or geometry changed."""
    ids = sorted(touched & set(frame.index) & set(base["parcel_id"].astype(str)))
    if not ids:
        return []
    before = base.set_index(base["parcel_id"].astype(str)).loc[ids]
    after = frame.loc[ids]
    changed = np.zeros(len(ids), dtype=bool)
    for column in _COMPARED:
        if column in before.columns and column in after.columns:
            changed |= _differs(
                before[column].to_numpy(dtype=object), after[column].to_numpy(dtype=object)
            )
    changed |= ~shapely.equals_exact(before.geometry.to_numpy(), after.geometry.to_numpy(), 0.0)
    return [p for p, c in zip(ids, changed, strict=True) if c]


def _differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise "not the same value", with None, NaN and NA all counting as blank."""
    blank_a, blank_b = pd.isna(a), pd.isna(b)
    out = blank_a != blank_b
    both = np.flatnonzero(~blank_a & ~blank_b)
    out[both] = [x != y for x, y in zip(a[both], b[both], strict=True)]
    return out


def select_parcels(
    parcels: gpd.GeoDataFrame, area: BaseGeometry | Mapping, *, predicate: str = "intersects"
) -> list[str]:
    """Ids of the parcels a drawn rectangle or polygon (WGS84) selects.

    ``predicate`` is ``"intersects"`` (touched by the drawing) or ``"within"`` (wholly
    inside it). Ids are returned in layer order.
    """
    if predicate not in ("intersects", "within"):
        raise InputError(
            "选择方式应为 intersects 或 within。", "predicate must be 'intersects' or 'within'."
        )
    geom = _as_geometry(area, "选择范围", "selection area")
    require_crs(parcels, "地块图层 parcels")
    geoms = parcels.to_crs(WGS84).geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    hits = np.sort(
        tree.query(geom, predicate="intersects" if predicate == "intersects" else "contains")
    )
    return parcels["parcel_id"].astype(str).to_numpy()[hits].tolist()
