"""Grow and prune: a fast connected set reaching the target area at a low cost.

From each of a few seeds (the largest free blocks first, else the parcels with the most
area per unit cost), grow: one Dijkstra search over node costs (entering a node costs its
cost) from the current set gives, for every node outside it, the cheapest path and the area
that path adds; the path with the least cost per useful m² (area up to what is still
missing) joins the set, until the target is reached. Then prune: costly nodes are dropped,
dearest first, while the set stays connected and large enough. Each seed grows inside its
own part of the graph (a component large enough for the target), so a search never scans
land it cannot join. The cheapest result over the seeds is returned.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from analysis.assembly._graph import Graph, connected, feasible_parts

__all__ = ["heuristic"]

_SEEDS = 6
_EPS_COST = 1e-9


def heuristic(graph: Graph, target_m2: float, seeds: int = _SEEDS) -> np.ndarray | None:
    """Cheapest grown-and-pruned node set over the seeds (bool mask), or None."""
    parts = feasible_parts(graph, target_m2)
    if not parts:
        return None
    candidates = np.concatenate(parts)
    part_of = np.concatenate([np.full(len(p), k) for k, p in enumerate(parts)])
    rank = np.lexsort(
        (-graph.area_m2[candidates] / (graph.cost[candidates] + 1.0), ~graph.free[candidates])
    )
    best, best_cost = None, math.inf
    for pos in rank[:seeds]:
        nodes = parts[part_of[pos]]
        sub = graph.subgraph(nodes)
        chosen = _grow(sub, int(np.searchsorted(nodes, candidates[pos])), target_m2)
        if chosen is None:
            continue
        total = sub.cost[chosen].sum()
        if total < best_cost - 1e-12:
            best = np.zeros(graph.n, dtype=bool)
            best[nodes[chosen]] = True
            best_cost = total
    return best


def _grow(graph: Graph, seed: int, target_m2: float) -> np.ndarray | None:
    """Grow a connected set from ``seed`` along the cheapest joins until it is large enough."""
    n = graph.n
    chosen = np.zeros(n, dtype=bool)
    chosen[seed] = True
    # Entering a node costs its cost; a tiny epsilon keeps zero-cost links in the matrix.
    adj = graph.adjacency(graph.cost + _EPS_COST)
    area = graph.area_m2[seed]
    while area < target_m2:
        dist, pred = _multi_source(adj, np.flatnonzero(chosen), n)
        reach = np.flatnonzero(np.isfinite(dist) & ~chosen)
        if len(reach) == 0:
            return None
        order = reach[np.argsort(dist[reach], kind="stable")]
        gained = np.zeros(n)
        for v in order:  # in order of distance, so a node's predecessor is done before it
            p = pred[v]
            gained[v] = graph.area_m2[v] + (gained[p] if p >= 0 and not chosen[p] else 0.0)
        useful = np.minimum(gained[reach], target_m2 - area)
        v = reach[int(np.argmin(dist[reach] / np.maximum(useful, 1e-9)))]
        while v >= 0 and not chosen[v]:
            chosen[v] = True
            area += graph.area_m2[v]
            v = pred[v]
    return _prune(graph, chosen, target_m2)


def _multi_source(adj: csr_matrix, sources: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    dist, pred, _ = dijkstra(
        adj, directed=True, indices=sources, return_predecessors=True, min_only=True
    )
    pred = np.where(np.isin(np.arange(n), sources), -1, pred)
    return dist, pred.astype(np.intp)


def _prune(graph: Graph, chosen: np.ndarray, target_m2: float) -> np.ndarray:
    """Drop costly nodes, dearest first, while the set stays connected and large enough."""
    adj = graph.adjacency()
    chosen = chosen.copy()
    area = graph.area_m2[chosen].sum()
    costly = np.flatnonzero(chosen & ~graph.free)
    for v in costly[np.argsort(-graph.cost[costly], kind="stable")]:
        if area - graph.area_m2[v] < target_m2:
            continue
        chosen[v] = False
        if connected(adj, np.flatnonzero(chosen)):
            area -= graph.area_m2[v]
        else:
            chosen[v] = True
    return chosen
