"""Exact 整备建议: the cheapest connected node set reaching the target, by a MILP per part.

Preprocessing
-------------
* Parts: a block lies inside one connected component of the contracted graph, so each
  component whose area reaches the target (a *part*) is solved on its own, the cheapest
  answer over the parts kept.
* Bounds from the incumbent (the heuristic's cost ``U``): a part whose knapsack bound (the
  LP of ``min Σ c_v x_v, Σ a_v x_v ≥ target, 0 ≤ x ≤ 1`` — take land in order of cost per
  m², the last piece fractionally) is at least ``U`` cannot improve on it and is skipped; a
  node ``v`` with ``c_v + knapsack(target − a_v) > U`` can be in no better set and is
  dropped — which can split the part into smaller ones, each checked again. So is a node
  whose *ball* — the nodes its cheapest paths (node costs, both ends counted) reach within
  ``U`` — holds no knapsack of the target within ``U``: a connected set lies in the ball of
  radius its own cost around each of its nodes. With a root fixed (below), a node must
  pass the same test on the nodes in both its ball and the root's.

The model (single-commodity flow with a root variable)
------------------------------------------------------
Binary ``x_v`` (node chosen) and ``r_v`` (node is the root), flows ``f_uv ≥ 0`` on both
directions of every link; every chosen node but the root keeps at least one unit, the root
sends them::

    minimise    Σ c_v x_v
    subject to  Σ a_v x_v ≥ target,   Σ c_v x_v ≤ U          (area m², cut-off)
                Σ r_v = 1,   r_v ≤ x_v
                Σ_u f_uv − Σ_w f_vw ≥ x_v − (M + 1) r_v        (flow balance)
                f_uv ≤ M x_u,   f_uv ≤ M x_v
                x_v ≤ r_v + Σ_{u ∈ N(v)} x_u                   (a chosen node has a
                                                                chosen neighbour or roots)
                x_v ≤ p_v,   p_v = Σ_{u ≤ v} r_u                (the root is the first chosen
                                                                node: no symmetric copies)

``M + 1`` is the most nodes a set cheaper than ``U`` can hold (every free block and the
cheapest costly nodes up to ``U``). Nodes are ordered free blocks first, largest first. A
chosen set has a feasible flow exactly when it is connected (a spanning tree from the root
carries it; a chosen group cut off from the root would keep units no arc brings), so the
optimum is the cheapest connected set.

Root cases
----------
Each part is solved case by case: the root is free block ``k`` (``x_k = r_k = 1``, the
free blocks before it left out), or no free block is chosen (root among the costly nodes).
A fixed root allows two more reductions: nodes whose cheapest path from the root (node
costs, Dijkstra) costs more than ``U`` are dropped, and the LP relaxation is tightened by
rounds of node-separator and area-cover cuts (:mod:`analysis.assembly._cuts`). A case
whose knapsack or LP bound (with the cost cut-off at the best cost so far) cannot beat that cost is
skipped; the others go to HiGHS (:mod:`analysis.assembly._highs`) — on the model without the
cut rows, which HiGHS solves faster — with the best cost so far as its objective cut-off, so
a case ending *infeasible* is proven unable to beat it. When time runs out, a case's bound
is the solver's dual bound (or its LP bound), the part's bound the least over its cases,
and the reported gap ``(cost − bound) / cost``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix, hstack, identity, vstack
from scipy.sparse.csgraph import dijkstra

from analysis.assembly._cuts import cover_cuts, separator_cuts
from analysis.assembly._graph import Graph, feasible_parts
from analysis.assembly._highs import Result
from analysis.assembly._highs import solve as solve_highs

__all__ = ["ExactOutcome", "exact", "knapsack_bound"]

_TOL = 1e-9
#: Share of a case's time for rounds of cuts on its LP relaxation, and the most rounds.
_CUT_SHARE = 0.3
_CUT_ROUNDS = 8
#: Relative margin below the best cost at which a case's MILP is cut off (far below the
#: solver's own optimality tolerance, 1e-4 relative).
_CUTOFF_MARGIN = 1e-6


@dataclass(frozen=True)
class ExactOutcome:
    """Best set found (bool mask over the graph's nodes, or None), its cost, the proven
    lower bound on the optimum, and whether every part was closed within the time limit."""

    chosen: np.ndarray | None
    cost: float
    bound: float
    finished: bool


def knapsack_bound(area_m2: np.ndarray, cost: np.ndarray, need_m2: np.ndarray) -> np.ndarray:
    """LP bound ``min Σ c x, Σ a x ≥ need, 0 ≤ x ≤ 1`` for each ``need`` (inf when the
    area cannot reach it): land in order of cost per m², the last piece fractionally."""
    need = np.atleast_1d(np.asarray(need_m2, dtype=float))
    positive = area_m2 > 0
    a, c = area_m2[positive], cost[positive]
    order = np.argsort(c / a, kind="stable")
    a, c = a[order], c[order]
    cum_a = np.concatenate([[0.0], np.cumsum(a)])
    cum_c = np.concatenate([[0.0], np.cumsum(c)])
    k = np.searchsorted(cum_a, need, side="left")  # cum_a[k-1] < need <= cum_a[k]
    out = np.full(len(need), math.inf)
    inside = (k >= 1) & (k <= len(a))
    kk = k[inside]
    out[inside] = cum_c[kk - 1] + (need[inside] - cum_a[kk - 1]) * (c[kk - 1] / a[kk - 1])
    out[need <= 0] = 0.0
    return out


def exact(
    graph: Graph, target_m2: float, time_limit_s: float, incumbent: np.ndarray | None
) -> ExactOutcome:
    """Cheapest connected node set with area ≥ ``target_m2`` (see the module notes)."""
    deadline = time.perf_counter() + time_limit_s
    best = incumbent
    upper = math.inf if incumbent is None else float(graph.cost[incumbent].sum())
    queue = feasible_parts(graph, target_m2)
    bounds: list[float] = []
    finished = True
    while queue:
        nodes = queue.pop(0)
        if knapsack_bound(graph.area_m2[nodes], graph.cost[nodes], target_m2)[0] >= upper - _TOL:
            continue  # no set of this part beats the incumbent
        keep = _surviving(graph, nodes, target_m2, upper)
        if len(keep) < len(nodes):
            queue.extend(feasible_parts(graph, target_m2, keep))
            continue
        left = deadline - time.perf_counter()
        if left <= 0:
            finished = False
            bounds.append(
                float(knapsack_bound(graph.area_m2[nodes], graph.cost[nodes], target_m2)[0])
            )
            continue
        chosen, part_bound, closed = _solve_part(graph.subgraph(nodes), target_m2, upper, left)
        finished &= closed
        if chosen is not None:
            value = float(graph.cost[nodes][chosen].sum())
            if value < upper - _TOL or best is None:
                best = np.zeros(graph.n, dtype=bool)
                best[nodes[chosen]] = True
                upper = value
        bounds.append(part_bound)
    # Parts skipped or proven hopeless are bounded by the incumbent itself.
    lower = min([upper, *bounds]) if best is not None else min(bounds, default=math.inf)
    return ExactOutcome(best, upper, min(lower, upper), finished)


def _surviving(graph: Graph, nodes: np.ndarray, target_m2: float, upper: float) -> np.ndarray:
    """Nodes of a part that can still be in a set cheaper than ``upper``."""
    if not math.isfinite(upper):
        return nodes
    area, cost = graph.area_m2[nodes], graph.cost[nodes]
    rest = knapsack_bound(area, cost, np.maximum(target_m2 - area, 0.0))
    nodes = nodes[cost + rest <= upper + _TOL]
    return nodes[_ball_bounded(graph.subgraph(nodes), target_m2, upper)]


def _ball_bounded(graph: Graph, target_m2: float, upper: float) -> np.ndarray:
    """Mask of the nodes ``v`` whose *ball* — the nodes whose cheapest path from ``v``
    (node costs, both ends counted) costs at most ``upper`` — holds a knapsack of the
    target costing at most ``upper``. A connected set ``S ∋ v`` lies in the ball of radius
    ``cost(S)`` (the path to any of its nodes runs inside ``S``), so the knapsack over that
    ball bounds ``cost(S)`` from below; a node failing the test is in no set cheaper than
    ``upper``."""
    if graph.n == 0:
        return np.zeros(0, dtype=bool)
    dist = dijkstra(graph.adjacency(graph.cost + 1e-12), directed=True) + graph.cost[:, None]
    inside = dist <= upper + _TOL
    keep = np.ones(graph.n, dtype=bool)
    for v in range(graph.n):
        ball = inside[v]
        keep[v] = knapsack_bound(graph.area_m2[ball], graph.cost[ball], target_m2)[0] <= (
            upper + _TOL
        )
    return keep


def _solve_part(
    graph: Graph, target_m2: float, upper: float, time_limit_s: float
) -> tuple[np.ndarray | None, float, bool]:
    """Solve one part, root case by root case: (chosen mask or None, lower bound, closed).

    Cases: the root is free block ``k`` (the free blocks before it, in the model's order,
    left out), or no free block is chosen. A case whose bound — the knapsack bound, or the
    LP after rounds of separator cuts — cannot beat the best cost so far is skipped."""
    n = graph.n
    if n == 1:
        ok = graph.area_m2[0] >= target_m2 - 1e-6 and graph.cost[0] <= upper + _TOL
        return (np.ones(1, dtype=bool) if ok else None), float(graph.cost[0]), True
    # Free blocks first, largest first; then costly nodes by cost per m².
    order = np.lexsort((graph.cost / np.maximum(graph.area_m2, 1e-9), -graph.area_m2, ~graph.free))
    g = _reorder(graph, order)
    deadline = time.perf_counter() + time_limit_s
    model = _flow_model(g, target_m2, upper)
    best, best_cost, bounds, closed = None, upper, [], True
    weighted = g.adjacency(g.cost + 1e-12)
    for root, low, high in _root_cases(g):
        if not high[:n].any():
            continue
        case_bound = _case_bound(g, low, high, target_m2)
        if root is not None and case_bound < best_cost - _TOL:
            case_bound = max(case_bound, _root_bound(g, weighted, root, high, target_m2, upper))
        if case_bound >= best_cost - _TOL:
            continue
        left = deadline - time.perf_counter()
        if left <= 0:
            closed = False
            bounds.append(case_bound)
            continue
        if root is not None and math.isfinite(best_cost):
            high = _near_root(weighted, root, high, best_cost)
            high = _in_both_balls(g, weighted, root, high, target_m2, best_cost)
            if _case_bound(g, low, high, target_m2) >= best_cost - _TOL:
                continue
        model = model.with_cutoff(best_cost)
        cut_until = time.perf_counter() + _CUT_SHARE * left
        lp_bound = _cut_bound(g, model, low, high, cut_until, target_m2)
        if lp_bound >= best_cost - _TOL:
            continue
        chosen, bound, done = _solve_case(model, low, high, deadline, best_cost)
        closed &= done
        if chosen is not None and g.cost[chosen].sum() < best_cost - _TOL:
            best, best_cost = chosen, float(g.cost[chosen].sum())
        bounds.append(max(bound, lp_bound))
    lower = min([best_cost, *bounds])
    if best is None:
        return None, lower, closed
    chosen = np.zeros(n, dtype=bool)
    chosen[order] = best
    return chosen, lower, closed


def _root_cases(graph: Graph):
    """(root, low, high) per case: variable bounds of x and r with free block ``root`` as
    the root and the free blocks before it left out, or (None, …) with no free block."""
    n, size = graph.n, 3 * graph.n
    free = np.flatnonzero(graph.free)  # 0 … F−1 in the model's order
    for k in [*free, None]:
        low, high = np.zeros(size), np.ones(size)
        high[n : 2 * n] = 0.0  # r: only the case's root
        if k is None:
            high[free] = 0.0
            high[n + np.flatnonzero(~graph.free)] = 1.0
        else:
            high[:k] = 0.0
            low[k] = low[n + k] = high[n + k] = 1.0
        yield k, low, high


def _near_root(weighted: csr_matrix, root: int, high: np.ndarray, upper: float) -> np.ndarray:
    """``high`` with the nodes left out that no set cheaper than ``upper`` holding the root
    can reach: their cheapest path from the root (node costs) costs more than ``upper``."""
    n = weighted.shape[0]
    allowed = np.flatnonzero(high[:n] > 0)
    sub = weighted[allowed][:, allowed]
    dist = dijkstra(sub, directed=True, indices=int(np.searchsorted(allowed, root)))
    high = high.copy()
    high[allowed[dist > upper + _TOL]] = 0.0
    return high


def _in_both_balls(
    graph: Graph, weighted: csr_matrix, root: int, high: np.ndarray, target_m2: float, upper: float
) -> np.ndarray:
    """``high`` with the nodes ``v`` left out for which the nodes within path cost ``upper``
    of both the root and ``v`` hold no knapsack of the target within ``upper``: a connected
    set holding both lies in both balls of radius its cost (see :func:`_ball_bounded`)."""
    n = graph.n
    allowed = np.flatnonzero(high[:n] > 0)
    cost, area = graph.cost[allowed], graph.area_m2[allowed]
    dist = dijkstra(weighted[allowed][:, allowed], directed=True) + cost[:, None]
    near = dist <= upper + _TOL
    from_root = near[int(np.searchsorted(allowed, root))]
    high = high.copy()
    for k, v in enumerate(allowed):
        ball = from_root & near[k]
        if knapsack_bound(area[ball], cost[ball], target_m2)[0] > upper + _TOL:
            high[v] = 0.0
    return high


def _root_bound(
    graph: Graph, weighted: csr_matrix, root: int, high: np.ndarray, target_m2: float, upper: float
) -> float:
    """Lower bound on the cost of a set holding ``root`` among the nodes ``high`` allows:
    the least ``C`` whose ball (nodes within path cost ``C`` of the root, both ends counted)
    holds a knapsack of the target costing at most ``C`` (see :func:`_ball_bounded`);
    ``upper`` when there is none below it."""
    if not math.isfinite(upper):
        return 0.0
    n = graph.n
    allowed = np.flatnonzero(high[:n] > 0)
    sub = weighted[allowed][:, allowed]
    start = int(np.searchsorted(allowed, root))
    dist = dijkstra(sub, directed=True, indices=start) + graph.cost[root]
    area, cost = graph.area_m2[allowed], graph.cost[allowed]
    radii = np.unique(dist[dist <= upper + _TOL])
    for k, radius in enumerate(radii):
        ball = dist <= radius + _TOL
        least = max(float(radius), float(knapsack_bound(area[ball], cost[ball], target_m2)[0]))
        if k + 1 == len(radii) or least < radii[k + 1]:
            return min(least, upper)
    return upper


def _case_bound(graph: Graph, low: np.ndarray, high: np.ndarray, target_m2: float) -> float:
    """Knapsack bound over the nodes a case allows (its root forced in at no cost)."""
    n = graph.n
    allowed = high[:n] > 0
    return float(knapsack_bound(graph.area_m2[allowed], graph.cost[allowed], target_m2)[0])


def _cut_bound(graph: Graph, model: _Model, low, high, deadline: float, target_m2: float) -> float:
    """LP bound of the case after rounds of separator and area-cover cuts, stopped when
    the bound stalls or, at its pace, would not reach the model's cost cut-off. The cuts
    serve this bound only (whether the case is worth solving): the MILP runs faster without
    their rows (金沙-碧湖's first root case: 10 s against 14 s)."""
    n, bound, cutoff = graph.n, -math.inf, float(model.upper[1])
    for done in range(1, _CUT_ROUNDS + 1):
        lp = model.solve(low, high, max(deadline - time.perf_counter(), 1e-3), relax=True)
        if lp.status == "infeasible":
            return math.inf
        if lp.x is None or lp.status != "optimal":
            break
        gain = lp.objective - bound
        stalled = gain <= 1e-2 * max(1.0, abs(lp.objective))
        bound = max(bound, lp.objective)
        # At this round's pace the bound would not reach the cut-off: the case gets solved
        # anyway, and the time is the MILP's.
        too_slow = bound + gain * (_CUT_ROUNDS - done) < cutoff - _TOL
        if stalled or too_slow or time.perf_counter() >= deadline:
            break
        cuts = separator_cuts(graph, lp.x[:n], lp.x[n : 2 * n])
        cuts += cover_cuts(graph, lp.x[:n], target_m2)
        if not cuts:
            break
        model = model.with_cuts(cuts)
    return bound


def _solve_case(model: _Model, low, high, deadline: float, upper: float):
    """The case's MILP, cut off at ``upper`` (only cheaper sets count): (chosen mask or
    None, lower bound, closed)."""
    n = model.n
    model = model.with_cutoff(math.inf)  # the cut-off goes to HiGHS instead of a row
    cutoff = upper - _CUTOFF_MARGIN * max(1.0, abs(upper)) if math.isfinite(upper) else upper
    result = model.solve(
        low, high, max(deadline - time.perf_counter(), 1e-3), relax=False, cutoff=cutoff
    )
    if result.status == "infeasible":  # no set of the case is cheaper than ``upper``
        return None, upper, True
    bound = min(max(result.dual_bound, 0.0), upper)
    if result.x is None:
        return None, bound, False
    chosen = result.x[:n] > 0.5
    if result.status == "optimal":
        return chosen, float(model.c[:n][chosen].sum()), True
    return chosen, bound, False


def _reorder(graph: Graph, order: np.ndarray) -> Graph:
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return Graph(
        graph.area_m2[order],
        graph.cost[order],
        graph.free[order],
        rank[graph.edge_u],
        rank[graph.edge_v],
        (),
    )


@dataclass(frozen=True)
class _Model:
    """The flow model as arrays (see :func:`_flow_model`), with cuts appended as rows."""

    n: int
    c: np.ndarray
    matrix: csr_matrix
    lower: np.ndarray
    upper: np.ndarray
    integrality: np.ndarray
    ub: np.ndarray

    def with_cutoff(self, cost: float) -> _Model:
        """The same model with the cost row (row 1) capped at ``cost``."""
        upper = self.upper.copy()
        upper[1] = cost + 1e-7
        return replace(self, upper=upper)

    def with_cuts(self, cuts: list) -> _Model:
        """The model with separator cuts ``x_v − Σ_S x_k − Σ_R r_u ≤ 0`` appended."""
        n = self.n
        rows = np.zeros((len(cuts), self.matrix.shape[1]))
        for k, (v, nodes, roots) in enumerate(cuts):
            rows[k, nodes] -= 1.0
            rows[k, n + roots] -= 1.0
            rows[k, v] += 1.0
        return replace(
            self,
            matrix=vstack([self.matrix, csr_matrix(rows)]).tocsr(),
            lower=np.concatenate([self.lower, np.full(len(cuts), -np.inf)]),
            upper=np.concatenate([self.upper, np.zeros(len(cuts))]),
        )

    def solve(
        self,
        low: np.ndarray,
        high: np.ndarray,
        time_limit_s: float,
        relax: bool,
        cutoff: float = math.inf,
    ) -> Result:
        """HiGHS on the model with x, r bounded by ``low``/``high`` (p, f as built); with a
        finite ``cutoff`` only sets cheaper than it count."""
        size = len(low)
        lb, ub = np.zeros(len(self.c)), self.ub.copy()
        lb[:size], ub[:size] = low, np.minimum(ub[:size], high)
        return solve_highs(
            self.c,
            self.matrix,
            self.lower,
            self.upper,
            lb,
            ub,
            self.integrality,
            time_limit_s=time_limit_s,
            relax=relax,
            cutoff=cutoff,
        )


def _most_nodes(graph: Graph, upper: float) -> float:
    """Most nodes a set cheaper than ``upper`` can hold: every free block and the cheapest
    costly nodes while their costs add up to at most ``upper`` (all nodes when unbounded)."""
    if not math.isfinite(upper):
        return float(graph.n)
    costs = np.sort(graph.cost[~graph.free])
    affordable = int(np.searchsorted(np.cumsum(costs), upper + 1e-7, side="right"))
    return float(min(graph.n, int(graph.free.sum()) + affordable))


def _flow_model(graph: Graph, target_m2: float, upper: float) -> _Model:
    """Objective, constraint matrix, row bounds, integrality and variable upper bounds of
    the model; variables x, r, p, f (``p`` the running sum of ``r``, so the symmetry rows
    stay sparse)."""
    n = graph.n
    big = _most_nodes(graph, upper) - 1.0
    tails = np.concatenate([graph.edge_u, graph.edge_v])
    heads = np.concatenate([graph.edge_v, graph.edge_u])
    arcs = len(tails)
    eye_n, eye_a = identity(n, format="csr"), identity(arcs, format="csr")
    zero_na, zero_an = csr_matrix((n, arcs)), csr_matrix((arcs, n))
    head = coo_matrix((np.ones(arcs), (np.arange(arcs), heads)), shape=(arcs, n)).tocsr()
    tail = coo_matrix((np.ones(arcs), (np.arange(arcs), tails)), shape=(arcs, n)).tocsr()
    net_in = (head - tail).T.tocsr()  # (n × arcs): +1 for arcs into v, −1 out of v
    neighbours = graph.adjacency()
    # p_v − p_{v−1} − r_v = 0: the running sum of the root variables.
    step = (
        eye_n - coo_matrix((np.ones(n - 1), (np.arange(1, n), np.arange(n - 1))), shape=(n, n))
    ).tocsr()
    none = csr_matrix((n, n))
    row = np.zeros((1, 3 * n + arcs))
    area_row, cost_row, root_row = row.copy(), row.copy(), row.copy()
    area_row[0, :n], cost_row[0, :n], root_row[0, n : 2 * n] = graph.area_m2, graph.cost, 1.0
    blocks = [
        (area_row, target_m2, np.inf),  # area ≥ target
        (cost_row, -np.inf, upper + 1e-7),  # cost ≤ cut-off
        (root_row, 1.0, 1.0),  # one root
        (hstack([-eye_n, eye_n, none, zero_na]), -np.inf, 0.0),  # r_v ≤ x_v
        (hstack([-eye_n, (big + 1) * eye_n, none, net_in]), 0.0, np.inf),  # flow balance
        (hstack([-big * head, zero_an, zero_an, eye_a]), -np.inf, 0.0),  # f_uv ≤ M x_v
        (hstack([-big * tail, zero_an, zero_an, eye_a]), -np.inf, 0.0),  # f_uv ≤ M x_u
        (hstack([eye_n - neighbours, -eye_n, none, zero_na]), -np.inf, 0.0),  # a chosen neighbour
        (hstack([none, -eye_n, step, zero_na]), 0.0, 0.0),  # p = running sum of r
        (hstack([eye_n, none, -eye_n, zero_na]), -np.inf, 0.0),  # x_v ≤ p_v
    ]
    matrix = vstack([csr_matrix(b[0]) for b in blocks]).tocsr()
    rows = [b[0].shape[0] for b in blocks]
    lower = np.concatenate([np.broadcast_to(b[1], r) for b, r in zip(blocks, rows, strict=True)])
    upper_rows = np.concatenate(
        [np.broadcast_to(b[2], r) for b, r in zip(blocks, rows, strict=True)]
    )
    c = np.concatenate([graph.cost, np.zeros(2 * n + arcs)])
    integrality = np.concatenate([np.ones(2 * n), np.zeros(n + arcs)])
    ub = np.concatenate([np.ones(3 * n), np.full(arcs, max(big, 1.0))])
    return _Model(n, c, matrix, lower, upper_rows, integrality, ub)
