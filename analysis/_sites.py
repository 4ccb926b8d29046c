"""Sites of :func:`analysis.matching.match_sites`: connected sets of takeable parcels grown
from seed parcels, and sums over each site's parcels.

A site set is a sparse membership matrix ``M`` (sites × parcels, 1 where the parcel belongs
to the site), so any per-parcel quantity ``v`` sums per site as ``M @ v``. Sites are grown
along the links of the contiguity rule: from a seed, parcels are added in order of their
path length along the links (centroid to centroid, :func:`scipy.sparse.csgraph.dijkstra`)
until the area reaches the minimum, so every site is connected. See
:mod:`analysis.matching` for which sites are formed.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

__all__: list[str] = []

#: Seed parcels per block from which sites are grown.
SEEDS_PER_BLOCK = 24
_M2_PER_HA = 10_000.0


@dataclass(frozen=True)
class Sites:
    """Candidate sites: membership (sites × parcels) and the block each site lies in."""

    members: csr_matrix  # sites × takeable parcels, 1 where the parcel is in the site
    block: np.ndarray  # block index of each site


def grow_sites(
    n: int,
    i: np.ndarray,
    j: np.ndarray,
    area_m2: np.ndarray,
    xy: np.ndarray,
    min_m2: float,
    max_m2: float,
) -> tuple[Sites, np.ndarray, np.ndarray]:
    """Candidate sites over ``n`` takeable parcels linked by (i, j); also each parcel's
    block and each block's area (m²)."""
    length = np.hypot(*(xy[i] - xy[j]).T) + 1e-6
    graph = coo_matrix((length, (i, j)), shape=(n, n)).tocsr()
    graph = graph.maximum(graph.T)
    nb, block = connected_components(graph, directed=False)
    block_area = np.bincount(block, area_m2, minlength=nb)
    rows: list[np.ndarray] = []
    owners: list[int] = []
    big = np.flatnonzero(area_m2 >= min_m2)
    rows.extend(big[:, None])
    owners.extend(block[big].tolist())
    order = np.argsort(block, kind="stable")
    bounds = np.searchsorted(block[order], np.arange(nb + 1))
    for b in np.flatnonzero(block_area >= min_m2):
        nodes = order[bounds[b] : bounds[b + 1]]
        if block_area[b] <= max_m2 and len(nodes) > 1:
            rows.append(nodes)
            owners.append(int(b))
        small = nodes[area_m2[nodes] < min_m2]
        if len(small) == 0 or len(nodes) == 1:
            continue
        seeds = _spread(nodes, small, area_m2, xy)
        sub = graph[nodes][:, nodes]
        local = np.searchsorted(nodes, seeds)  # a stable sort keeps each block's nodes ascending
        dist = dijkstra(sub, directed=False, indices=local)
        ranked = np.argsort(dist, axis=1, kind="stable")
        cum = np.cumsum(area_m2[nodes][ranked], axis=1)
        take = np.argmax(cum >= min_m2 - 1e-6, axis=1)
        for s, k in enumerate(take):
            rows.append(nodes[ranked[s, : k + 1]])
            owners.append(int(b))
    return _unique_sites(rows, owners, n), block, block_area


def _spread(
    nodes: np.ndarray, small: np.ndarray, area_m2: np.ndarray, xy: np.ndarray
) -> np.ndarray:
    """Up to SEEDS_PER_BLOCK of ``small``, farthest-point order from the largest one."""
    if len(small) <= SEEDS_PER_BLOCK:
        return small
    pts = xy[small]
    picked = [int(np.argmax(area_m2[small]))]
    gap = np.hypot(*(pts - pts[picked[0]]).T)
    while len(picked) < SEEDS_PER_BLOCK:
        nxt = int(np.argmax(gap))
        picked.append(nxt)
        gap = np.minimum(gap, np.hypot(*(pts - pts[nxt]).T))
    return small[np.array(picked)]


def _unique_sites(rows: list[np.ndarray], owners: list[int], n: int) -> Sites:
    seen: dict[tuple, int] = {}
    keep_rows, keep_owner = [], []
    for row, owner in zip(rows, owners, strict=True):
        key = tuple(sorted(int(v) for v in row))
        if key not in seen:
            seen[key] = len(keep_rows)
            keep_rows.append(np.array(key, dtype=np.intp))
            keep_owner.append(owner)
    counts = np.array([len(r) for r in keep_rows], dtype=np.intp)
    cols = np.concatenate(keep_rows) if keep_rows else np.zeros(0, dtype=np.intp)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    members = csr_matrix((np.ones(len(cols)), cols, indptr), shape=(len(keep_rows), n))
    return Sites(members=members, block=np.asarray(keep_owner, dtype=np.intp))


def site_min(members: csr_matrix, values: np.ndarray) -> np.ndarray:
    """Per site, the minimum of ``values`` over its parcels."""
    if members.shape[0] == 0:
        return np.zeros(0)
    starts = members.indptr[:-1]
    return np.minimum.reduceat(values[members.indices], starts)


def site_park(M: csr_matrix, cand: gpd.GeoDataFrame, area_m2: np.ndarray) -> list[object]:
    """Per site, the park holding most of its area (None outside every park)."""
    if "park_id" not in cand:
        return [None] * M.shape[0]
    park = cand["park_id"].astype(object)
    codes, names = pd.factorize(park, sort=True)
    if len(names) == 0:
        return [None] * M.shape[0]
    inside = codes >= 0
    onehot = csr_matrix(
        (area_m2[inside], (np.flatnonzero(inside), codes[inside])), shape=(len(cand), len(names))
    )
    per_park = (M @ onehot).toarray()
    best = per_park.argmax(axis=1)
    has = per_park.max(axis=1) > 0
    return [str(names[b]) if h else None for b, h in zip(best, has, strict=True)]


def status_mix(
    M: csr_matrix, cand: gpd.GeoDataFrame, area_m2: np.ndarray, statuses: list[str]
) -> list[dict[str, float]]:
    """Per site, its area (ha) of each taken status, in the need's status order."""
    codes = pd.Index(statuses).get_indexer(cand["status"])
    onehot = csr_matrix(
        (area_m2 / _M2_PER_HA, (np.arange(len(cand)), codes)), shape=(len(cand), len(statuses))
    )
    per = (M @ onehot).toarray()
    return [{s: float(v) for s, v in zip(statuses, row, strict=True) if v > 0} for row in per]


def distinct(M: csr_matrix, order: np.ndarray, top: int) -> list[int]:
    """The first ``top`` sites in ``order`` sharing no parcel with a site taken before."""
    used = np.zeros(M.shape[1], dtype=bool)
    chosen = []
    for k in order:
        cols = M.indices[M.indptr[k] : M.indptr[k + 1]]
        if used[cols].any():
            continue
        used[cols] = True
        chosen.append(int(k))
        if len(chosen) >= top:
            break
    return chosen
