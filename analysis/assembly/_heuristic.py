"""Grow and prune: a fast connected set reaching the target area at a low cost.

From each of a few seeds (the largest free blocks first, else the parcels with the most
area per unit cost; more seeds on small graphs, fewer on large ones), grow: one Dijkstra search over node costs (entering a node costs its
cost) from the current set gives, for every node outside it, the cheapest path and the area
that path adds; the path with the least cost per useful m² (area up to what is still
missing) joins the set, until the target is reached. Then prune: costly nodes are dropped,
dearest first, while the set stays connected and large enough. Last, a local search adds
one neighbouring node at a time and prunes again, keeping the change when it is cheaper
(the addition can make a dearer node redundant). Each seed grows inside its
own part of the graph (a component large enough for the target), so a search never scans
land it cannot join. The cheapest result over the seeds is returned.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from analysis.assembly._exact import knapsack_bound
from analysis.assembly._graph import Graph, connected, feasible_parts

__all__ = ["heuristic"]

#: Seeds tried: as many as fit a budget of about this many node visits, within bounds.
_SEED_BUDGET_NODES = 30_000
_SEEDS = (6, 64)
#: Parts (in order of their knapsack bound) that get the larger number of seeds.
_RICH_PARTS = 3
_EPS_COST = 1e-9


def heuristic(graph: Graph, target_m2: float, seeds: int | None = None) -> np.ndarray | None:
    """Cheapest grown-and-pruned node set (bool mask), or None when no part is large enough.

    Parts are tried in order of their knapsack bound (the least any set of theirs can
    cost); a part whose bound is no less than the best cost found is skipped. The first
    :data:`_RICH_PARTS` parts get as many seeds as fit about ``_SEED_BUDGET_NODES`` node
    visits (6 to 64), the others 6 — unless ``seeds`` fixes the number."""
    parts = feasible_parts(graph, target_m2)
    bounds = [knapsack_bound(graph.area_m2[p], graph.cost[p], target_m2)[0] for p in parts]
    best, best_cost = None, math.inf
    for rank, k in enumerate(np.argsort(bounds, kind="stable")):
        if bounds[k] >= best_cost - 1e-9:
            break  # sorted: no later part can do better either
        nodes = parts[k]
        count = seeds
        if count is None:
            rich = int(np.clip(_SEED_BUDGET_NODES // len(nodes), *_SEEDS))
            count = rich if rank < _RICH_PARTS else _SEEDS[0]
        chosen = _best_of_part(graph.subgraph(nodes), target_m2, count)
        if chosen is not None:
            total = float(graph.cost[nodes][chosen].sum())
            if total < best_cost - 1e-12:
                best = np.zeros(graph.n, dtype=bool)
                best[nodes[chosen]] = True
                best_cost = total
    return best


def _best_of_part(sub: Graph, target_m2: float, seeds: int) -> np.ndarray | None:
    """Grow from the part's best seeds (largest free blocks first, then the most area per
    unit cost), prune, and improve the cheapest."""
    rank = np.lexsort((-sub.area_m2 / (sub.cost + 1.0), ~sub.free))
    best, best_cost = None, math.inf
    for seed in rank[:seeds]:
        chosen = _grow(sub, int(seed), target_m2)
        if chosen is not None and sub.cost[chosen].sum() < best_cost - 1e-12:
            best, best_cost = chosen, sub.cost[chosen].sum()
    return None if best is None else _improve(sub, best, target_m2)


def _improve(graph: Graph, chosen: np.ndarray, target_m2: float) -> np.ndarray:
    """Add-and-prune local search: add one neighbouring node, prune; keep it when cheaper.

    Repeated until no single addition helps (or the work budget is spent), so a dear node
    the grow step needed can give way to cheaper ones that the addition makes redundant."""
    adj = graph.adjacency()
    cost = float(graph.cost[chosen].sum())
    budget = _SEED_BUDGET_NODES * 10
    improved = True
    while improved and budget > 0:
        improved = False
        ring = np.setdiff1d(np.unique(adj[np.flatnonzero(chosen)].indices), np.flatnonzero(chosen))
        for w in ring[np.argsort(graph.cost[ring], kind="stable")]:
            budget -= int(chosen.sum())
            if budget <= 0:
                break
            trial = chosen.copy()
            trial[w] = True
            trial = _prune(graph, trial, target_m2)
            trial_cost = float(graph.cost[trial].sum())
            if trial_cost < cost - 1e-9:
                chosen, cost, improved = trial, trial_cost, True
                break
    return chosen


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
