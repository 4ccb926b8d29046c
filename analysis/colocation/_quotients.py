"""Global and local co-location quotients (Leslie & Kronenfeld 2011; Wang et al. 2017) with
permutation p-values; the method is described in :mod:`analysis.colocation`.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from analysis.colocation._common import (
    _category_order,
    _check_categories,
    _check_k,
    _check_permutations,
    _classify,
    _knn_with_ties,
    _labels,
    _point_xy_m,
    _require_columns,
    _require_frame,
    _tails,
    _tolerance,
)
from geo.crs import WGS84

__all__ = ["clq_matrix", "colocation_quotients", "local_colocation"]

#: Upper bound on the random numbers held at once by the local permutation test.
_LOCAL_CHUNK_VALUES = 4_000_000

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
