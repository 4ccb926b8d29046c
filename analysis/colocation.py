"""Where the industrial clusters sit and whether they sit together (集群分布与协同).

Five measures answer the industrial bureau's questions:

- :func:`park_guidance_fit` — does each park hold the clusters the plan guides there?
- :func:`location_quotients` — which clusters are over-represented in which park (LQ)?
- :func:`colocation_quotients` — which clusters have each other as nearest neighbours more
  often than random placement would give (global co-location quotient, Leslie & Kronenfeld
  2011), with permutation p-values?
- :func:`local_colocation` — which individual firms of cluster A are co-located with, or
  isolated from, cluster B (local CLQ, Wang, Hu, Wang & Li 2017)?
- :func:`anchor_proximity` — how many firms of an anchor's own cluster and of its supply
  chain lie within 1, 3, 5 km ("上下游就在身边")?

The park guidance and the supply-chain links come from ``data/standards/park_guidance.yaml``
(:func:`analysis.standards.load_park_guidance`), the single place they are written down.

All distances are computed in EPSG:4547 (metres) with :class:`scipy.spatial.cKDTree`.
The k-nearest-neighbour structure is computed once per call and reused across all
permutations: a permutation relabels the points, it never re-queries the tree.

Neighbour sets and ties
-----------------------
The neighbours of point *i* are the *k* nearest other points, and every further point at
the same distance as the *k*-th one (ties at the *k*-th distance are all included, so
``v_i ≥ k``). Distances within ``1e-9 × d + 1e-9 m`` of the *k*-th distance ``d`` count as
tied, so that exact duplicates and symmetric layouts are treated alike whatever the
floating-point rounding. Point *i* itself is never its own neighbour, even when other
points share its location. In the global CLQ each of the ``v_i`` neighbours carries weight
``1 / v_i`` (Leslie & Kronenfeld's convention); in the local CLQ the same neighbour set
carries Gaussian weights.

Permutation p-values
--------------------
Both quotients give two one-sided pseudo p-values from ``permutations`` random relabellings
drawn from ``numpy.random.default_rng(seed)``:

- ``p_upper = (#{permuted ≥ observed} + 1) / (permutations + 1)`` — evidence of
  co-location (more B around A than chance);
- ``p_lower = (#{permuted ≤ observed} + 1) / (permutations + 1)`` — evidence of isolation;
- ``p_value`` is the tail in the direction of the observed departure from 1 (``p_upper``
  where the quotient is ≥ 1, ``p_lower`` where it is < 1), as ArcGIS Pro's Colocation
  Analysis reports it, and ``colocation_type`` is ``colocated`` (quotient > 1 and
  ``p_upper < alpha``), ``isolated`` (quotient < 1 and ``p_lower < alpha``) or
  ``not_significant``.

Comparisons treat values within ``1e-9`` (relative) as equal, so a relabelling that
reproduces the observed arrangement counts in both tails.

The global test relabels all points: permutation *p* uses the labels
``labels[rng.permutation(n)]``. The local test is conditional: point *i* keeps its label
and the other ``n − 1`` labels are shuffled over the other locations. Only whether each
neighbour is of category B matters, so for each permutation one array
``u = rng.random((n_A, v_max))`` is drawn (``v_max`` the largest neighbour count among the
A points) and the neighbours of *i*, taken nearest first, are made B one by one while
``u[i, t] < (B labels left in the pool) / (n − 1 − t)`` — an exact draw without
replacement from the pool of the other labels, at a cost of ``v_i`` numbers per point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from analysis.standards import ParkGuidance, resolve_park_guidance
from geo.crs import WGS84, require_crs, to_metric_xy
from geo.errors import InputError
from layers.schema import CLUSTER
from layers.zoning import assign_parks

__all__ = [
    "COLOCATED",
    "ISOLATED",
    "NOT_SIGNIFICANT",
    "anchor_proximity",
    "clq_matrix",
    "colocation_quotients",
    "local_colocation",
    "location_quotients",
    "park_guidance_fit",
]

COLOCATED = "colocated"
ISOLATED = "isolated"
NOT_SIGNIFICANT = "not_significant"

_TIE_RTOL = 1e-9
_TIE_ATOL_M = 1e-9
_P_RTOL = 1e-9
#: Upper bound on the random numbers held at once by the local permutation test.
_LOCAL_CHUNK_VALUES = 4_000_000


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


# --------------------------------------------------------------------------------------
# Global co-location quotient
# --------------------------------------------------------------------------------------


def colocation_quotients(
    points: gpd.GeoDataFrame,
    category_col: str = "cluster",
    k: int = 8,
    *,
    permutations: int = 99,
    seed: int | None = 0,
    categories: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Global co-location quotients CLQ A→B for every pair of categories.

    ``CLQ_{A→B} = (C_{A→B} / N_A) / (N'_B / (N − 1))`` with
    ``C_{A→B} = Σ_{i∈A} Σ_{j∈NN(i)} [j ∈ B] / v_i`` over the ``v_i`` nearest neighbours of
    *i* (the *k* nearest plus ties at the *k*-th distance, each weighted ``1 / v_i``) and
    ``N'_B = N_B − 1`` when A = B, else ``N_B`` (Leslie & Kronenfeld 2011). The measure is
    asymmetric; it is ≈ 1 when labels are placed at random, > 1 when B is over-represented
    among A's nearest neighbours, 0 when never there.

    Parameters
    ----------
    points : GeoDataFrame
        Point layer with a CRS (e.g. enterprises); reprojected to EPSG:4547.
    category_col : str, default "cluster"
        Column holding each point's category.
    k : int, default 8
        Number of nearest neighbours (ArcGIS Pro's default).
    permutations : int, default 99
        Random relabellings of all points for the pseudo p-values; 0 skips the test
        (p columns NaN, ``colocation_type`` missing).
    seed : int or None, default 0
        Seed of ``numpy.random.default_rng``; permutation *p* uses
        ``labels[rng.permutation(n)]``.
    categories : sequence of str, optional
        Categories to report as A and B (all points still serve as neighbours). Default:
        every category present.
    alpha : float, default 0.05
        Significance level for ``colocation_type``.

    Returns
    -------
    DataFrame
        One row per ordered pair (A, B) with columns ``category_a``, ``category_b``,
        ``n_a``, ``n_b``, ``clq``, ``p_upper``, ``p_lower``, ``p_value``,
        ``colocation_type``. The matrix is ``df.pivot(index="category_a",
        columns="category_b", values="clq")`` (:func:`clq_matrix`).

    Raises
    ------
    InputError
        CRS-less or non-point input, missing categories, fewer than k + 1 points, a
        reported category with a single point, or an unknown category in ``categories``.
    """
    what = "点图层 points "
    points = _require_frame(points, what)
    labels = _labels(points, category_col, what)
    n = len(labels)
    _check_k(k, n, what)
    _check_permutations(permutations)
    order = _category_order(labels)
    counts_by = pd.Series(labels).value_counts()
    counts_map = {c: int(counts_by[c]) for c in order}
    wanted = list(order) if categories is None else [str(c) for c in categories]
    _check_categories(wanted, counts_map, category_col)
    xy = _point_xy_m(points, what)

    codes = pd.Categorical(labels, categories=order).codes.astype(np.intp)
    n_cat = len(order)
    n_by = np.bincount(codes, minlength=n_cat).astype(float)
    nb = _knn_with_ties(cKDTree(xy), xy, np.arange(n), k)
    rows, cols = np.nonzero(nb.valid)
    neighbour = nb.idx[rows, cols]
    weight = 1.0 / nb.count[rows]
    n_prime = n_by[None, :] - np.eye(n_cat)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = (n - 1) / (n_by[:, None] * n_prime)

    def clq_of(c: np.ndarray) -> np.ndarray:
        counts = np.bincount(
            c[rows] * n_cat + c[neighbour], weights=weight, minlength=n_cat * n_cat
        )
        # A single-point category not reported has an infinite diagonal scale (0 · ∞).
        with np.errstate(invalid="ignore"):
            return counts.reshape(n_cat, n_cat) * scale

    clq = clq_of(codes)
    pos = np.array([order.index(c) for c in wanted])
    clq = clq[np.ix_(pos, pos)]
    if permutations:
        rng = np.random.default_rng(seed)
        tol = _tolerance(clq)
        ge = np.zeros_like(clq)
        le = np.zeros_like(clq)
        for _ in range(permutations):
            perm = clq_of(codes[rng.permutation(n)])[np.ix_(pos, pos)]
            ge += perm >= clq - tol
            le += perm <= clq + tol
        p_upper, p_lower, p_value = _tails(clq, ge, le, permutations)
        kind = _classify(clq, p_upper, p_lower, alpha)
    else:
        p_upper = p_lower = p_value = np.full(clq.shape, np.nan)
        kind = np.full(clq.shape, None, dtype=object)

    m = len(wanted)
    a_idx = np.repeat(np.arange(m), m)
    b_idx = np.tile(np.arange(m), m)
    names = np.array(wanted, dtype=object)
    counts = np.array([counts_map[c] for c in wanted])
    return pd.DataFrame(
        {
            "category_a": names[a_idx],
            "category_b": names[b_idx],
            "n_a": counts[a_idx],
            "n_b": counts[b_idx],
            "clq": clq.ravel(),
            "p_upper": np.asarray(p_upper).ravel(),
            "p_lower": np.asarray(p_lower).ravel(),
            "p_value": np.asarray(p_value).ravel(),
            "colocation_type": kind.ravel(),
        }
    )


def clq_matrix(table: pd.DataFrame, value: str = "clq") -> pd.DataFrame:
    """The A × B matrix of one column of :func:`colocation_quotients` (rows A, columns B)."""
    _require_columns(table, ["category_a", "category_b", value], "共位商表 CLQ table ")
    order = list(dict.fromkeys(table["category_a"]))
    wide = table.pivot(index="category_a", columns="category_b", values=value)
    return wide.reindex(index=order, columns=order)


# --------------------------------------------------------------------------------------
# Local co-location quotient
# --------------------------------------------------------------------------------------


def local_colocation(
    points: gpd.GeoDataFrame,
    a: str,
    b: str,
    *,
    category_col: str = "cluster",
    k: int = 8,
    permutations: int = 99,
    seed: int | None = 0,
    alpha: float = 0.05,
) -> gpd.GeoDataFrame:
    """Local co-location quotient LCLQ A→B for every point of category A.

    ``LCLQ_{Ai→B} = N_{Ai→B} / (N'_B / (N − 1))`` with
    ``N_{Ai→B} = Σ_j w_ij [j ∈ B] / Σ_j w_ij`` over the neighbours j ≠ i of i (the k
    nearest, plus ties at the k-th distance), Gaussian weights
    ``w_ij = exp(−0.5 d_ij² / d_ib²)`` and the adaptive bandwidth ``d_ib`` = distance to
    i's k-th neighbour (Wang, Hu, Wang & Li 2017). ``N'_B = N_B − 1`` when A = B (i itself
    is not available as its own neighbour), else ``N_B``; so the mean LCLQ over A equals
    the global CLQ's expectation of 1 under random labelling. Where the k-th neighbour is
    at distance 0 (k or more firms at one address) all weights are 1.

    Significance is by conditional permutation: i keeps its label and the others are
    shuffled (see the module notes for the exact draw).

    Parameters
    ----------
    points : GeoDataFrame
        Point layer with a CRS.
    a, b : str
        Category of interest (A) and neighbouring category (B); may be equal.
    category_col : str, default "cluster"
    k : int, default 8
        Neighbours defining the adaptive bandwidth.
    permutations : int, default 99
        Conditional permutations; 0 skips the test.
    seed : int or None, default 0
        Seed of ``numpy.random.default_rng``.
    alpha : float, default 0.05
        Significance level for ``colocation_type``.

    Returns
    -------
    GeoDataFrame
        In EPSG:4326, one row per point of A, indexed like ``points``: ``ent_id`` (when
        ``points`` has it), ``lclq``, ``p_value``, ``p_upper``, ``p_lower``,
        ``colocation_type`` (``colocated`` / ``isolated`` / ``not_significant``),
        ``n_neighbours`` and ``bandwidth_m`` (metres), and the geometry.

    Raises
    ------
    InputError
        CRS-less or non-point input, A or B absent or with a single point, fewer than
        k + 1 points.
    """
    what = "点图层 points "
    points = _require_frame(points, what)
    labels = _labels(points, category_col, what)
    n = len(labels)
    _check_k(k, n, what)
    _check_permutations(permutations)
    counts_by = pd.Series(labels).value_counts()
    counts_map = {c: int(v) for c, v in counts_by.items()}
    a, b = str(a), str(b)
    _check_categories(list(dict.fromkeys([a, b])), counts_map, category_col)
    xy = _point_xy_m(points, what)

    sel = np.flatnonzero(labels == a)
    nb = _knn_with_ties(cKDTree(xy), xy[sel], sel, k)
    bandwidth = nb.kth_m
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(bandwidth[:, None] > 0, nb.dist_m**2 / bandwidth[:, None] ** 2, 0.0)
    w = np.where(nb.valid, np.exp(-0.5 * np.where(nb.valid, ratio, 0.0)), 0.0)
    w_sum = w.sum(axis=1)
    pool_b = counts_map[b] - (1 if a == b else 0)
    expected = pool_b / (n - 1)
    is_b = nb.valid & (labels[nb.idx] == b)
    lclq = (w * is_b).sum(axis=1) / w_sum / expected

    n_a, width = w.shape
    if permutations:
        rng = np.random.default_rng(seed)
        tol = _tolerance(lclq)
        ge = np.zeros(n_a)
        le = np.zeros(n_a)
        pool_size = (n - 1) - np.arange(width)
        chunk = max(1, _LOCAL_CHUNK_VALUES // max(1, n_a * width))
        done = 0
        while done < permutations:
            size = min(chunk, permutations - done)
            u = rng.random((size, n_a, width))
            remaining = np.full((size, n_a), float(pool_b))
            numerator = np.zeros((size, n_a))
            for t in range(width):
                drawn = u[:, :, t] < remaining / pool_size[t]
                numerator += w[:, t] * drawn
                remaining -= drawn
            perm = numerator / w_sum / expected
            ge += (perm >= lclq - tol).sum(axis=0)
            le += (perm <= lclq + tol).sum(axis=0)
            done += size
        p_upper, p_lower, p_value = _tails(lclq, ge, le, permutations)
        kind = _classify(lclq, p_upper, p_lower, alpha)
    else:
        p_upper = p_lower = p_value = np.full(n_a, np.nan)
        kind = np.full(n_a, None, dtype=object)

    subset = points.iloc[sel]
    data: dict[str, object] = {}
    if "ent_id" in points.columns:
        data["ent_id"] = subset["ent_id"].to_numpy()
    data.update(
        {
            "lclq": lclq,
            "p_value": p_value,
            "p_upper": p_upper,
            "p_lower": p_lower,
            "colocation_type": kind,
            "n_neighbours": nb.count,
            "bandwidth_m": bandwidth,
        }
    )
    out = gpd.GeoDataFrame(
        data, geometry=subset.geometry.to_numpy(), crs=points.crs, index=subset.index
    )
    return out.to_crs(WGS84)


# --------------------------------------------------------------------------------------
# Location quotients and guidance fit
# --------------------------------------------------------------------------------------


def _weights(df: pd.DataFrame, weight: str | None, what: str) -> np.ndarray:
    if weight is None:
        return np.ones(len(df))
    _require_columns(df, [weight], what)
    values = pd.to_numeric(df[weight], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if len(bad):
        rows = ", ".join(str(p + 1) for p in bad[:10])
        raise InputError(
            f"{what}第 {rows} 行的「{weight}」不是非负数值，请修正。",
            f"{what} rows {rows} have a missing, non-numeric or negative '{weight}'; fix them.",
        )
    return values


def location_quotients(
    enterprises: pd.DataFrame,
    by: str = "park_id",
    weight: str | None = None,
    *,
    category_col: str = "cluster",
) -> pd.DataFrame:
    """Location quotient of each cluster in each park against the whole district.

    ``LQ_{c,p} = (e_{c,p} / e_p) / (E_c / E)``, where e counts enterprises (or sums
    ``weight``, e.g. 产值 ``output_10k_cny``) in park p and E over every row given — the
    district, including enterprises outside any park (``by`` empty). LQ > 1: the cluster
    is more concentrated in the park than in the district.

    Parameters
    ----------
    enterprises : DataFrame or GeoDataFrame
        With ``category_col`` and ``by`` columns.
    by : str, default "park_id"
        Grouping column; rows where it is empty count in the district totals only.
    weight : str, optional
        Non-negative column to weight by (e.g. ``"output_10k_cny"``); None counts firms.
    category_col : str, default "cluster"

    Returns
    -------
    DataFrame
        Wide: one row per park (index named ``by``, in order of appearance), one column
        per cluster present in the district (schema order). NaN where a park has no
        enterprises (or zero total weight). For a tidy table use ``.stack()``.
    """
    what = "企业图层 enterprises "
    _require_columns(enterprises, [category_col, by], what)
    labels = _labels(enterprises, category_col, what)
    w = _weights(enterprises, weight, what)
    order = _category_order(labels)
    frame = pd.DataFrame(
        {
            by: enterprises[by].to_numpy(),
            "category": pd.Categorical(labels, categories=order),
            "w": w,
        }
    )
    district = frame.groupby("category", observed=False)["w"].sum()
    total = district.sum()
    parks = frame.dropna(subset=[by])
    park_order = list(dict.fromkeys(parks[by]))
    table = parks.pivot_table(
        index=by, columns="category", values="w", aggfunc="sum", fill_value=0.0, observed=False
    )
    table = table.reindex(index=park_order, columns=order, fill_value=0.0)
    park_total = table.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = table.div(park_total.where(park_total > 0), axis=0)
        lq = share.div((district / total).reindex(order), axis=1)
    lq.index.name = by
    lq.columns = pd.Index(order, name=category_col)
    return lq.astype(float)


def park_guidance_fit(
    enterprises: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    guidance: ParkGuidance | Mapping | str | Path | None = None,
    *,
    output_col: str = "output_10k_cny",
) -> pd.DataFrame:
    """Share of each park's enterprises that belong to the clusters the plan guides there.

    An enterprise's park is its ``park_id`` when the column exists (empty = outside every
    park); otherwise it is found by location in ``parks`` (a firm in both a park and the
    belt counts for the park).

    Parameters
    ----------
    enterprises : GeoDataFrame
        With ``cluster`` and ``output_col`` (产值, 万元), and ``park_id`` or a CRS.
    parks : GeoDataFrame or None
        Parks layer (``park_id``, ``name``, ``kind``); sets the rows and their names. When
        None, the parks of the guidance table are reported.
    guidance : ParkGuidance, mapping, path or None
        The guidance table; None loads ``data/standards/park_guidance.yaml``.
    output_col : str, default "output_10k_cny"

    Returns
    -------
    DataFrame
        One row per park: ``park_id``, ``park_name``, ``kind``, ``guided_clusters``
        (codes, comma-separated), ``n_enterprises``, ``n_guided``, ``fit_share_count``
        (0–1), ``output_10k_cny``, ``output_guided_10k_cny``, ``fit_share_output`` (0–1),
        ``n_unguided`` and ``unguided_clusters`` — clusters present but not guided with
        their counts, most numerous first, as ``"traditional:12, other:5"``. Shares are NaN
        for a park without enterprises.

    Raises
    ------
    InputError
        A park without guidance (naming it), enterprises whose ``park_id`` is not in the
        parks layer, missing columns.
    """
    what = "企业图层 enterprises "
    _require_columns(enterprises, ["cluster", output_col], what)
    guide = resolve_park_guidance(guidance)
    labels = _labels(enterprises, "cluster", what)
    output = _weights(enterprises, output_col, what)
    if "park_id" in enterprises.columns:
        park_of = enterprises["park_id"].to_numpy(dtype=object)
    else:
        if parks is None:
            raise InputError(
                "企业图层没有 park_id 字段，需提供园区图层以按位置判断所属园区。",
                "The enterprises have no park_id column; supply the parks layer so their "
                "park can be found by location.",
            )
        ent = _require_frame(enterprises, what)
        park_of = assign_parks(ent, parks).to_numpy()

    if parks is not None:
        _require_columns(parks, ["park_id"], "园区图层 parks ")
        park_ids = [str(p) for p in parks["park_id"]]
        names = (
            dict(zip(park_ids, parks["name"].astype(str), strict=True))
            if "name" in parks.columns
            else {}
        )
        kinds = (
            dict(zip(park_ids, parks["kind"].astype(str), strict=True))
            if "kind" in parks.columns
            else {}
        )
    else:
        park_ids, names, kinds = list(guide.parks), {}, {}
    guided = {p: guide.guided(p) for p in park_ids}

    present = pd.Series(park_of).dropna().astype(str)
    stray = sorted(set(present) - set(park_ids))
    if stray:
        raise InputError(
            f"企业的 park_id 含园区图层中不存在的编号：{', '.join(stray)}。"
            f"请修正企业数据或补充园区。",
            f"Enterprises refer to park_id(s) not in the parks layer: {', '.join(stray)}. "
            f"Fix the enterprise data or add the parks.",
        )

    frame = pd.DataFrame({"park_id": park_of, "cluster": labels, "output": output})
    frame = frame.dropna(subset=["park_id"])
    frame["park_id"] = frame["park_id"].astype(str)
    guided_pairs = pd.MultiIndex.from_tuples(
        [(p, c) for p in park_ids for c in guided[p]], names=["park_id", "cluster"]
    )
    frame["is_guided"] = pd.MultiIndex.from_frame(frame[["park_id", "cluster"]]).isin(guided_pairs)
    grouped = frame.groupby("park_id")
    n_total = grouped.size().reindex(park_ids, fill_value=0)
    n_guided = grouped["is_guided"].sum().reindex(park_ids, fill_value=0)
    out_total = grouped["output"].sum().reindex(park_ids, fill_value=0.0)
    out_guided = (frame["output"] * frame["is_guided"]).groupby(frame["park_id"]).sum()
    out_guided = out_guided.reindex(park_ids, fill_value=0.0)

    unguided = frame.loc[~frame["is_guided"]]
    tallies = unguided.groupby(["park_id", "cluster"]).size().reset_index(name="n")
    tallies["rank"] = (
        tallies["cluster"]
        .map({c: i for i, c in enumerate(CLUSTER.codes)})
        .fillna(len(CLUSTER.codes))
    )
    tallies = tallies.sort_values(["park_id", "n", "rank"], ascending=[True, False, True])
    tallies["text"] = tallies["cluster"] + ":" + tallies["n"].astype(str)
    unguided_text = tallies.groupby("park_id")["text"].agg(", ".join)
    unguided_n = tallies.groupby("park_id")["n"].sum()

    with np.errstate(divide="ignore", invalid="ignore"):
        share_count = np.where(n_total > 0, n_guided / n_total.where(n_total > 0), np.nan)
        share_output = np.where(out_total > 0, out_guided / out_total.where(out_total > 0), np.nan)
    return pd.DataFrame(
        {
            "park_id": park_ids,
            "park_name": [names.get(p) or guide.parks[p].name_zh for p in park_ids],
            "kind": [kinds.get(p) or guide.parks[p].kind for p in park_ids],
            "guided_clusters": [", ".join(guided[p]) for p in park_ids],
            "n_enterprises": n_total.to_numpy(dtype=int),
            "n_guided": n_guided.to_numpy(dtype=int),
            "fit_share_count": np.asarray(share_count, dtype=float),
            "output_10k_cny": out_total.to_numpy(dtype=float),
            "output_guided_10k_cny": out_guided.to_numpy(dtype=float),
            "fit_share_output": np.asarray(share_output, dtype=float),
            "n_unguided": unguided_n.reindex(park_ids, fill_value=0).to_numpy(dtype=int),
            "unguided_clusters": unguided_text.reindex(park_ids, fill_value="").to_numpy(),
        }
    )


# --------------------------------------------------------------------------------------
# Anchor proximity
# --------------------------------------------------------------------------------------


def anchor_proximity(
    enterprises: gpd.GeoDataFrame,
    anchors: Sequence[str] | None = None,
    radius_m: Sequence[float] = (1000, 3000, 5000),
    *,
    guidance: ParkGuidance | Mapping | str | Path | None = None,
) -> pd.DataFrame:
    """Firms of each anchor's own cluster and of its supply chain within given radii.

    Parameters
    ----------
    enterprises : GeoDataFrame
        Point layer with a CRS and ``cluster``; ``ent_id`` when anchors are named,
        ``is_anchor`` when they are not.
    anchors : sequence of str, optional
        ``ent_id`` of the anchor firms; default: the rows with ``is_anchor`` true.
    radius_m : sequence of float, default (1000, 3000, 5000)
        Radii in metres (EPSG:4547 straight-line distance).
    guidance : ParkGuidance, mapping, path or None
        Supplies each cluster's supply-chain clusters; None loads the bundled table.

    Returns
    -------
    DataFrame
        Tidy, one row per anchor and radius, anchors in input order: ``ent_id``, ``name``
        (when present), ``cluster``, ``supply_clusters`` (comma-separated codes),
        ``radius_m``, ``n_same_cluster`` and ``n_supply_chain`` (firms within the radius,
        the anchor itself excluded, other anchors included), ``median_same_cluster_m``
        and ``median_supply_chain_m`` (median distance in metres of those firms; NaN when
        none). Empty (same columns) when no firm is flagged as an anchor.

    Raises
    ------
    InputError
        CRS-less or non-point input, unknown anchor ids, a non-positive radius, or no
        ``is_anchor`` column when ``anchors`` is not given.
    """
    what = "企业图层 enterprises "
    enterprises = _require_frame(enterprises, what)
    labels = _labels(enterprises, "cluster", what)
    radii = np.asarray(sorted({float(r) for r in np.atleast_1d(radius_m)}), dtype=float)
    if radii.size == 0 or not np.all(np.isfinite(radii)) or np.any(radii <= 0):
        raise InputError(
            f"半径应为正数（米），而非 {radius_m}。",
            f"Radii must be positive numbers of metres, not {radius_m}.",
        )
    guide = resolve_park_guidance(guidance)
    if anchors is None:
        _require_columns(enterprises, ["is_anchor"], what)
        anchor_pos = np.flatnonzero(enterprises["is_anchor"].fillna(False).to_numpy(dtype=bool))
    else:
        _require_columns(enterprises, ["ent_id"], what)
        ids = enterprises["ent_id"].astype(str).to_numpy()
        first = pd.Series(np.arange(len(ids))).groupby(ids).first()
        wanted = [str(a) for a in anchors]
        unknown = [a for a in wanted if a not in first.index]
        if unknown:
            raise InputError(
                f"找不到龙头企业编号：{', '.join(unknown)}。",
                f"No enterprise with ent_id {', '.join(unknown)}.",
            )
        anchor_pos = first.loc[wanted].to_numpy()
    xy = _point_xy_m(enterprises, what)

    anchor_cluster = labels[anchor_pos]
    supply = [guide.suppliers(c) for c in anchor_cluster]
    columns = [
        "ent_id",
        "name",
        "cluster",
        "supply_clusters",
        "radius_m",
        "n_same_cluster",
        "n_supply_chain",
        "median_same_cluster_m",
        "median_supply_chain_m",
    ]
    if len(anchor_pos) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})

    hits = cKDTree(xy).query_ball_point(xy[anchor_pos], r=float(radii[-1]))
    sizes = np.fromiter((len(h) for h in hits), dtype=np.intp, count=len(hits))
    owner = np.repeat(np.arange(len(anchor_pos)), sizes)
    other = np.concatenate([np.asarray(h, dtype=np.intp) for h in hits])
    keep = other != anchor_pos[owner]
    owner, other = owner[keep], other[keep]
    dist = np.hypot(*(xy[other] - xy[anchor_pos[owner]]).T)
    same = labels[other] == anchor_cluster[owner]
    supply_pairs = pd.MultiIndex.from_tuples(
        [(i, c) for i, cs in enumerate(supply) for c in cs], names=["a", "c"]
    )
    in_supply = pd.MultiIndex.from_arrays([owner, labels[other]]).isin(supply_pairs)

    pairs = pd.DataFrame({"owner": owner, "dist": dist, "same": same, "supply": in_supply})
    rows = []
    for radius in radii:
        within = pairs[pairs["dist"] <= radius]
        stats = {}
        for flag in ("same", "supply"):
            g = within[within[flag]].groupby("owner")["dist"]
            stats[flag] = (
                g.size().reindex(range(len(anchor_pos)), fill_value=0),
                g.median().reindex(range(len(anchor_pos))),
            )
        rows.append(
            pd.DataFrame(
                {
                    "anchor": np.arange(len(anchor_pos)),
                    "radius_m": radius,
                    "n_same_cluster": stats["same"][0].to_numpy(dtype=int),
                    "n_supply_chain": stats["supply"][0].to_numpy(dtype=int),
                    "median_same_cluster_m": stats["same"][1].to_numpy(dtype=float),
                    "median_supply_chain_m": stats["supply"][1].to_numpy(dtype=float),
                }
            )
        )
    table = pd.concat(rows).sort_values(["anchor", "radius_m"], kind="stable")
    pos = anchor_pos[table["anchor"].to_numpy()]
    ent = enterprises.iloc[pos]
    table.insert(
        0, "ent_id", ent["ent_id"].to_numpy() if "ent_id" in ent.columns else ent.index.to_numpy()
    )
    table.insert(
        1, "name", ent["name"].to_numpy() if "name" in ent.columns else np.full(len(ent), None)
    )
    table.insert(2, "cluster", labels[pos])
    table.insert(3, "supply_clusters", [", ".join(supply[i]) for i in table["anchor"].to_numpy()])
    return table.drop(columns="anchor").reset_index(drop=True)[columns]
