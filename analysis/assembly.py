"""整备建议 (land assembly): which parcels to take into 土地整备 so that land joins into one
contiguous block of at least a target area, at the least cost.

The problem
-----------
Parcels are joined by the contiguity rule of :func:`analysis.contiguity.contiguous_blocks`
(a gap of at most ``tolerance_m`` that no barrier cuts; :func:`analysis.contiguity.
parcel_links`). *Free* parcels (by default 低效 / 储备 / 可供应) cost nothing; others can be
assembled at a cost (existing floor space, firms and their 产值 …, see
:func:`assembly_cost`); *excluded* parcels (在建, 非工业 by default, and anything outside
``within``) can never be taken. The answer is a set ``added`` of non-free parcels such that
one connected block of free ∪ added parcels reaches ``target_ha``, with the least total
cost.

Free parcels that touch each other are contracted first into one node (their block), so
the graph the solvers see has one node per free block and one per costly parcel, with the
block's area and zero cost. A chosen set of nodes is *connected*; every free block next to
it joins the real block as well (it only adds area), so the reported block is the
connected component of free ∪ added that holds the chosen nodes.

Exact: a mixed-integer model
----------------------------
Binary ``x_v`` (node chosen) and ``r_v`` (node is the root), continuous flows ``f_uv ≥ 0``
on both directions of every link and ``g_v ≥ 0`` from a virtual source; connectivity is a
single-commodity flow: the root receives as many units as nodes are chosen and every chosen
node keeps one::

    minimise    Σ c_v x_v
    subject to  Σ a_v x_v ≥ target                 (area, m²)
                Σ r_v = 1,   r_v ≤ x_v
                g_v ≤ n r_v
                g_v + Σ_u f_uv − Σ_w f_vw = x_v    (flow balance)
                f_uv ≤ (n − 1) x_u,   f_uv ≤ (n − 1) x_v

solved by HiGHS through :func:`scipy.optimize.milp` with a time limit; ``gap`` is the
solver's relative gap (0 when proven optimal). A chosen set that is connected always has a
feasible flow (a spanning tree from the root), and a flow exists only over chosen nodes, so
the model's optimum is the cheapest connected set.

Fast: grow and prune
--------------------
From each of the largest free blocks (and the largest nodes when there are few), grow: a
Dijkstra search over node costs (the cost of entering a node is its cost) from the current
set finds, for every node outside it, the cheapest path and the area that path adds; the
path with the least cost per useful hectare (area up to what is still missing) is added,
until the target is reached. Then prune: costly nodes are dropped, dearest first, while the
set stays connected and large enough. The cheapest result over the seeds is returned; it is
also the MILP's fallback when the time limit ends it without a solution.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from analysis._params import code_param, number_param
from analysis.contiguity import parcel_links
from geo.crs import require_crs
from geo.errors import InputError
from layers.schema import STATUS

__all__ = [
    "DEFAULT_COST_WEIGHTS",
    "DEFAULT_EXCLUDED_STATUSES",
    "DEFAULT_FREE_STATUSES",
    "EXACT_MAX_NODES",
    "Assembly",
    "assemble_block",
    "assembly_cost",
]

DEFAULT_FREE_STATUSES: tuple[str, ...] = ("low_efficiency", "reserve", "available")
DEFAULT_EXCLUDED_STATUSES: tuple[str, ...] = ("under_construction", "non_industrial")
#: ``method="auto"`` solves exactly up to this many graph nodes, and heuristically above.
EXACT_MAX_NODES = 1500
#: Default weights of :func:`assembly_cost` — assumptions, to be set by the planners:
#: per 万 m² of existing floor space, per firm, per 亿元 of annual 产值, extra per 规上 firm,
#: and a base cost per parcel by status (a granted but unbuilt parcel still has a holder).
DEFAULT_COST_WEIGHTS: Mapping[str, float] = {
    "per_10k_m2_gfa": 1.0,
    "per_firm": 2.0,
    "per_100m_cny_output": 1.0,
    "per_above_scale_firm": 3.0,
    "status:built": 1.0,
    "status:granted_unbuilt": 2.0,
}
_M2_PER_HA = 10_000.0
_SEEDS = 6
_EPS_COST = 1e-9


@dataclass(frozen=True)
class Assembly:
    """A proposed block.

    Attributes
    ----------
    parcel_ids : tuple of str
        Every parcel of the block (free and added), sorted.
    added : tuple of str
        The parcels to assemble (not free today), sorted.
    area_ha : float
        Area of the whole block, hectares.
    cost : float
        Total cost of the added parcels, in the units of ``cost``.
    optimal : bool
        True when the exact model proved the cost minimal.
    gap : float
        Relative optimality gap (0 when optimal; ``nan`` for the heuristic alone).
    method : str
        ``"exact"`` or ``"heuristic"``.
    seconds : float
        Time spent solving.
    """

    parcel_ids: tuple[str, ...]
    added: tuple[str, ...]
    area_ha: float
    cost: float
    optimal: bool
    gap: float
    method: str
    seconds: float


# --------------------------------------------------------------------------- costs


def assembly_cost(
    parcels: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame | None = None,
    weights: Mapping[str, float] | None = None,
) -> pd.Series:
    """Cost of taking each parcel into 土地整备, from what stands and works on it.

    ``cost = w_gfa · gfa_current_m2 / 10⁴ + w_firm · firms + w_output · 产值 / 10⁴
    + w_above · 规上 firms + w_status[status]``, with firms found by location (a firm on a
    parcel is inside it) and 产值 in 亿元 (``output_10k_cny / 10⁴``). Weights default to
    :data:`DEFAULT_COST_WEIGHTS` (assumptions); a missing weight counts 0.

    Returns
    -------
    Series
        Indexed like ``parcels``, float, ≥ 0.
    """
    w = dict(DEFAULT_COST_WEIGHTS if weights is None else weights)
    bad = [
        k for k, v in w.items() if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0)
    ]
    if bad:
        raise InputError(
            f"整备成本权重应为不小于 0 的数：{bad}。",
            f"Assembly cost weights must be numbers ≥ 0: {bad}.",
        )
    gfa = pd.to_numeric(parcels.get("gfa_current_m2", 0.0), errors="coerce")
    cost = w.get("per_10k_m2_gfa", 0.0) * (pd.Series(gfa, index=parcels.index).fillna(0.0) / 1e4)
    status = parcels["status"].astype(object) if "status" in parcels.columns else None
    if status is not None:
        for key, value in w.items():
            if key.startswith("status:"):
                cost = cost + np.where(status == key.split(":", 1)[1], value, 0.0)
    if enterprises is not None and len(enterprises):
        require_crs(enterprises, "企业图层 enterprises")
        firms = enterprises.to_crs(parcels.crs)
        tree = shapely.STRtree(np.asarray(parcels.geometry.array))
        firm_pos, parcel_pos = tree.query(np.asarray(firms.geometry.array), predicate="within")
        n = len(parcels)
        output = pd.to_numeric(firms.get("output_10k_cny", 0.0), errors="coerce")
        output = np.nan_to_num(np.asarray(output, dtype=float), nan=0.0)
        above = np.asarray(firms.get("is_above_scale", False), dtype=bool)
        count = np.bincount(parcel_pos, minlength=n)
        value = np.bincount(parcel_pos, output[firm_pos] / 1e4, minlength=n)
        big = np.bincount(parcel_pos, above[firm_pos].astype(float), minlength=n)
        cost = (
            cost
            + w.get("per_firm", 0.0) * count
            + w.get("per_100m_cny_output", 0.0) * value
            + w.get("per_above_scale_firm", 0.0) * big
        )
    return pd.Series(np.asarray(cost, dtype=float), index=parcels.index, name="cost")


# --------------------------------------------------------------------------- the graph


@dataclass(frozen=True)
class _Graph:
    """Contracted graph: node areas (m²) and costs, undirected edges, members per node."""

    area_m2: np.ndarray
    cost: np.ndarray
    free: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    members: list[np.ndarray]

    @property
    def n(self) -> int:
        return len(self.area_m2)

    def adjacency(self, weights: np.ndarray | None = None) -> csr_matrix:
        n = self.n
        u = np.concatenate([self.edge_u, self.edge_v])
        v = np.concatenate([self.edge_v, self.edge_u])
        data = np.ones(len(u)) if weights is None else weights[v]
        return coo_matrix((data, (u, v)), shape=(n, n)).tocsr()


def _contract(
    n_parcels: int,
    i: np.ndarray,
    j: np.ndarray,
    area_m2: np.ndarray,
    cost: np.ndarray,
    free: np.ndarray,
    allowed: np.ndarray,
) -> tuple[_Graph, np.ndarray]:
    """Graph over the allowed parcels with touching free parcels merged; parcel → node."""
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
    ids, inverse = np.unique(key[allowed], return_inverse=True)
    node_of[allowed] = inverse
    n = len(ids)
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
    members = np.split(positions, np.cumsum(counts)[:-1])
    graph = _Graph(area, node_cost, node_free, pairs[:, 0], pairs[:, 1], members)
    return graph, node_of


def _component_of(graph: _Graph, chosen: np.ndarray, seed: int) -> np.ndarray:
    """Nodes connected to ``seed`` through chosen or free nodes (the real block)."""
    take = chosen | graph.free
    adj = graph.adjacency()
    sub = adj[take][:, take]
    _, label = connected_components(sub, directed=False)
    nodes = np.flatnonzero(take)
    return nodes[label == label[np.searchsorted(nodes, seed)]]


def _connected(adj: csr_matrix, nodes: np.ndarray) -> bool:
    if len(nodes) <= 1:
        return True
    return connected_components(adj[nodes][:, nodes], directed=False)[0] == 1


# --------------------------------------------------------------------------- heuristic


def _grow(graph: _Graph, seed: int, target_m2: float) -> np.ndarray | None:
    """Grow a connected set from ``seed`` along the cheapest joins until it is large enough."""
    n = graph.n
    chosen = np.zeros(n, dtype=bool)
    chosen[seed] = True
    # Entering a node costs its cost; a tiny epsilon keeps zero-cost links in the matrix.
    weights = graph.cost + _EPS_COST
    adj = graph.adjacency(weights)
    area = graph.area_m2[seed]
    while area < target_m2:
        sources = np.flatnonzero(chosen)
        # A virtual source joined to the chosen nodes at no cost: one search from the set.
        dist, pred = _multi_source(adj, sources, n)
        reach = np.flatnonzero(np.isfinite(dist) & ~chosen)
        if len(reach) == 0:
            return None
        order = reach[np.argsort(dist[reach], kind="stable")]
        gained = np.zeros(n)
        for v in order:  # in order of distance, so a node's predecessor is done before it
            p = pred[v]
            gained[v] = graph.area_m2[v] + (gained[p] if p >= 0 and not chosen[p] else 0.0)
        missing = target_m2 - area
        useful = np.minimum(gained[reach], missing)
        score = dist[reach] / np.maximum(useful, 1e-9)
        best = reach[int(np.argmin(score))]
        v = best
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


def _prune(graph: _Graph, chosen: np.ndarray, target_m2: float) -> np.ndarray:
    """Drop costly nodes, dearest first, while the set stays connected and large enough."""
    adj = graph.adjacency()
    chosen = chosen.copy()
    area = graph.area_m2[chosen].sum()
    costly = np.flatnonzero(chosen & ~graph.free)
    for v in costly[np.argsort(-graph.cost[costly], kind="stable")]:
        if area - graph.area_m2[v] < target_m2:
            continue
        chosen[v] = False
        if _connected(adj, np.flatnonzero(chosen)):
            area -= graph.area_m2[v]
        else:
            chosen[v] = True
    return chosen


def _heuristic(graph: _Graph, target_m2: float) -> np.ndarray | None:
    """Cheapest grown-and-pruned set over seeds in every part of the graph that can reach
    the target: its largest free blocks first, else its largest parcels per unit cost."""
    _, part = connected_components(graph.adjacency(), directed=False)
    feasible = np.bincount(part, graph.area_m2) >= target_m2 - 1e-6
    candidates = np.flatnonzero(feasible[part])
    rank = np.lexsort(
        (-graph.area_m2[candidates] / (graph.cost[candidates] + 1.0), ~graph.free[candidates])
    )
    seeds = candidates[rank][:_SEEDS]
    best, best_cost = None, math.inf
    for seed in seeds:
        chosen = _grow(graph, int(seed), target_m2)
        if chosen is None:
            continue
        total = graph.cost[chosen].sum()
        if total < best_cost - 1e-12:
            best, best_cost = chosen, total
    return best


# --------------------------------------------------------------------------- exact


def _exact(
    graph: _Graph, target_m2: float, time_limit_s: float, upper_cost: float
) -> tuple[np.ndarray | None, float]:
    """Cheapest connected set by row generation; returns (chosen or None, lower bound).

    Each round solves the area knapsack with the separator cuts found so far (HiGHS); a
    component of the solution that reaches the target alone is optimal (it costs no more
    than the relaxed optimum, a lower bound). Otherwise, for each component ``C`` and a
    node ``j`` of another one, the cut ``x_i + x_j − Σ_{k ∈ N(C)} x_k ≤ 1`` (``i`` in
    ``C``, ``N(C)`` the neighbours of ``C``) is added: any connected set holding both
    ``i`` and ``j`` must hold a node that separates them.
    """
    n = graph.n
    deadline = time.perf_counter() + time_limit_s
    adj = graph.adjacency().tocsr()
    # Rows: area (≥ target), cost cut-off (≤ the heuristic's cost), then separator cuts.
    rows = [graph.area_m2.astype(float), graph.cost.astype(float)]
    lower = [target_m2, -np.inf]
    upper = [np.inf, upper_cost + 1e-9]
    bound = 0.0
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            return None, bound
        result = milp(
            graph.cost,
            constraints=LinearConstraint(np.vstack(rows), lower, upper),
            integrality=np.ones(n),
            bounds=Bounds(np.zeros(n), np.ones(n)),
            options={"time_limit": left, "disp": False},
        )
        if result.x is None or result.status != 0:
            # Infeasible under the cut-off: nothing beats the heuristic.
            return (None, upper_cost) if result.status == 2 else (None, bound)
        chosen = result.x > 0.5
        bound = max(bound, float(graph.cost[chosen].sum()))
        nodes = np.flatnonzero(chosen)
        _, label = connected_components(adj[nodes][:, nodes], directed=False)
        sums = np.bincount(label, graph.area_m2[nodes])
        if len(sums) == 1 or sums.max() >= target_m2 - 1e-6:
            best = nodes[label == int(np.argmax(sums))]
            out = np.zeros(n, dtype=bool)
            out[best] = True
            return out, bound
        groups = [nodes[label == k] for k in range(len(sums))]
        for a, group in enumerate(groups):
            i = group[np.argmax(graph.area_m2[group])]
            ring = np.setdiff1d(np.unique(adj[group].indices), group)
            for b, other in enumerate(groups):
                if a == b:
                    continue
                j = other[np.argmax(graph.area_m2[other])]
                row = np.zeros(n)
                row[ring] = -1.0
                row[i] += 1.0
                row[j] += 1.0
                rows.append(row)
                lower.append(-np.inf)
                upper.append(1.0)


# --------------------------------------------------------------------------- public


def assemble_block(
    parcels: gpd.GeoDataFrame,
    *,
    target_ha: float,
    cost: pd.Series | str,
    free_statuses: Iterable[str] = DEFAULT_FREE_STATUSES,
    excluded_statuses: Iterable[str] = DEFAULT_EXCLUDED_STATUSES,
    tolerance_m: float = 20.0,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    within: shapely.Geometry | gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    method: Literal["auto", "exact", "heuristic"] = "auto",
    time_limit_s: float = 10.0,
) -> Assembly:
    """The cheapest set of parcels to assemble into one block of at least ``target_ha``.

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels with ``parcel_id`` and ``status`` (any CRS); ``area_m2`` used when present.
    target_ha : float
        Smallest block area wanted, hectares (> 0).
    cost : Series or str
        Cost of assembling each parcel (aligned with ``parcels``), or the name of a column;
        finite and ≥ 0. Free parcels cost 0 whatever is given.
    free_statuses, excluded_statuses : iterable of str
        Status codes (or labels) of land that is free today, and of land never taken.
    tolerance_m, barriers
        The contiguity rule, as in :func:`analysis.contiguity.contiguous_blocks`.
    within : polygon, optional
        Only parcels whose representative point lies inside it take part (e.g. a park);
        given in the parcels' CRS when a bare geometry, else reprojected.
    method : {"auto", "exact", "heuristic"}
        ``auto`` solves exactly up to :data:`EXACT_MAX_NODES` graph nodes.
    time_limit_s : float
        Time limit of the exact solver, seconds.

    Returns
    -------
    Assembly

    Raises
    ------
    InputError
        Bad parameters or costs; no allowed set reaches the target (the message names the
        largest reachable area).
    """
    started = time.perf_counter()
    target_ha = number_param(target_ha, "target_ha", "目标面积", strict=True)
    time_limit_s = number_param(time_limit_s, "time_limit_s", "求解时限", strict=True)
    if method not in ("auto", "exact", "heuristic"):
        raise InputError(
            f"求解方法「{method}」无效，可选 auto、exact、heuristic。",
            f"Unknown method '{method}'; use auto, exact or heuristic.",
        )
    free_codes = code_param(
        free_statuses, STATUS, "free_statuses", "无需成本的地块状态", allow_empty=True
    )
    excluded_codes = code_param(
        excluded_statuses, STATUS, "excluded_statuses", "不纳入的地块状态", allow_empty=True
    )
    i, j, area_m2 = parcel_links(parcels, tolerance_m=tolerance_m, barriers=barriers)
    costs = _costs(parcels, cost)
    status = parcels["status"].astype(object).to_numpy()
    free = np.isin(status, free_codes)
    allowed = ~np.isin(status, excluded_codes) & _inside(parcels, within)
    graph, _ = _contract(len(parcels), i, j, area_m2, costs, free, allowed)
    target_m2 = target_ha * _M2_PER_HA

    largest = _largest_reachable_m2(graph)
    if largest < target_m2 - 1e-6:
        raise InputError(
            f"在允许的地块中最多只能连成 {largest / _M2_PER_HA:,.1f} 公顷，达不到目标 "
            f"{target_ha:,.1f} 公顷；请降低目标、扩大范围或允许更多地块状态。",
            f"The allowed parcels join into at most {largest / _M2_PER_HA:,.1f} ha, short of "
            f"the {target_ha:,.1f} ha target; lower the target, widen the area or allow more "
            "statuses.",
        )

    exact = method == "exact" or (method == "auto" and graph.n <= EXACT_MAX_NODES)
    chosen = _heuristic(graph, target_m2)
    optimal, gap, used = False, math.nan, "heuristic"
    if exact:
        heuristic_cost = graph.cost[chosen].sum() if chosen is not None else math.inf
        solved, bound = _exact(graph, target_m2, time_limit_s, heuristic_cost)
        if solved is not None:
            chosen, used, optimal, gap = solved, "exact", True, 0.0
        elif chosen is not None:
            # Time ran out (or the cut-off proved the heuristic optimal): report its gap.
            used = "exact" if bound >= heuristic_cost - 1e-9 else "heuristic"
            optimal = used == "exact"
            gap = 0.0 if optimal else (heuristic_cost - bound) / max(heuristic_cost, 1e-12)
    if chosen is None:  # only when the heuristic failed and the solver found nothing in time
        raise InputError(
            "在求解时限内没有找到可行的整备方案，请延长时限或缩小范围。",
            "No feasible assembly was found within the time limit; allow more time or "
            "search a smaller area.",
        )
    seed = int(np.flatnonzero(chosen)[0])
    block_nodes = _component_of(graph, chosen, seed)
    positions = np.concatenate([graph.members[v] for v in block_nodes])
    ids = parcels["parcel_id"].astype(str).to_numpy(dtype=object)
    added = positions[~free[positions]]
    return Assembly(
        parcel_ids=tuple(sorted(ids[positions])),
        added=tuple(sorted(ids[added])),
        area_ha=float(area_m2[positions].sum() / _M2_PER_HA),
        cost=float(costs[added].sum()),
        optimal=bool(optimal),
        gap=float(gap),
        method=used,
        seconds=time.perf_counter() - started,
    )


def _largest_reachable_m2(graph: _Graph) -> float:
    if graph.n == 0:
        return 0.0
    _, label = connected_components(graph.adjacency(), directed=False)
    return float(np.bincount(label, graph.area_m2).max())


def _costs(parcels: gpd.GeoDataFrame, cost: pd.Series | str) -> np.ndarray:
    if isinstance(cost, str):
        if cost not in parcels.columns:
            raise InputError(
                f"地块图层没有成本字段「{cost}」。",
                f"The parcel layer has no cost column '{cost}'.",
            )
        cost = parcels[cost]
    if not isinstance(cost, pd.Series) or not cost.index.equals(parcels.index):
        raise InputError(
            "整备成本应为与地块图层同索引的序列（或字段名）。",
            "The cost must be a Series indexed like the parcels (or a column name).",
        )
    values = pd.to_numeric(cost, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if len(bad):
        shown = ", ".join(str(r + 1) for r in bad[:10])
        raise InputError(
            f"整备成本应为不小于 0 的有限数值，第 {shown} 行不是。",
            f"Costs must be finite numbers ≥ 0; rows {shown} are not.",
        )
    return values


def _inside(parcels: gpd.GeoDataFrame, within) -> np.ndarray:
    if within is None:
        return np.ones(len(parcels), dtype=bool)
    if isinstance(within, gpd.GeoDataFrame | gpd.GeoSeries):
        require_crs(within, "范围 within")
        area = shapely.union_all(np.asarray(within.to_crs(parcels.crs).geometry.array))
    else:
        area = within
    points = shapely.point_on_surface(np.asarray(parcels.geometry.array))
    return shapely.contains(area, points)
