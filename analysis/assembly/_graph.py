"""The contracted contiguity graph the 整备建议 solvers work on.

One node per free block (free parcels that touch are merged: taking one means having all,
at no cost) and one per allowed costly parcel; node area in m², node cost, undirected
edges. Only *parts* — connected components of this graph — whose total area reaches the
target can hold a block, so each solver works part by part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["Graph", "component_of", "connected", "contract", "feasible_parts", "largest_part_m2"]


@dataclass(frozen=True)
class Graph:
    """Contracted graph: node areas (m²) and costs, undirected edges, members per node."""

    area_m2: np.ndarray
    cost: np.ndarray
    free: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    members: tuple[np.ndarray, ...]

    @property
    def n(self) -> int:
        return len(self.area_m2)

    def adjacency(self, weights: np.ndarray | None = None) -> csr_matrix:
        """Symmetric adjacency; with ``weights``, entering node ``v`` weighs ``weights[v]``."""
        n = self.n
        u = np.concatenate([self.edge_u, self.edge_v])
        v = np.concatenate([self.edge_v, self.edge_u])
        data = np.ones(len(u)) if weights is None else weights[v]
        return coo_matrix((data, (u, v)), shape=(n, n)).tocsr()

    def subgraph(self, nodes: np.ndarray) -> Graph:
        """The graph induced by ``nodes`` (sorted positions), renumbered 0…len−1."""
        nodes = np.sort(np.asarray(nodes, dtype=np.intp))
        keep = np.isin(self.edge_u, nodes) & np.isin(self.edge_v, nodes)
        return Graph(
            self.area_m2[nodes],
            self.cost[nodes],
            self.free[nodes],
            np.searchsorted(nodes, self.edge_u[keep]),
            np.searchsorted(nodes, self.edge_v[keep]),
            tuple(self.members[k] for k in nodes) if self.members else (),
        )


def contract(
    n_parcels: int,
    i: np.ndarray,
    j: np.ndarray,
    area_m2: np.ndarray,
    cost: np.ndarray,
    free: np.ndarray,
    allowed: np.ndarray,
) -> Graph:
    """Graph over the allowed parcels (links ``i``–``j``) with touching free parcels merged."""
    keep = allowed[i] & allowed[j]
    i, j = i[keep], j[keep]
    both_free = free[i] & free[j]
    free_graph = coo_matrix(
        (np.ones(int(both_free.sum())), (i[both_free], j[both_free])), shape=(n_parcels, n_parcels)
    )
    _, label = connected_components(free_graph, directed=False)
    # Node ids: one per free group (among allowed parcels), one per allowed costly parcel.
    node_of = np.full(n_parcels, -1, dtype=np.intp)
    key = np.where(free, label, n_parcels + np.arange(n_parcels))
    _, inverse = np.unique(key[allowed], return_inverse=True)
    node_of[allowed] = inverse
    n = int(inverse.max()) + 1 if len(inverse) else 0
    area = np.bincount(node_of[allowed], area_m2[allowed], minlength=n)
    node_cost = np.bincount(node_of[allowed], np.where(free, 0.0, cost)[allowed], minlength=n)
    node_free = np.zeros(n, dtype=bool)
    node_free[node_of[allowed & free]] = True
    u, v = node_of[i], node_of[j]
    different = u != v
    pairs = np.unique(np.sort(np.column_stack([u[different], v[different]]), axis=1), axis=0)
    order = np.argsort(node_of[allowed], kind="stable")
    positions = np.flatnonzero(allowed)[order]
    counts = np.bincount(node_of[allowed], minlength=n)
    members = tuple(np.split(positions, np.cumsum(counts)[:-1])) if n else ()
    return Graph(area, node_cost, node_free, pairs[:, 0], pairs[:, 1], members)


def feasible_parts(graph: Graph, target_m2: float, nodes: np.ndarray | None = None) -> list:
    """Connected components (of the graph induced by ``nodes``, default all) whose area
    reaches the target, as arrays of node positions, largest area first."""
    nodes = np.arange(graph.n) if nodes is None else np.sort(np.asarray(nodes, dtype=np.intp))
    if len(nodes) == 0:
        return []
    adj = graph.adjacency()[nodes][:, nodes]
    _, label = connected_components(adj, directed=False)
    sums = np.bincount(label, graph.area_m2[nodes])
    ok = np.flatnonzero(sums >= target_m2 - 1e-6)
    return [nodes[label == k] for k in ok[np.argsort(-sums[ok], kind="stable")]]


def largest_part_m2(graph: Graph) -> tuple[float, int]:
    """Area of the largest connected component, m², and the number of components."""
    if graph.n == 0:
        return 0.0, 0
    count, label = connected_components(graph.adjacency(), directed=False)
    return float(np.bincount(label, graph.area_m2).max()), int(count)


def component_of(graph: Graph, chosen: np.ndarray, seed: int) -> np.ndarray:
    """Nodes connected to ``seed`` through chosen or free nodes (the real block)."""
    take = chosen | graph.free
    sub = graph.adjacency()[take][:, take]
    _, label = connected_components(sub, directed=False)
    nodes = np.flatnonzero(take)
    return nodes[label == label[np.searchsorted(nodes, seed)]]


#: Up to this many nodes :func:`connected` walks the neighbour lists itself (a few
#: microseconds for the sets the heuristic prunes) instead of slicing the sparse matrix.
_WALK_MAX_NODES = 500


def connected(adj: csr_matrix, nodes: np.ndarray) -> bool:
    """True when ``nodes`` induce a connected subgraph of ``adj``."""
    if len(nodes) <= 1:
        return True
    if len(nodes) > _WALK_MAX_NODES:
        return connected_components(adj[nodes][:, nodes], directed=False)[0] == 1
    inside = set(nodes.tolist())
    start = next(iter(inside))
    seen, stack = {start}, [start]
    indptr, indices = adj.indptr, adj.indices
    while stack:
        v = stack.pop()
        for w in indices[indptr[v] : indptr[v + 1]].tolist():
            if w in inside and w not in seen:
                seen.add(w)
                stack.append(w)
    return len(seen) == len(inside)
