"""Node-separator cuts that tighten the LP bound of the exact 整备建议 model.

For a chosen node ``v`` and a set ``S`` of nodes whose removal cuts ``v`` off from a set
``R`` of possible roots (``v`` on ``R``'s side), every connected chosen set holding ``v``
holds a node of ``S`` or has its root in ``R``::

    x_v ≤ Σ_{k ∈ S} x_k + Σ_{u ∈ R} r_u

Given an LP point ``(x, r)``, the most violated such cut for ``v`` is a minimum cut in a
network with each node split into ``k_in → k_out`` of capacity ``x_k``, links
``k_out → l_in`` of unbounded capacity, a source arc ``s → k_in`` of capacity ``r_k`` (a
root needs no path) and ``v_in → t``. When the maximum flow is below ``x_v`` the cut is
violated: ``S`` holds the nodes whose split arc crosses the cut, ``R`` those whose source
arc does. :func:`scipy.sparse.csgraph.maximum_flow` takes integer capacities, so ``x`` and
``r`` are scaled by 10⁶ and rounded down; a cut is only kept when its exact value
(recomputed from ``x`` and ``r``) is violated.

Area-cover cuts need no root. A set ``C`` whose area is below the target cannot hold a
whole block, so a block with a node ``u`` of ``C`` reaches outside ``C``, through a
neighbour of ``C`` (being connected)::

    x_u ≤ Σ_{k ∈ N(C)} x_k          (area(C) < target, u ∈ C)

They are separated on the connected parts of ``{v : x_v ≥ θ}`` for a few thresholds ``θ``
(:func:`cover_cuts`), written in the same ``(v, S, R)`` form with ``R`` empty.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, maximum_flow

from analysis.assembly._graph import Graph

__all__ = ["cover_cuts", "separator_cuts"]

_SCALE = 1_000_000
_BIG = 2**30
_MIN_VIOLATION = 1e-3


def separator_cuts(
    graph: Graph, x: np.ndarray, r: np.ndarray, limit: int = 200
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Violated cuts at the LP point, as ``(v, S, R)`` node arrays (at most ``limit``)."""
    n = graph.n
    tails = np.concatenate([graph.edge_u, graph.edge_v])
    heads = np.concatenate([graph.edge_v, graph.edge_u])
    source, sink = 2 * n, 2 * n + 1
    node_cap = np.floor(np.clip(x, 0, 1) * _SCALE).astype(np.int64)
    root_cap = np.floor(np.clip(r, 0, 1) * _SCALE).astype(np.int64)
    # Split arcs k_in → k_out, links k_out → l_in, source arcs s → k_in.
    arc_u = np.concatenate([np.arange(n), n + tails, np.full(n, source)])
    arc_v = np.concatenate([n + np.arange(n), heads, np.arange(n)])
    arc_cap = np.concatenate([node_cap, np.full(len(tails), _BIG), root_cap])
    cuts, seen = [], set()
    for v in np.argsort(-x, kind="stable"):
        if x[v] < _MIN_VIOLATION or len(cuts) >= limit:
            break
        u, w = np.append(arc_u, v), np.append(arc_v, sink)
        cap = np.append(arc_cap, _BIG)
        keep = cap > 0
        network = coo_matrix(
            (cap[keep].astype(np.int32), (u[keep], w[keep])), shape=(2 * n + 2, 2 * n + 2)
        ).tocsr()
        result = maximum_flow(network, source, sink)
        if result.flow_value >= (x[v] - _MIN_VIOLATION) * _SCALE:
            continue
        reached = _reachable(network, result.flow, source, 2 * n + 2)
        cut_nodes = np.flatnonzero(reached[:n] & ~reached[n : 2 * n])
        cut_roots = np.flatnonzero(~reached[:n])
        if x[cut_nodes].sum() + r[cut_roots].sum() > x[v] - _MIN_VIOLATION:
            continue  # rounding: not violated at the exact point
        key = (int(v), tuple(cut_nodes), tuple(cut_roots))
        if key not in seen:
            seen.add(key)
            cuts.append((int(v), cut_nodes, cut_roots))
    return cuts


def _reachable(network: csr_matrix, flow: csr_matrix, source: int, size: int) -> np.ndarray:
    """Nodes reachable from the source in the residual network (the source side of the cut)."""
    residual = (network - flow).tocsr()
    residual.data[residual.data < 0] = 0
    residual.eliminate_zeros()
    order = breadth_first_order(residual, source, directed=True, return_predecessors=False)
    reached = np.zeros(size, dtype=bool)
    reached[order] = True
    return reached


_THRESHOLDS = (0.99, 0.9, 0.7, 0.5, 0.3, 0.1, 0.01)
_PER_SET = 5  # cuts per set: its nodes of largest x


def cover_cuts(
    graph: Graph, x: np.ndarray, target_m2: float
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Violated area-cover cuts at the LP point ``x``, as ``(u, N(C), [])``."""
    n = graph.n
    adj = graph.adjacency()
    cuts, seen = [], set()
    no_roots = np.zeros(0, dtype=np.intp)
    for threshold in _THRESHOLDS:
        taken = np.flatnonzero(x >= threshold)
        if not len(taken):
            continue
        _, label = connected_components(adj[taken][:, taken], directed=False)
        for part in np.unique(label):
            nodes = taken[label == part]
            if graph.area_m2[nodes].sum() >= target_m2 - 1e-6:
                continue
            inside = np.zeros(n, dtype=bool)
            inside[nodes] = True
            around = np.flatnonzero((np.asarray(adj[nodes].sum(axis=0)).ravel() > 0) & ~inside)
            for u in nodes[np.argsort(-x[nodes], kind="stable")][:_PER_SET]:
                key = (int(u), tuple(around))
                if x[u] - x[around].sum() > _MIN_VIOLATION and key not in seen:
                    seen.add(key)
                    cuts.append((int(u), around, no_roots))
    return cuts
