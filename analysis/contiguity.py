"""连片分析: contiguous blocks of industrial land, their size and their fragmentation.

Planners ask where square-kilometre-scale industrial land (平方公里级连片产业空间) could be
assembled by consolidating parcels of given statuses. :func:`contiguous_blocks` answers
with the connected sets ("blocks") of selected parcels, where two parcels are linked when

* their gap is at most ``tolerance_m`` (a branch road between them does not split a
  block), and
* no barrier — trunk road, water, ecological control line; polygons or lines — lies
  across the straight gap between them.

The gap between two parcels is the segment joining their nearest points
(:func:`shapely.shortest_line`). A barrier separates the pair when

* a barrier **polygon** has interior points on the segment's interior (the segment
  *intersects* the polygon and does not merely *touch* it). A road polygon that a parcel
  only touches along its edge therefore does not cut the parcel from its neighbour on the
  same side of the road, even when the nearest points are the corners lying on that edge.
  Parcels and barriers drawn from different surveys overlap by decimetres, so polygons are
  first shrunk by ``snap_m``: a barrier must reach further than that into a gap to count;
* a barrier **line** *crosses* the segment: the line passes through a point inside the
  gap. A road centre line that merely ends at the gap, or runs along the parcel edges on
  one side of it, does not separate the pair (``intersects`` would, and would split every
  row of parcels fronting a road from its neighbours along the road).

Parcels that touch or overlap (gap 0) have no segment; they are separated only when their
whole contact (shared edge, point or overlap) lies within a barrier polygon or within
``snap_m`` of a barrier line — for instance a trunk-road centre line drawn exactly along
the shared edge. Where two facing edges are parallel, many segments are equally short;
GEOS returns one of them (often ending at a corner) and only that one is tested, which is
why the snap tolerance matters for parcels fronting a barrier polygon.

All distances and areas are computed in EPSG:4547; results are returned in EPSG:4326.
Block areas are sums of the parcels' recorded ``area_m2`` (measured where missing).
Self-intersecting parcels are repaired (:func:`shapely.make_valid`) where they must be
dissolved with a neighbour they touch; elsewhere they are used as given — repairing
geometry belongs to import.

Candidate pairs come from one STRtree bulk query of the parcels' bounding boxes grown by
the tolerance; exact distances are tested with :func:`shapely.dwithin` in two rounds
(pairs facing each other first; the rest only where they would join different
components); components come from :func:`scipy.sparse.csgraph.connected_components`.

The fragmentation index is Jaeger's effective mesh size (Jaeger 2000, Landscape Ecology
15:115–130), ``m_eff = Σ Aᵢ² / A_total``, with ``A_total`` the total selected area: the
expected size of the block a randomly chosen hectare of selected land belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from analysis._outlines import _block_outlines
from analysis._params import code_param, number_param
from geo.crs import (
    WGS84,
    require_crs,
    to_metric_geometries,
)
from geo.errors import InputError
from layers.schema import (
    BARRIER_KINDS,
    CONSTRAINT_KIND,
    INDUSTRIAL_LAND_USES,
    LAND_USE,
    STATUS,
    Code,
    CodeList,
)

__all__ = [
    "KM2_MIN_HA",
    "LARGE_MIN_HA",
    "SIZE_CLASS",
    "TOLERANCE_M",
    "ContiguityResult",
    "contiguous_blocks",
    "effective_mesh_size_ha",
]

#: Default gap tolerance of the 连片 rule, metres: two parcels this close join (a branch
#: road may lie between them).
TOLERANCE_M = 20.0
#: Smallest block area of the 平方公里级 (km-scale) class, hectares.
KM2_MIN_HA = 100.0
#: Smallest block area of the ``large`` class, hectares.
LARGE_MIN_HA = 10.0

SIZE_CLASS = CodeList(
    "size_class",
    "连片规模",
    (
        Code("km2", "平方公里级 (≥100 公顷)", "km-scale (≥ 100 ha)"),
        Code("large", "成片 (10–100 公顷)", "large (10–100 ha)"),
        Code("small", "零散 (<10 公顷)", "small (< 10 ha)"),
    ),
)

_M2_PER_HA = 10_000.0
_POLYGON_TYPES = (3, 6)  # shapely type ids: Polygon, MultiPolygon
_LINE_TYPES = (1, 2, 5)  # LineString, LinearRing, MultiLineString


@dataclass(frozen=True)
class ContiguityResult:
    """Blocks of contiguous parcels and their summary.

    Attributes
    ----------
    blocks : GeoDataFrame
        One row per block, EPSG:4326, ordered by ``block_id`` (1 = largest). Columns:
        ``block_id`` (int), ``area_ha`` (sum of the parcels' areas), ``parcel_count``,
        ``compactness`` (Polsby-Popper 4πA/P² of the union of the parcels, 0–1),
        ``size_class`` (``km2`` ≥ 100 ha, ``large`` ≥ 10 ha, ``small``), ``park_id`` (the
        park holding most of the block's area, or None), ``park_ids`` (every park the
        block's parcels belong to, comma-separated, sorted), one ``<status>_area_ha``
        column per selected status, and the geometry.
    parcel_block : Series
        ``block_id`` of every selected parcel in a listed block, indexed by ``parcel_id``.
    summary : dict
        Totals for the whole selection and, under ``"by_park"``, for each park; see
        :func:`contiguous_blocks`.
    """

    blocks: gpd.GeoDataFrame
    parcel_block: pd.Series
    summary: dict

    def park_table(self) -> pd.DataFrame:
        """The per-park figures of :attr:`summary` as a table indexed by ``park_id``."""
        table = pd.DataFrame.from_dict(self.summary["by_park"], orient="index")
        table.index.name = "park_id"
        return table


@dataclass(frozen=True)
class _Barriers:
    polygons: np.ndarray  # shrunk by snap_m; tested against gap segments
    lines: np.ndarray
    contact: np.ndarray  # shrunk polygons and lines grown by snap_m; tested against contacts
    polygon_tree: shapely.STRtree
    line_tree: shapely.STRtree
    contact_tree: shapely.STRtree


def effective_mesh_size_ha(area_ha: Iterable[float], total_ha: float | None = None) -> float:
    """Jaeger's effective mesh size ``m_eff = Σ Aᵢ² / A_total``, hectares.

    Parameters
    ----------
    area_ha : iterable of float
        Areas of the blocks (patches), hectares.
    total_ha : float, optional
        Area of the reference region, hectares; by default the sum of ``area_ha``.

    Returns
    -------
    float
        The effective mesh size in hectares; 0.0 when the total area is 0.
    """
    areas = np.fromiter(area_ha, dtype=float)
    total = float(areas.sum()) if total_ha is None else float(total_ha)
    if total <= 0.0:
        return 0.0
    return float(np.square(areas).sum() / total)


def contiguous_blocks(
    parcels: gpd.GeoDataFrame,
    *,
    tolerance_m: float = TOLERANCE_M,
    statuses: Iterable[str] | str | None = None,
    land_uses: Iterable[str] | str | None = None,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    min_block_area_ha: float = 0.0,
    outline: Literal["union", "closed"] = "union",
    snap_m: float = 0.5,
) -> ContiguityResult:
    """Group selected parcels into contiguous blocks (连片) and measure them.

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcel layer (Polygon/MultiPolygon, any CRS) with ``parcel_id``, ``status`` and
        ``land_use``; ``area_m2`` and ``park_id`` are used when present (missing areas are
        measured from the geometry in EPSG:4547).
    tolerance_m : float
        Largest gap between two parcels of one block, metres. 0 links touching parcels only.
    statuses : iterable of str, optional
        Status codes (or their labels) to select; None selects every status.
    land_uses : iterable of str, optional
        Land-use codes to select; None selects the industrial ones (M1, M0, W).
    barriers : GeoDataFrame or GeoSeries, optional
        Polygons and lines that separate land, in any CRS. When a ``kind`` column is
        present only rows of kind ``eco_line``, ``water`` and ``trunk_road`` are used, so
        the constraints layer can be passed as it is.
    min_block_area_ha : float
        Blocks smaller than this (hectares) are left out of ``blocks`` and
        ``parcel_block``. The summary always covers every block, so its totals and
        ``m_eff_ha`` do not depend on this display threshold.
    outline : {"union", "closed"}
        Geometry of each block: the union of its parcels, or that union morphologically
        closed by ``tolerance_m`` (grown and shrunk by half of it with mitred corners), an
        outline that spans the roads inside the block. A closed outline is computed per
        block and may bridge a barrier narrower than the tolerance where a block wraps
        around it; it is meant for display. Areas never come from the outline.
    snap_m : float
        Digitising tolerance between parcels and barriers, metres: barrier polygons are
        shrunk by it before testing gaps, and a barrier line within it of a whole contact
        separates touching parcels.

    Returns
    -------
    ContiguityResult
        ``summary`` holds ``tolerance_m``, ``parcel_count``, ``total_area_ha``,
        ``block_count``, ``block_count_km2``/``_large``/``_small``,
        ``km2_area_ha``/``large_area_ha``/``small_area_ha`` (area in blocks of each class),
        ``largest_block_id``, ``largest_block_area_ha``, ``m_eff_ha`` and ``by_park``: for
        each ``park_id`` the same keys, where each parcel's area counts towards its own
        park, a block is counted (and can be the largest) in the park holding most of its
        area, and ``m_eff_ha`` uses the cross-boundary-connections form
        ``Σ aᵢ·Aᵢ / A_park`` (Moser et al. 2007, Landscape Ecology 22:447–459), where
        ``aᵢ`` is the block's area inside the park and ``Aᵢ`` its whole area — a block
        straddling a park boundary is one block for the planner, not two.

    Raises
    ------
    InputError
        When the parcel layer is missing or empty, has no CRS, lacks a required column,
        holds non-polygon or empty geometries or duplicate ids; when a status or land use
        is unknown or none is given; when a number parameter is negative; when barriers
        have no CRS or hold geometries other than polygons and lines. A selection that
        matches no parcel is not an error: it gives an empty result with zero totals.
    """
    tolerance_m = number_param(tolerance_m, "tolerance_m", "连片容差")
    min_block_area_ha = number_param(min_block_area_ha, "min_block_area_ha", "最小连片面积")
    snap_m = number_param(snap_m, "snap_m", "屏障捕捉容差")
    if outline not in ("union", "closed"):
        raise InputError(
            f"轮廓类型「{outline}」无效，可选 union（地块合并）或 closed（闭合轮廓）。",
            f"Unknown outline '{outline}'; use 'union' or 'closed'.",
        )
    _check_parcels(parcels)
    status_codes = (
        code_param(statuses, STATUS, "statuses", "地块状态")
        if statuses is not None
        else STATUS.codes
    )
    use_codes = (
        code_param(land_uses, LAND_USE, "land_uses", "用地性质")
        if land_uses is not None
        else list(INDUSTRIAL_LAND_USES)
    )
    bar = _prepare_barriers(barriers, snap_m)

    mask = (parcels["status"].isin(status_codes) & parcels["land_use"].isin(use_codes)).to_numpy()
    selected = parcels.loc[mask]
    ids = selected["parcel_id"].astype(str).to_numpy(dtype=object)
    given = np.asarray(selected.geometry.array)
    # Z is dropped: blocks are measured in plan.
    geoms = to_metric_geometries(shapely.force_2d(given), parcels.crs)
    area_m2 = _parcel_area_m2(selected, geoms)
    park = (
        selected["park_id"]
        if "park_id" in selected.columns
        else pd.Series(None, index=selected.index, dtype=object)
    )

    i, j, overlap_i, overlap_j = _links(geoms, tolerance_m, bar)
    raw = _components(len(geoms), i, j)
    block_index, block_area_m2 = _ordered_blocks(raw, area_m2, ids)
    nb = len(block_area_m2)

    blocks = pd.DataFrame(
        {
            "block_id": np.arange(1, nb + 1, dtype=np.int64),
            "area_ha": block_area_m2 / _M2_PER_HA,
            "parcel_count": np.bincount(block_index, minlength=nb).astype(np.int64),
        }
    )
    blocks["size_class"] = _size_class(blocks["area_ha"].to_numpy())
    park_codes, park_names = pd.factorize(park.astype(object).where(park.notna(), None), sort=True)
    park_area = _block_park_area(block_index, park_codes, area_m2)
    dominant, listed = _block_parks(park_area, park_names, nb)
    blocks["park_id"] = dominant
    blocks["park_ids"] = listed
    status_values = selected["status"].to_numpy(dtype=object)
    for code in status_codes:
        weights = np.where(status_values == code, area_m2, 0.0)
        blocks[f"{code}_area_ha"] = np.bincount(block_index, weights, minlength=nb) / _M2_PER_HA
    summary = _summary(blocks, tolerance_m, park_area, park_names, park_codes, area_m2)

    shown = blocks["area_ha"].to_numpy() >= min_block_area_ha
    wgs = given if parcels.crs.equals(WGS84) else None
    shape, union_area, perimeter = _block_outlines(
        geoms,
        wgs,
        block_index,
        shown,
        overlap_i,
        overlap_j,
        close_m=tolerance_m if outline == "closed" else 0.0,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        compactness = np.where(perimeter > 0, 4.0 * np.pi * union_area / np.square(perimeter), 0.0)
    blocks.insert(3, "compactness", compactness)
    block_frame = gpd.GeoDataFrame(
        blocks.loc[shown].reset_index(drop=True), geometry=shape[shown], crs=WGS84
    )
    parcel_shown = shown[block_index] if nb else np.zeros(0, dtype=bool)
    parcel_block = pd.Series(
        blocks["block_id"].to_numpy()[block_index[parcel_shown]],
        index=pd.Index(ids[parcel_shown], name="parcel_id", dtype=object),
        name="block_id",
        dtype=np.int64,
    )
    return ContiguityResult(blocks=block_frame, parcel_block=parcel_block, summary=summary)


def parcel_links(
    parcels: gpd.GeoDataFrame,
    *,
    tolerance_m: float = TOLERANCE_M,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    snap_m: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of parcels the contiguity rule joins, as the graph of the whole layer.

    The rule is that of :func:`contiguous_blocks` (a gap of at most ``tolerance_m`` metres
    that no barrier cuts), applied to all parcels whatever their status, and every linked
    pair is returned (not only those needed to find components).

    Returns
    -------
    (i, j, area_m2)
        Row positions (``i < j``) of each linked pair, and each parcel's area (m²: the
        recorded ``area_m2`` where valid, else measured in EPSG:4547).
    """
    tolerance_m = number_param(tolerance_m, "tolerance_m", "连片容差")
    snap_m = number_param(snap_m, "snap_m", "屏障捕捉容差")
    _check_parcels(parcels)
    bar = _prepare_barriers(barriers, snap_m)
    geoms = to_metric_geometries(shapely.force_2d(np.asarray(parcels.geometry.array)), parcels.crs)
    i, j, _, _ = _links(geoms, tolerance_m, bar, complete=True)
    return i, j, _parcel_area_m2(parcels, geoms)


# --- input checks ---------------------------------------------------------------------


def _check_parcels(parcels: gpd.GeoDataFrame) -> None:
    if parcels is None or not isinstance(parcels, gpd.GeoDataFrame):
        raise InputError(
            "没有地块图层：请先加载地块数据。",
            "No parcel layer: load the parcels first.",
        )
    if len(parcels) == 0:
        raise InputError(
            "地块图层没有任何地块：请加载含有地块的数据。",
            "The parcel layer holds no parcels; load a layer with parcels.",
        )
    require_crs(parcels, "地块图层 parcels")
    missing = [c for c in ("parcel_id", "status", "land_use") if c not in parcels.columns]
    if missing:
        raise InputError(
            f"地块图层缺少字段 {missing}，请补齐（可先用图层校验导入）。",
            f"The parcel layer lacks the column(s) {missing}; add them (importing through "
            "the layer validation does this).",
        )
    geom = parcels.geometry.array
    bad = np.flatnonzero(shapely.is_missing(geom) | shapely.is_empty(geom))
    if len(bad):
        raise InputError(
            f"地块图层有 {len(bad)} 个空几何（第 {_row_list(bad)} 行），请删除或补画。",
            f"The parcel layer has {len(bad)} empty geometries (rows {_row_list(bad)}); "
            "remove or redraw them.",
        )
    wrong = np.flatnonzero(~np.isin(shapely.get_type_id(geom), _POLYGON_TYPES))
    if len(wrong):
        raise InputError(
            f"地块必须是面（Polygon/MultiPolygon），第 {_row_list(wrong)} 行不是。",
            f"Parcels must be polygons (Polygon/MultiPolygon); rows {_row_list(wrong)} are not.",
        )
    pid = parcels["parcel_id"]
    if pid.isna().any():
        rows = np.flatnonzero(pid.isna().to_numpy())
        raise InputError(
            f"地块编号 parcel_id 为空（第 {_row_list(rows)} 行），每个地块需要唯一编号。",
            f"parcel_id is empty in rows {_row_list(rows)}; every parcel needs a unique id.",
        )
    dup = pid.astype(str).duplicated(keep=False).to_numpy()
    if dup.any():
        examples = sorted(set(pid.astype(str)[dup]))[:5]
        raise InputError(
            f"地块编号 parcel_id 重复：{examples}，每个地块需要唯一编号。",
            f"Duplicate parcel_id values {examples}; every parcel needs a unique id.",
        )


def _row_list(positions: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(str(p + 1) for p in positions[:limit])
    return shown + (" …" if len(positions) > limit else "")


def _prepare_barriers(
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None, snap_m: float
) -> _Barriers | None:
    if barriers is None:
        return None
    if not isinstance(barriers, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise InputError(
            "屏障应为 GeoDataFrame 或 GeoSeries（例如约束图层）。",
            "Barriers must be a GeoDataFrame or GeoSeries (for example the constraints layer).",
        )
    require_crs(barriers, "屏障图层 barriers")
    geom = barriers.geometry
    if isinstance(barriers, gpd.GeoDataFrame) and "kind" in barriers.columns:
        # Labels such as 主干道 are accepted as well as codes, as on import.
        kind = barriers["kind"].map(CONSTRAINT_KIND.normalise)
        geom = geom[kind.isin(BARRIER_KINDS).to_numpy()]
    arr = np.asarray(geom.array)
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    types = shapely.get_type_id(arr)
    wrong = np.flatnonzero(~np.isin(types, _POLYGON_TYPES + _LINE_TYPES))
    if len(wrong):
        found = sorted({shapely.GeometryType(t).name for t in types[wrong].tolist()})
        raise InputError(
            f"屏障只能是面或线，发现 {len(wrong)} 个其他几何（{', '.join(found)}）。",
            f"Barriers must be polygons or lines; found {len(wrong)} other geometries "
            f"({', '.join(found)}).",
        )
    arr = to_metric_geometries(shapely.force_2d(arr), barriers.crs)
    is_poly = np.isin(types, _POLYGON_TYPES)
    polygons = arr[is_poly]
    if snap_m > 0 and len(polygons):
        polygons = shapely.buffer(polygons, -snap_m)
        polygons = polygons[~shapely.is_empty(polygons)]
    lines = arr[~is_poly]
    line_zone = shapely.buffer(lines, snap_m) if snap_m > 0 else lines
    contact = np.concatenate([polygons, line_zone])
    if len(contact) == 0:
        return None
    for geoms in (polygons, lines, contact):
        shapely.prepare(geoms)
    return _Barriers(
        polygons=polygons,
        lines=lines,
        contact=contact,
        polygon_tree=shapely.STRtree(polygons),
        line_tree=shapely.STRtree(lines),
        contact_tree=shapely.STRtree(contact),
    )


# --- geometry plumbing ----------------------------------------------------------------


def _parcel_area_m2(selected: gpd.GeoDataFrame, geoms: np.ndarray) -> np.ndarray:
    measured = shapely.area(geoms)
    if "area_m2" not in selected.columns:
        return measured
    # The recorded area (宗地面积) is the official figure; geometry only fills gaps.
    given = pd.to_numeric(selected["area_m2"], errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(given) & (given >= 0), given, measured)


# --- links ----------------------------------------------------------------------------


def _links(
    geoms: np.ndarray, tolerance_m: float, bar: _Barriers | None, *, complete: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Parcel pairs (i < j) joined by a gap ≤ tolerance that no barrier cuts.

    By default only the pairs needed for the components are tested (diagonal candidates
    only where they would join two components); ``complete=True`` tests and returns every
    linked pair, for callers that need the whole graph (land assembly).

    Returns the linked pairs ``i, j`` and, as a by-product for building outlines, the
    pairs ``oi, oj`` whose bounding boxes meet (for tolerance 0: the pairs that touch),
    whether linked or not.
    """
    n = len(geoms)
    empty = np.zeros(0, dtype=np.intp)
    if n < 2:
        return empty, empty, empty, empty
    tree = shapely.STRtree(geoms)
    if tolerance_m == 0:
        left, right = tree.query(geoms, predicate="intersects")
        keep = left < right
        i, j = left[keep], right[keep]
        near = _near_barrier(bar, tree, 0.0, n)
        ok = ~_blocked_where_near(geoms, i, j, bar, near)
        return i[ok], j[ok], i, j

    bounds = shapely.bounds(geoms)
    grown = shapely.box(
        bounds[:, 0] - tolerance_m,
        bounds[:, 1] - tolerance_m,
        bounds[:, 2] + tolerance_m,
        bounds[:, 3] + tolerance_m,
    )
    left, right = tree.query(grown)
    keep = left < right
    i, j = left[keep], right[keep]
    dx = np.maximum(0.0, np.maximum(bounds[j, 0] - bounds[i, 2], bounds[i, 0] - bounds[j, 2]))
    dy = np.maximum(0.0, np.maximum(bounds[j, 1] - bounds[i, 3], bounds[i, 1] - bounds[j, 3]))
    # The gap between bounding boxes never exceeds the gap between the parcels.
    close = np.hypot(dx, dy) <= tolerance_m * (1 + 1e-12)
    i, j, dx, dy = i[close], j[close], dx[close], dy[close]
    overlap = (dx == 0) & (dy == 0)
    near = _near_barrier(bar, tree, tolerance_m, n)

    def accept(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ok = shapely.dwithin(geoms[a], geoms[b], tolerance_m)
        ok[ok] = ~_blocked_where_near(geoms, a[ok], b[ok], bar, near)
        return ok

    # Neighbours facing each other across a road usually link every parcel of a block;
    # the remaining (diagonal) candidates are tested only where they would join two
    # components, which saves a third of the exact distance tests on a street grid.
    facing = (dx == 0) | (dy == 0)
    fi, fj = i[facing], j[facing]
    ok_first = accept(fi, fj)
    fi, fj = fi[ok_first], fj[ok_first]
    first = _components(n, fi, fj)
    rest = ~facing
    if not complete:
        rest[rest] = first[i[rest]] != first[j[rest]]
    ri, rj = i[rest], j[rest]
    ok_rest = accept(ri, rj)
    return (
        np.concatenate([fi, ri[ok_rest]]),
        np.concatenate([fj, rj[ok_rest]]),
        i[overlap],
        j[overlap],
    )


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Component label of each of ``n`` nodes linked by the pairs (i, j)."""
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _near_barrier(
    bar: _Barriers | None, tree: shapely.STRtree, tolerance_m: float, n: int
) -> np.ndarray:
    """Parcels within the tolerance of a barrier.

    A gap segment no longer than the tolerance that meets a barrier has both ends within
    the tolerance of it, and a contact inside a barrier lies in both parcels; so a pair
    can only be cut when both its parcels are flagged here. Querying with the few barriers
    prepares each of them once, and a district-wide road polygon flags only the parcels
    along its roads, not every parcel in its bounding box.
    """
    near = np.zeros(n, dtype=bool)
    if bar is None:
        return near
    if tolerance_m > 0:
        hits = tree.query(bar.contact, predicate="dwithin", distance=tolerance_m)[1]
    else:
        hits = tree.query(bar.contact, predicate="intersects")[1]
    near[hits] = True
    return near


def _blocked_where_near(
    geoms: np.ndarray, i: np.ndarray, j: np.ndarray, bar: _Barriers | None, near: np.ndarray
) -> np.ndarray:
    out = np.zeros(len(i), dtype=bool)
    if bar is None or len(i) == 0:
        return out
    test = np.flatnonzero(near[i] & near[j])
    if len(test):
        out[test] = _blocked(geoms[i[test]], geoms[j[test]], bar)
    return out


def _blocked(a: np.ndarray, b: np.ndarray, bar: _Barriers) -> np.ndarray:
    """True where a barrier separates parcel ``a[k]`` from ``b[k]`` (see module notes)."""
    out = np.zeros(len(a), dtype=bool)
    segment = shapely.shortest_line(a, b)
    gap = shapely.length(segment)
    apart = np.flatnonzero(gap > 0)
    if len(apart):
        seg = segment[apart]
        # Barriers come first in each predicate: they are prepared, the segments are not.
        if len(bar.polygons):
            s, p = bar.polygon_tree.query(seg)
            poly = bar.polygons[p]
            inside = shapely.intersects(poly, seg[s]) & ~shapely.touches(poly, seg[s])
            out[apart[s[inside]]] = True
        if len(bar.lines):
            s, k = bar.line_tree.query(seg)
            out[apart[s[shapely.crosses(bar.lines[k], seg[s])]]] = True
    touching = np.flatnonzero(gap == 0)
    if len(touching):
        contact = shapely.intersection(a[touching], b[touching])
        s, z = bar.contact_tree.query(contact)
        out[touching[s[shapely.covers(bar.contact[z], contact[s])]]] = True
    return out


# --- blocks ---------------------------------------------------------------------------


def _ordered_blocks(
    raw: np.ndarray, area_m2: np.ndarray, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Renumber components by descending area, ties by smallest parcel id; 0-based."""
    if len(raw) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=float)
    nb = int(raw.max()) + 1
    area = np.bincount(raw, area_m2, minlength=nb)
    _, id_rank = np.unique(ids.astype(str), return_inverse=True)
    first_id = np.full(nb, len(ids), dtype=np.intp)
    np.minimum.at(first_id, raw, id_rank)
    # Rounding keeps the order stable when summation order changes the last bits.
    order = np.lexsort((first_id, -np.round(area, 3)))
    rank = np.empty(nb, dtype=np.intp)
    rank[order] = np.arange(nb)
    return rank[raw], area[order]


def _size_class(area_ha: np.ndarray) -> np.ndarray:
    return np.select(
        [area_ha >= KM2_MIN_HA, area_ha >= LARGE_MIN_HA], ["km2", "large"], "small"
    ).astype(object)


def _block_park_area(
    block_index: np.ndarray, park_codes: np.ndarray, area_m2: np.ndarray
) -> pd.Series:
    """Area (m²) of each block inside each park, indexed by (block, park code)."""
    inside = park_codes >= 0
    frame = pd.DataFrame(
        {
            "block": block_index[inside],
            "park": park_codes[inside],
            "area": area_m2[inside],
        }
    )
    return frame.groupby(["block", "park"], sort=True)["area"].sum()


def _block_parks(
    park_area: pd.Series, park_names: pd.Index, nb: int
) -> tuple[np.ndarray, np.ndarray]:
    dominant = np.full(nb, None, dtype=object)
    listed = np.full(nb, None, dtype=object)
    if len(park_area) == 0:
        return dominant, listed
    frame = park_area.reset_index()
    frame["name"] = np.asarray(park_names, dtype=object)[frame["park"].to_numpy()]
    # Ties go to the first park id in sort order, so the choice is reproducible.
    top = frame.sort_values(["block", "area", "park"], ascending=[True, False, True])
    top = top.drop_duplicates("block")
    dominant[top["block"].to_numpy()] = top["name"].to_numpy()
    joined = frame.groupby("block", sort=True)["name"].agg(",".join)
    listed[joined.index.to_numpy()] = joined.to_numpy()
    return dominant, listed


# --- summary --------------------------------------------------------------------------


def _class_figures(area_ha: np.ndarray, size_class: np.ndarray, block_id: np.ndarray) -> dict:
    figures: dict = {"block_count": len(area_ha)}
    for code in SIZE_CLASS.codes:
        figures[f"block_count_{code}"] = int((size_class == code).sum())
    for code in SIZE_CLASS.codes:
        figures[f"{code}_area_ha"] = float(area_ha[size_class == code].sum())
    if len(area_ha):
        top = int(np.argmax(area_ha))
        figures["largest_block_id"] = int(block_id[top])
        figures["largest_block_area_ha"] = float(area_ha[top])
    else:
        figures["largest_block_id"] = None
        figures["largest_block_area_ha"] = 0.0
    return figures


def _summary(
    blocks: pd.DataFrame,
    tolerance_m: float,
    park_area: pd.Series,
    park_names: pd.Index,
    park_codes: np.ndarray,
    area_m2: np.ndarray,
) -> dict:
    area_ha = blocks["area_ha"].to_numpy()
    size_class = blocks["size_class"].to_numpy()
    block_id = blocks["block_id"].to_numpy()
    total_ha = float(area_m2.sum() / _M2_PER_HA)
    summary: dict = {
        "tolerance_m": tolerance_m,
        "parcel_count": len(area_m2),
        "total_area_ha": total_ha,
        **_class_figures(area_ha, size_class, block_id),
        "m_eff_ha": effective_mesh_size_ha(area_ha, total_ha),
    }
    by_park: dict = {}
    inside = park_codes >= 0
    count = np.bincount(park_codes[inside], minlength=len(park_names))
    park_total_ha = (
        np.bincount(park_codes[inside], area_m2[inside], minlength=len(park_names)) / _M2_PER_HA
    )
    pa = park_area.reset_index()
    pa_block = pa["block"].to_numpy()
    pa_park = pa["park"].to_numpy()
    pa_ha = pa["area"].to_numpy() / _M2_PER_HA
    dominant = blocks["park_id"].to_numpy()
    for code, name in enumerate(park_names):
        mine = dominant == name
        rows = pa_park == code
        cross = float((pa_ha[rows] * area_ha[pa_block[rows]]).sum())
        by_park[str(name)] = {
            "parcel_count": int(count[code]),
            "total_area_ha": float(park_total_ha[code]),
            **_class_figures(area_ha[mine], size_class[mine], block_id[mine]),
            "m_eff_ha": cross / park_total_ha[code] if park_total_ha[code] > 0 else 0.0,
        }
    summary["by_park"] = by_park
    return summary
