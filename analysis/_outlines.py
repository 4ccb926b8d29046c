"""Outlines of contiguous blocks: the union of their parcels, or that union closed.

Only blocks holding parcels whose bounding boxes meet need a real union (disjoint-subset
union, in EPSG:4547); in every other block the parcels are pairwise disjoint, so the
outline is the collection of their parts and its area and perimeter are sums. A closed
outline is the union buffered out and back in by half the tolerance (mitred joins).
Outlines go back to EPSG:4326 and leave valid (:func:`geo.geometry.repair_polygonal`).
"""

from __future__ import annotations

import numpy as np
import shapely

from geo.crs import from_metric_geometries
from geo.geometry import repair_polygonal

__all__: list[str] = []


def _block_outlines(
    geoms: np.ndarray,
    wgs: np.ndarray | None,
    block_index: np.ndarray,
    take: np.ndarray,
    overlap_i: np.ndarray,
    overlap_j: np.ndarray,
    *,
    close_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outline (EPSG:4326), union area (m²) and union perimeter (m) of the blocks in ``take``.

    ``geoms`` are the parcels in EPSG:4547 and ``wgs`` the same parcels as given in
    EPSG:4326 (None when they came in another CRS). ``overlap_i``/``overlap_j`` are the
    parcel pairs whose bounding boxes meet; only blocks holding such a pair need a real
    union. In every other block the parcels are pairwise disjoint, so their union is the
    collection of their parts, its area and perimeter are sums, and its outline can reuse
    the input coordinates instead of projecting them back.
    """
    nb = len(take)
    counts = np.bincount(block_index, minlength=nb)
    merge = np.zeros(nb, dtype=bool)
    same = block_index[overlap_i] == block_index[overlap_j]
    merge[block_index[overlap_i[same]]] = True
    merge &= take & (counts > 1)
    area = np.bincount(block_index, shapely.area(geoms), minlength=nb)
    perimeter = np.bincount(block_index, shapely.length(geoms), minlength=nb)

    metric = np.full(nb, None, dtype=object)
    order = np.argsort(block_index, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    for b in np.flatnonzero(merge):
        members = _repair(geoms[order[starts[b] : starts[b] + counts[b]]])
        # Parcels of one block mostly do not touch (roads lie between them); the disjoint-
        # subset union only overlays the groups that do, many times faster than union_all.
        metric[b] = shapely.disjoint_subset_union_all(members)
    area[merge] = shapely.area(metric[merge])
    perimeter[merge] = shapely.length(metric[merge])

    if close_m > 0:
        collect = take & ~merge
        metric[collect] = _collect(geoms, block_index, counts, collect)[collect]
        half = close_m / 2.0
        metric[take] = shapely.buffer(
            shapely.buffer(metric[take], half, join_style="mitre"), -half, join_style="mitre"
        )
        return repair_polygonal(from_metric_geometries(metric)), area, perimeter

    simple = take & ~merge
    source = (
        wgs
        if wgs is not None
        else from_metric_geometries(np.where(simple[block_index], geoms, None))
    )
    shape = _collect(source, block_index, counts, simple)
    shape[merge] = from_metric_geometries(metric[merge])
    # A union valid in metres can cross itself by nanodegrees once back in lon/lat, and
    # parcels as given may be invalid: every outline leaves valid.
    return repair_polygonal(shape), area, perimeter


def _collect(
    parcel_geoms: np.ndarray, block_index: np.ndarray, counts: np.ndarray, take: np.ndarray
) -> np.ndarray:
    """Per block in ``take``: its only parcel, or a MultiPolygon of its parcels' parts."""
    out = np.full(len(counts), None, dtype=object)
    members = np.flatnonzero(take[block_index])
    members = members[np.argsort(block_index[members], kind="stable")]
    single = counts[block_index[members]] == 1
    out[block_index[members[single]]] = parcel_geoms[members[single]]
    several = members[~single]
    if len(several):
        geoms = parcel_geoms[several]
        multi = shapely.get_type_id(geoms) == 6
        # Splitting copies every part, so only MultiPolygon parcels are split.
        parts, source = shapely.get_parts(geoms[multi], return_index=True)
        block = np.concatenate([block_index[several[~multi]], block_index[several[multi]][source]])
        parts = np.concatenate([geoms[~multi], parts])
        order = np.argsort(block, kind="stable")
        shapely.multipolygons(parts[order], indices=block[order], out=out)
    return out


def _repair(geoms: np.ndarray) -> np.ndarray:
    # Self-intersecting parcels are common in surveyed data and would make the union fail.
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(
            geoms[invalid], method="structure", keep_collapsed=False
        )
    return geoms
