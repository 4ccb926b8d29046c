"""Shared parts of the co-location measures: input checks, the k-nearest-neighbour sets
with ties, and the permutation tails.

Points are reprojected to EPSG:4547 as one coordinate array (:func:`geo.crs.to_metric_xy`);
neighbours are the k nearest other points plus every tie at the k-th distance
(``1e-9 × d + 1e-9 m``), found once with :class:`scipy.spatial.cKDTree` and reused by every
permutation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.crs import require_crs, to_metric_xy
from geo.errors import InputError
from layers.schema import CLUSTER

__all__ = ["COLOCATED", "ISOLATED", "NOT_SIGNIFICANT"]

COLOCATED = "colocated"
ISOLATED = "isolated"
NOT_SIGNIFICANT = "not_significant"

_TIE_RTOL = 1e-9
_TIE_ATOL_M = 1e-9
_P_RTOL = 1e-9


# --------------------------------------------------------------------------------------
# Shared input checks
# --------------------------------------------------------------------------------------


def _category_order(values: Sequence[str]) -> list[str]:
    """Cluster codes in schema order first, anything else alphabetically after."""
    present = set(values)
    known = [c for c in CLUSTER.codes if c in present]
    return known + sorted(present - set(known))


def _require_frame(gdf: object, what: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(
            f"{what}应为带几何列的 GeoDataFrame。",
            f"{what} must be a GeoDataFrame with a geometry column.",
        )
    require_crs(gdf, what)
    return gdf


def _require_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        names = ", ".join(missing)
        raise InputError(f"{what}缺少字段：{names}。", f"{what} lacks the column(s): {names}.")


def _point_xy_m(points: gpd.GeoDataFrame, what: str) -> np.ndarray:
    """(n, 2) EPSG:4547 coordinates of a point layer, rejecting empty or non-point rows."""
    geoms = points.geometry.values
    bad = np.flatnonzero(
        shapely.is_missing(geoms)
        | shapely.is_empty(geoms)
        | (shapely.get_type_id(geoms) != shapely.GeometryType.POINT)
    )
    if len(bad):
        rows = ", ".join(str(p + 1) for p in bad[:10])
        raise InputError(
            f"{what}第 {rows} 行不是有效的点几何（空值或非点），请修正或删除这些行。",
            f"{what} rows {rows} are not valid point geometries (missing, empty or not a "
            f"Point); fix or drop them.",
        )
    # Transforming the coordinate array skips building a reprojected geometry column,
    # which costs more than the neighbour search itself at 100k points.
    xy = to_metric_xy(shapely.get_coordinates(geoms), points.crs)
    if not np.isfinite(xy).all():
        raise InputError(
            f"{what}含无法投影的坐标，请检查坐标系。",
            f"{what} has coordinates that do not project; check its CRS.",
        )
    return xy


def _labels(points: pd.DataFrame, column: str, what: str) -> np.ndarray:
    _require_columns(points, [column], what)
    values = points[column]
    missing = np.flatnonzero(values.isna().to_numpy())
    if len(missing):
        rows = ", ".join(str(p + 1) for p in missing[:10])
        raise InputError(
            f"{what}第 {rows} 行的「{column}」为空，请补全类别或删除这些行。",
            f"{what} rows {rows} have no value in '{column}'; fill in the category or drop "
            f"those rows.",
        )
    return values.astype(str).to_numpy(dtype=object)


def _check_k(k: int, n: int, what: str) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(
            f"近邻数 k 应为正整数，而非 {k}。",
            f"The neighbour count k must be a positive integer, not {k}.",
        )
    if n < k + 1:
        raise InputError(
            f"{what}只有 {n} 个点，少于 k + 1 = {k + 1}，请减小 k 或提供更多点。",
            f"{what} has only {n} points, fewer than k + 1 = {k + 1}; lower k or supply "
            f"more points.",
        )


def _check_permutations(permutations: int) -> None:
    if (
        isinstance(permutations, bool)
        or not isinstance(permutations, (int, np.integer))
        or permutations < 0
    ):
        raise InputError(
            f"置换次数应为非负整数，而非 {permutations}。",
            f"The number of permutations must be a non-negative integer, not {permutations}.",
        )


def _check_categories(wanted: Sequence[str], counts: Mapping[str, int], column: str) -> None:
    unknown = [c for c in wanted if c not in counts]
    if unknown:
        names = ", ".join(map(str, unknown))
        present = ", ".join(map(str, counts))
        raise InputError(
            f"「{column}」中没有类别：{names}（现有：{present}）。",
            f"No points of category {names} in '{column}' (present: {present}).",
        )
    single = [c for c in wanted if counts[c] < 2]
    if single:
        names = ", ".join(map(str, single))
        raise InputError(
            f"类别 {names} 只有 1 个点，无法计算共位商；请合并到其他类别或排除它。",
            f"Category {names} has a single point, so its co-location quotient is undefined; "
            f"merge it into another category or leave it out.",
        )


# --------------------------------------------------------------------------------------
# k nearest neighbours with ties
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Neighbours:
    """Neighbour sets of some query points, nearest first, padded to a common width."""

    idx: np.ndarray  # (q, m) int: positions of the neighbours in the point array
    dist_m: np.ndarray  # (q, m) float: distances, ascending along each row
    valid: np.ndarray  # (q, m) bool: True for the v_i real neighbours (a prefix of the row)
    count: np.ndarray  # (q,) int: v_i, k plus ties at the k-th distance
    kth_m: np.ndarray  # (q,) float: distance to the k-th neighbour (the adaptive bandwidth)


def _tie_threshold(kth_m: np.ndarray) -> np.ndarray:
    return kth_m * (1.0 + _TIE_RTOL) + _TIE_ATOL_M


def _knn_with_ties(tree: cKDTree, xy_m: np.ndarray, self_idx: np.ndarray, k: int) -> _Neighbours:
    """The k nearest other points of each query point, extended by ties at the k-th distance.

    Rows whose last returned neighbour is still tied with the k-th are queried again with
    twice as many neighbours until every tie is seen, so a pile of duplicates at one
    address costs a few extra queries rather than a wide query for every point.
    """
    n = tree.n
    q = len(self_idx)
    kk = min(k + 3, n)
    pending = np.arange(q)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    while pending.size:
        dist, idx = tree.query(xy_m[pending], k=kk, workers=-1)
        # The query point is usually first, but coincident points may come before it or
        # push it out of the list; move it to the end and drop the last column either way.
        is_self = idx == self_idx[pending, None]
        order = np.argsort(is_self, axis=1, kind="stable")
        idx = np.take_along_axis(idx, order, axis=1)[:, : kk - 1]
        dist = np.take_along_axis(dist, order, axis=1)[:, : kk - 1]
        threshold = _tie_threshold(dist[:, k - 1])
        truncated = (dist[:, -1] <= threshold) if kk < n else np.zeros(len(pending), bool)
        done = ~truncated
        parts.append((pending[done], idx[done], dist[done]))
        pending = pending[truncated]
        kk = min(2 * kk, n)

    width = max(p[1].shape[1] for p in parts)
    idx_all = np.zeros((q, width), dtype=np.intp)
    dist_all = np.full((q, width), np.inf)
    for rows, idx, dist in parts:
        idx_all[rows, : idx.shape[1]] = idx
        dist_all[rows, : dist.shape[1]] = dist
    kth = dist_all[:, k - 1]
    valid = dist_all <= _tie_threshold(kth)[:, None]
    count = valid.sum(axis=1)
    width = int(count.max())
    return _Neighbours(
        idx=idx_all[:, :width],
        dist_m=dist_all[:, :width],
        valid=valid[:, :width],
        count=count,
        kth_m=kth,
    )


def _tails(observed: np.ndarray, ge: np.ndarray, le: np.ndarray, permutations: int):
    p_upper = (ge + 1.0) / (permutations + 1.0)
    p_lower = (le + 1.0) / (permutations + 1.0)
    p_value = np.where(observed >= 1.0, p_upper, p_lower)
    return p_upper, p_lower, p_value


def _classify(
    observed: np.ndarray, p_upper: np.ndarray, p_lower: np.ndarray, alpha: float
) -> np.ndarray:
    out = np.full(observed.shape, NOT_SIGNIFICANT, dtype=object)
    out[(observed > 1.0) & (p_upper < alpha)] = COLOCATED
    out[(observed < 1.0) & (p_lower < alpha)] = ISOLATED
    return out


def _tolerance(values: np.ndarray) -> np.ndarray:
    return _P_RTOL * np.maximum(1.0, np.abs(values))
