"""整备建议: the cheapest connected assembly, checked against brute force and by hand."""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString, box

from analysis.assembly import (
    COST_PARTS,
    TRUNK_ROAD_WIDTH_M,
    across_trunk_roads,
    assemble_block,
    assembly_cost,
    assembly_cost_parts,
    firms_on_parcels,
    largest_reachable_ha,
)
from analysis.assembly._cuts import cover_cuts, separator_cuts
from analysis.assembly._exact import (
    _in_both_balls,
    _root_bound,
    _solve_part,
    _surviving,
    knapsack_bound,
)
from analysis.assembly._graph import Graph, connected, contract
from analysis.assembly._highs import solve as solve_highs
from analysis.contiguity import contiguous_blocks, parcel_links
from geo.crs import METRIC_CRS
from geo.errors import InputError

X0, Y0 = 535_000.0, 2_511_000.0
CELL_M, GAP_M = 100.0, 15.0  # 1 ha parcels, 15 m branch roads: only facing parcels link at 20 m


def grid(statuses: list[str], costs: list[float], ncols: int) -> gpd.GeoDataFrame:
    geoms = []
    for k in range(len(statuses)):
        r, c = divmod(k, ncols)
        x, y = X0 + c * (CELL_M + GAP_M), Y0 + r * (CELL_M + GAP_M)
        geoms.append(box(x, y, x + CELL_M, y + CELL_M))
    return gpd.GeoDataFrame(
        {
            "parcel_id": [f"P{k:02d}" for k in range(len(statuses))],
            "status": statuses,
            "land_use": "M1",
            "cost": costs,
        },
        geometry=geoms,
        crs=METRIC_CRS,
    )


FREE = ("low_efficiency", "reserve", "available")
EXCLUDED = ("under_construction", "non_industrial")


def brute_force(parcels: gpd.GeoDataFrame, target_ha: float) -> float:
    """Least cost over every subset of the takeable parcels (math.inf when none reaches)."""
    i, j, area = parcel_links(parcels, tolerance_m=20.0)
    status = parcels["status"].to_numpy()
    free = np.isin(status, FREE)
    takeable = np.flatnonzero(~free & ~np.isin(status, EXCLUDED))
    cost = parcels["cost"].to_numpy(dtype=float)
    n = len(parcels)
    best = math.inf
    for size in range(len(takeable) + 1):
        for subset in itertools.combinations(takeable, size):
            price = cost[list(subset)].sum()
            if price >= best:
                continue
            take = free.copy()
            take[list(subset)] = True
            if not take.any():
                continue
            keep = take[i] & take[j]
            graph = coo_matrix((np.ones(keep.sum()), (i[keep], j[keep])), shape=(n, n))
            _, label = connected_components(graph, directed=False)
            sums = np.bincount(label[take], area[take])
            if sums.max() >= target_ha * 1e4 - 1e-6:
                best = price
    return best


def test_known_answer_the_cheap_join_across_two_free_blocks():
    # Row of five 1 ha parcels: free, built (cost 5), free, built (cost 1), free.
    parcels = grid(["available", "built", "reserve", "built", "available"], [0, 5, 0, 1, 0], 5)
    # 3 ha: join P02 and P04 through P03 (cost 1), not P00 and P02 through P01 (cost 5).
    result = assemble_block(parcels, target_ha=3.0, cost="cost")
    assert result.added == ("P03",)
    assert result.cost == 1.0 and result.area_ha == pytest.approx(3.0)
    assert result.optimal and result.gap == 0.0 and result.method == "exact"
    # 5 ha needs both.
    result = assemble_block(parcels, target_ha=5.0, cost="cost")
    assert result.added == ("P01", "P03") and result.cost == 6.0
    assert result.parcel_ids == tuple(f"P{k:02d}" for k in range(5))


def test_the_block_is_one_block_under_the_contiguity_rule():
    parcels = grid(["available", "built", "reserve", "built", "available"], [0, 5, 0, 1, 0], 5)
    result = assemble_block(parcels, target_ha=3.0, cost="cost")
    scenario = parcels.copy()
    scenario.loc[scenario["parcel_id"].isin(result.added), "status"] = "reserve"
    blocks = contiguous_blocks(scenario, statuses=FREE, tolerance_m=20.0)
    block_of = blocks.parcel_block.reindex(list(result.parcel_ids))
    assert block_of.nunique() == 1
    assert blocks.blocks.set_index("block_id").loc[block_of.iloc[0], "area_ha"] >= 3.0


def test_a_trunk_road_makes_the_cheap_join_impossible():
    parcels = grid(["available", "built", "reserve", "built", "available"], [0, 5, 0, 1, 0], 5)
    # A trunk road between P03 and P04 (x between columns 3 and 4).
    x = X0 + 4 * (CELL_M + GAP_M) - GAP_M / 2
    road = gpd.GeoDataFrame(
        {"kind": ["trunk_road"]},
        geometry=[LineString([(x, Y0 - 50), (x, Y0 + 150)])],
        crs=METRIC_CRS,
    )
    free_road = assemble_block(parcels, target_ha=3.0, cost="cost")
    blocked = assemble_block(parcels, target_ha=3.0, cost="cost", barriers=road)
    assert free_road.cost == 1.0
    assert blocked.added == ("P01",) and blocked.cost == 5.0


def test_excluded_parcels_are_never_chosen_and_unreachable_targets_say_how_far():
    parcels = grid(["available", "under_construction", "reserve"], [0, 0, 0], 3)
    with pytest.raises(InputError) as err:
        assemble_block(parcels, target_ha=2.0, cost="cost")
    assert "1.0 公顷" in str(err.value) and "1.0 ha" in str(err.value)
    assert assemble_block(parcels, target_ha=1.0, cost="cost").added == ()


def test_within_limits_the_search_to_an_area():
    parcels = grid(["available", "built", "reserve", "built", "available"], [0, 5, 0, 1, 0], 5)
    # Only the first three parcels are inside: the join must go through P01.
    area = box(X0 - 10, Y0 - 10, X0 + 3 * (CELL_M + GAP_M) - GAP_M / 2, Y0 + CELL_M + 10)
    result = assemble_block(parcels, target_ha=3.0, cost="cost", within=area)
    assert result.added == ("P01",) and set(result.parcel_ids) == {"P00", "P01", "P02"}


def test_bad_costs_and_parameters_are_refused():
    parcels = grid(["available", "built"], [0, -1], 2)
    with pytest.raises(InputError, match="不小于 0"):
        assemble_block(parcels, target_ha=1.0, cost="cost")
    with pytest.raises(InputError, match="目标面积"):
        assemble_block(parcels, target_ha=0, cost=pd.Series([0.0, 1.0], index=parcels.index))
    with pytest.raises(InputError, match="成本字段"):
        assemble_block(parcels, target_ha=1.0, cost="nope")


statuses = st.sampled_from(
    ["available", "reserve", "built", "built", "granted_unbuilt", "non_industrial"]
)


@settings(max_examples=25, deadline=None)
@given(
    data=st.lists(st.tuples(statuses, st.integers(0, 9)), min_size=9, max_size=16),
    target=st.integers(2, 8),
)
def test_exact_equals_brute_force_and_the_heuristic_is_connected_and_no_cheaper(data, target):
    n = len(data)
    parcels = grid([s for s, _ in data], [float(c) for _, c in data], ncols=4)
    best = brute_force(parcels, float(target))
    if math.isinf(best):
        with pytest.raises(InputError):
            assemble_block(parcels, target_ha=float(target), cost="cost")
        return
    exact = assemble_block(parcels, target_ha=float(target), cost="cost", method="exact")
    assert exact.optimal and exact.cost == pytest.approx(best)
    heuristic = assemble_block(parcels, target_ha=float(target), cost="cost", method="heuristic")
    assert heuristic.cost >= best - 1e-9
    for result in (exact, heuristic):
        assert result.area_ha >= target - 1e-9
        status = parcels.set_index("parcel_id")["status"]
        assert not status.loc[list(result.added)].isin(EXCLUDED).any()
        # One block: the chosen parcels are connected under the contiguity rule.
        chosen = parcels["parcel_id"].isin(result.parcel_ids).to_numpy()
        i, j, _ = parcel_links(parcels, tolerance_m=20.0)
        keep = chosen[i] & chosen[j]
        graph = coo_matrix((np.ones(keep.sum()), (i[keep], j[keep])), shape=(n, n))
        _, label = connected_components(graph, directed=False)
        assert len(set(label[chosen])) == 1


def test_costs_from_floor_space_firms_and_status():
    parcels = grid(["built", "built", "available"], [0, 0, 0], 3)
    parcels["gfa_current_m2"] = [20_000.0, 0.0, 5_000.0]
    firm_xy = [(X0 + 50, Y0 + 50), (X0 + 60, Y0 + 60), (X0 + CELL_M + GAP_M + 50, Y0 + 50)]
    firms = gpd.GeoDataFrame(
        {"output_10k_cny": [20_000.0, 0.0, 10_000.0], "is_above_scale": [True, False, False]},
        geometry=gpd.points_from_xy(*zip(*firm_xy, strict=True)),
        crs=METRIC_CRS,
    )
    weights = {
        "per_10k_m2_gfa": 1.0,
        "per_firm": 2.0,
        "per_100m_cny_output": 1.0,
        "per_above_scale_firm": 3.0,
        "status:built": 0.5,
    }
    cost = assembly_cost(parcels, firms, weights)
    # P00: 2 (gfa) + 2×2 (firms) + 2 (产值 2 亿) + 3 (规上) + 0.5 = 11.5
    # P01: 0 + 2 + 1 + 0 + 0.5 = 3.5; P02: 0.5 (gfa) only, status available has no weight
    assert cost.tolist() == pytest.approx([11.5, 3.5, 0.5])
    with pytest.raises(InputError):
        assembly_cost(parcels, firms, {"per_firm": -1.0})


def test_cost_parts_say_what_stands_on_each_parcel_and_add_up_to_the_cost():
    parcels = grid(["built", "built", "available"], [0, 0, 0], 3)
    parcels["gfa_current_m2"] = [20_000.0, 0.0, 5_000.0]
    # Two firms on P00, one on P01, one on no parcel (in the road between P01 and P02).
    firm_xy = [
        (X0 + 50, Y0 + 50),
        (X0 + 60, Y0 + 60),
        (X0 + CELL_M + GAP_M + 50, Y0 + 50),
        (X0 + 2 * CELL_M + GAP_M + GAP_M / 2, Y0 + 50),
    ]
    firms = gpd.GeoDataFrame(
        {
            "output_10k_cny": [20_000.0, 0.0, 10_000.0, 50_000.0],
            "is_above_scale": [True, False, False, True],
        },
        geometry=gpd.points_from_xy(*zip(*firm_xy, strict=True)),
        crs=METRIC_CRS,
    )
    pairs = firms_on_parcels(parcels, firms)
    assert pairs.values.tolist() == [[0, 0], [1, 0], [2, 1]]
    weights = {"per_10k_m2_gfa": 1.0, "per_firm": 2.0, "per_100m_cny_output": 1.0}
    weights |= {"per_above_scale_firm": 3.0, "status:built": 0.5}
    parts = assembly_cost_parts(parcels, firms, weights)
    assert parts["firms"].tolist() == [2, 1, 0]
    assert parts["above_scale_firms"].tolist() == [1, 0, 0]
    assert parts["output_100m_cny"].tolist() == pytest.approx([2.0, 1.0, 0.0])
    # P00: 2 (2 万 m²) + 4 (2 firms) + 2 (2 亿) + 3 (规上) + 0.5 (built) = 11.5
    assert parts.loc[0, list(COST_PARTS)].tolist() == pytest.approx([2.0, 4.0, 2.0, 3.0, 0.5])
    assert parts["cost"].tolist() == pytest.approx([11.5, 3.5, 0.5])
    assert parts[list(COST_PARTS)].sum(axis=1).tolist() == pytest.approx(parts["cost"].tolist())
    assert assembly_cost(parcels, firms, weights).tolist() == parts["cost"].tolist()
    # A firm layer in degrees is placed on the same parcels.
    in_degrees = firms.to_crs("EPSG:4326")
    assert firms_on_parcels(parcels, in_degrees).values.tolist() == [[0, 0], [1, 0], [2, 1]]


def plain_optimum(parcels: gpd.GeoDataFrame, target_ha: float) -> float:
    """The flow model on the plain graph: one node per allowed parcel, no contraction, no
    parts, no bounds from a heuristic."""
    i, j, area = parcel_links(parcels, tolerance_m=20.0)
    status = parcels["status"].to_numpy()
    free = np.isin(status, FREE)
    cost = np.where(free, 0.0, parcels["cost"].to_numpy(dtype=float))
    allowed = ~np.isin(status, EXCLUDED)
    plain = contract(len(parcels), i, j, area, cost, np.zeros(len(parcels), bool), allowed)
    assert plain.n == allowed.sum()  # nothing merged
    chosen, _, closed = _solve_part(plain, target_ha * 1e4, math.inf, 60.0)
    assert closed
    return math.inf if chosen is None else float(plain.cost[chosen].sum())


@settings(max_examples=25, deadline=None)
@given(
    data=st.lists(st.tuples(statuses, st.integers(0, 9)), min_size=6, max_size=20),
    target=st.integers(2, 10),
)
def test_the_contracted_and_preprocessed_model_finds_the_plain_models_optimum(data, target):
    parcels = grid([s for s, _ in data], [float(c) for _, c in data], ncols=5)
    plain = plain_optimum(parcels, float(target))
    if math.isinf(plain):
        with pytest.raises(InputError):
            assemble_block(parcels, target_ha=float(target), cost="cost", method="exact")
        return
    result = assemble_block(parcels, target_ha=float(target), cost="cost", method="exact")
    assert result.optimal and result.cost == pytest.approx(plain)


def test_knapsack_bound_by_hand():
    area = np.array([2.0, 1.0, 1.0, 3.0])
    cost = np.array([0.0, 5.0, 1.0, 6.0])  # per m²: 0, 5, 1, 2
    # need 2 → the free 2; need 3.5 → + 1 (cost 1) + 0.5 × 2; need 8 → impossible
    assert knapsack_bound(area, cost, np.array([2.0, 3.5, 7.0, 8.0])).tolist() == [
        0.0,
        2.0,
        12.0,
        math.inf,
    ]


def test_the_bound_can_prove_the_heuristic_minimal_and_the_gap_is_honest_when_time_runs_out():
    # 5, free, 3, 3, free, 4 — 3 ha: join the free parcels through P02 and P03 (cost 6);
    # the knapsack bound is 3 (the two free hectares and one of cost 3).
    parcels = grid(
        ["built", "available", "built", "built", "reserve", "built"], [5, 0, 3, 3, 0, 4], 6
    )
    no_time = assemble_block(parcels, target_ha=3.0, cost="cost", time_limit_s=1e-9)
    assert no_time.cost == 6.0 and no_time.method == "heuristic" and not no_time.optimal
    assert no_time.gap == pytest.approx((6.0 - 3.0) / 6.0)
    solved = assemble_block(parcels, target_ha=3.0, cost="cost")
    assert solved.optimal and solved.gap == 0.0 and solved.cost == 6.0
    # free, 5, free, 1 — 3 ha: the join through P01 (cost 5). The cheap parcel P03 reaches
    # only P02 within cost 5, 2 ha: the ball reduction drops it, and what is left (P00–P02)
    # cannot beat 5, so the heuristic is proven minimal without solving any model.
    parcels = grid(["available", "built", "reserve", "built"], [0, 5, 0, 1], 4)
    no_time = assemble_block(parcels, target_ha=3.0, cost="cost", time_limit_s=1e-9)
    assert no_time.cost == 5.0 and no_time.optimal and no_time.gap == 0.0
    # 4 ha needs both free parcels and P01 plus P03: bound 6 = the heuristic's cost.
    both = assemble_block(parcels, target_ha=4.0, cost="cost", time_limit_s=1e-9)
    assert both.optimal and both.gap == 0.0 and both.cost == 6.0


def test_tolerance_changes_the_answer_and_the_message_says_why():
    parcels = grid(["available", "built", "available"], [0, 2, 0], 3)  # gaps of 15 m
    assert assemble_block(parcels, target_ha=3.0, cost="cost", tolerance_m=20.0).cost == 2.0
    with pytest.raises(InputError) as err:
        assemble_block(parcels, target_ha=3.0, cost="cost", tolerance_m=10.0)
    assert "at most 1.0 ha" in err.value.en and "3 separate groups" in err.value.en
    assert "10 m" in err.value.en and "10 米" in err.value.zh


def test_the_message_tells_whether_excluded_land_is_the_limit():
    parcels = grid(["available", "under_construction", "reserve"], [0, 0, 0], 3)
    with pytest.raises(InputError) as err:
        assemble_block(parcels, target_ha=2.0, cost="cost")
    assert "2 separate groups" in err.value.en
    assert "excluded statuses the largest block would be 3.0 ha" in err.value.en
    assert "最大也只有 3.0 公顷" in err.value.zh
    with pytest.raises(InputError) as err:
        assemble_block(parcels, target_ha=5.0, cost="cost", excluded_statuses=())
    assert "at most 3.0 ha" in err.value.en and "excluded" not in err.value.en


@settings(max_examples=30, deadline=None)
@given(
    data=st.lists(st.tuples(statuses, st.integers(0, 9)), min_size=10, max_size=60),
    ncols=st.integers(3, 8),
    target=st.integers(2, 20),
    road_col=st.integers(1, 7),
)
def test_the_heuristic_never_returns_a_disconnected_block(data, ncols, target, road_col):
    parcels = grid([s for s, _ in data], [float(c) for _, c in data], ncols=ncols)
    x = X0 + road_col * (CELL_M + GAP_M) - GAP_M / 2
    road = gpd.GeoDataFrame(
        {"kind": ["trunk_road"]},
        geometry=[LineString([(x, Y0 - 50), (x, Y0 + 20 * (CELL_M + GAP_M))])],
        crs=METRIC_CRS,
    )
    try:
        result = assemble_block(
            parcels, target_ha=float(target), cost="cost", barriers=road, method="heuristic"
        )
    except InputError as exc:
        assert "at most" in exc.en
        return
    n = len(parcels)
    chosen = parcels["parcel_id"].isin(result.parcel_ids).to_numpy()
    i, j, _ = parcel_links(parcels, tolerance_m=20.0, barriers=road)
    keep = chosen[i] & chosen[j]
    graph = coo_matrix((np.ones(keep.sum()), (i[keep], j[keep])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    assert len(set(label[chosen])) == 1
    assert result.area_ha >= target - 1e-9
    assert not parcels.loc[chosen, "status"].isin(EXCLUDED).any()


def test_separator_cuts_by_hand():
    # Path 0 – 1 – 2, rooted at 0: with node 1 left out, node 2 is cut off by {1}.
    path = Graph(np.ones(3), np.zeros(3), np.zeros(3, bool), np.array([0, 1]), np.array([1, 2]), ())
    root = np.array([1.0, 0.0, 0.0])
    cuts = separator_cuts(path, np.array([1.0, 0.0, 1.0]), root)
    assert [(v, s.tolist(), r.tolist()) for v, s, r in cuts] == [(2, [1], [2])]
    assert separator_cuts(path, np.array([1.0, 1.0, 1.0]), root) == []
    # Half of node 1 carries only half a unit to node 2: still violated, by 0.5.
    [(v, s, r)] = separator_cuts(path, np.array([1.0, 0.5, 1.0]), root)
    assert v == 2 and s.tolist() == [1] and r.tolist() == [2]


def test_across_trunk_roads_only_water_and_the_eco_line_stay_barriers():
    # Three 1 ha free parcels in a row, 50 m apart: a 50 m trunk road between the first two,
    # water between the last two (polygons across the whole gap).
    geoms = [box(X0 + k * 150.0, Y0, X0 + k * 150.0 + 100.0, Y0 + 100.0) for k in range(3)]
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["A", "B", "C"], "status": "available", "land_use": "M1", "cost": 0.0},
        geometry=geoms,
        crs=METRIC_CRS,
    )
    barriers = gpd.GeoDataFrame(
        {"kind": ["trunk_road", "water", "block_line_1"]},
        geometry=[
            box(X0 + 100, Y0 - 50, X0 + 150, Y0 + 150),
            box(X0 + 250, Y0 - 50, X0 + 300, Y0 + 150),
            box(X0 - 10, Y0 - 10, X0 + 400, Y0 + 110),  # not a barrier either way
        ],
        crs=METRIC_CRS,
    )
    tolerance_m, across = across_trunk_roads(barriers)
    assert tolerance_m == TRUNK_ROAD_WIDTH_M == 60.0
    assert list(across["kind"]) == ["water", "block_line_1"]
    assert largest_reachable_ha(parcels, barriers=barriers) == pytest.approx(1.0)
    assert largest_reachable_ha(parcels, tolerance_m=60.0, barriers=barriers) == pytest.approx(1.0)
    assert largest_reachable_ha(parcels, tolerance_m=tolerance_m, barriers=across) == pytest.approx(
        2.0
    )
    result = assemble_block(
        parcels, target_ha=2.0, cost="cost", tolerance_m=tolerance_m, barriers=across
    )
    assert result.parcel_ids == ("A", "B") and result.cost == 0.0
    # A layer without kinds is taken as it is (every row a barrier).
    plain = barriers.drop(columns="kind")
    assert across_trunk_roads(plain)[1] is plain
    assert across_trunk_roads(None) == (60.0, None)


def _feasible_sets(graph: Graph, target_m2: float) -> list[tuple[np.ndarray, float]]:
    """Every connected node set reaching the target, with its cost (brute force)."""
    adj = graph.adjacency()
    found = []
    for mask in range(1, 2**graph.n):
        nodes = np.flatnonzero([(mask >> k) & 1 for k in range(graph.n)])
        if graph.area_m2[nodes].sum() < target_m2 - 1e-6:
            continue
        if connected_components(adj[nodes][:, nodes], directed=False)[0] != 1:
            continue
        found.append((nodes, float(graph.cost[nodes].sum())))
    return found


def random_grid_graph(cells, ncols: int, dropped) -> Graph:
    """A grid graph with some row links missing; free nodes cost 0."""
    n = len(cells)
    pairs = [(k, k + 1) for k in range(n - 1) if (k + 1) % ncols and k not in dropped]
    pairs += [(k, k + ncols) for k in range(n - ncols)]
    u, v = (np.array(side, dtype=np.intp) for side in zip(*pairs, strict=True))
    free = np.array([f for f, _, _ in cells])
    return Graph(
        np.array([a for _, _, a in cells], dtype=float),
        np.where(free, 0.0, [float(c) for _, c, _ in cells]),
        free,
        u,
        v,
        (),
    )


GRID_CELLS = {
    "cells": st.lists(
        st.tuples(st.booleans(), st.integers(0, 6), st.integers(1, 3)), min_size=4, max_size=12
    ),
    "ncols": st.integers(2, 4),
    "target": st.integers(2, 12),
    "dropped": st.sets(st.integers(0, 11), max_size=3),
}


@settings(max_examples=40, deadline=None)
@given(**GRID_CELLS)
def test_the_ball_reduction_keeps_every_optimal_set(cells, ncols, target, dropped):
    # The bound is the optimum itself, so the reduction may only drop nodes of no optimal set.
    graph = random_grid_graph(cells, ncols, dropped)
    found = _feasible_sets(graph, float(target))
    if not found:
        return
    best = min(price for _, price in found)
    kept = _surviving(graph, np.arange(graph.n), float(target), best)
    for nodes, price in found:
        if price <= best + 1e-9:
            assert set(nodes) <= set(kept.tolist())
    # A looser bound keeps at least as much.
    kept_loose = _surviving(graph, np.arange(graph.n), float(target), best + 2.0)
    assert set(kept.tolist()) <= set(kept_loose.tolist())


@settings(max_examples=40, deadline=None)
@given(**GRID_CELLS, slack=st.integers(0, 4))
def test_the_root_bound_never_exceeds_the_cheapest_set_holding_the_root(
    cells, ncols, target, dropped, slack
):
    graph = random_grid_graph(cells, ncols, dropped)
    found = _feasible_sets(graph, float(target))
    if not found:
        return
    upper = min(price for _, price in found) + slack
    weighted = graph.adjacency(graph.cost + 1e-12)
    high = np.ones(2 * graph.n)
    for root in range(graph.n):
        holding = [price for nodes, price in found if root in nodes]
        bound = _root_bound(graph, weighted, root, high, float(target), upper)
        assert bound <= min([upper, *holding]) + 1e-9


@settings(max_examples=40, deadline=None)
@given(**GRID_CELLS, slack=st.integers(0, 3))
def test_the_two_ball_reduction_keeps_every_set_holding_the_root_within_the_bound(
    cells, ncols, target, dropped, slack
):
    graph = random_grid_graph(cells, ncols, dropped)
    found = _feasible_sets(graph, float(target))
    weighted = graph.adjacency(graph.cost + 1e-12)
    for root in range(graph.n):
        holding = [(nodes, price) for nodes, price in found if root in nodes]
        if not holding:
            continue
        upper = min(price for _, price in holding) + slack
        high = _in_both_balls(graph, weighted, root, np.ones(2 * graph.n), float(target), upper)
        kept = set(np.flatnonzero(high[: graph.n]).tolist())
        for nodes, price in holding:
            if price <= upper + 1e-9:
                assert set(nodes.tolist()) <= kept


def test_the_ball_reduction_by_hand():
    # Path free(2) – c3(1) – free(2) – c1(1) – free(2); target 4: the cheapest join costs 1
    # (nodes 2–4). With bound 1, node 1 (cost 3) lies in no set of cost ≤ 1 and node 0 can
    # reach only itself (the path through node 1 costs 3): both go; 2, 3, 4 stay.
    graph = Graph(
        np.array([2.0, 1.0, 2.0, 1.0, 2.0]),
        np.array([0.0, 3.0, 0.0, 1.0, 0.0]),
        np.array([True, False, True, False, True]),
        np.array([0, 1, 2, 3]),
        np.array([1, 2, 3, 4]),
        (),
    )
    assert _surviving(graph, np.arange(5), 4.0, 1.0).tolist() == [2, 3, 4]
    assert _surviving(graph, np.arange(5), 4.0, 3.0).tolist() == [0, 1, 2, 3, 4]
    # Sets holding node 0 (bound 3): within cost 0 only node 0 (2 < 4); within 3 nodes 0–2,
    # knapsack 4 m² = the two free nodes, cost 0 ≤ 3 — so the bound is 3 (the join through
    # node 1), while the plain knapsack bound is 0. Node 4 reaches 4 m² within cost 1.
    weighted = graph.adjacency(graph.cost + 1e-12)
    high = np.ones(10)
    assert _root_bound(graph, weighted, 0, high, 4.0, 5.0) == pytest.approx(3.0)
    assert _root_bound(graph, weighted, 4, high, 4.0, 5.0) == pytest.approx(1.0)
    assert _root_bound(graph, weighted, 0, high, 4.0, 2.0) == 2.0  # none below the bound
    # Rooted at node 4 with bound 1: node 0 is 4 away, node 1 costs 3 — both go.
    kept = _in_both_balls(graph, weighted, 4, high, 4.0, 1.0)
    assert np.flatnonzero(kept[:5]).tolist() == [2, 3, 4]
    assert kept[5:].tolist() == [1.0] * 5  # the root variables are left alone


def test_cover_cuts_by_hand():
    # Path 0 – 1 – 2 – 3 of 1 m² each, target 3 m². At x = (1, 1, 0, 0) the chosen pair has
    # 2 m² < 3 and its only neighbour, node 2, is at 0: x_u ≤ x_2 is cut for u = 0 and 1.
    path = Graph(np.ones(4), np.zeros(4), np.zeros(4, bool), np.arange(3), np.arange(1, 4), ())
    cuts = cover_cuts(path, np.array([1.0, 1.0, 0.0, 0.0]), 3.0)
    assert sorted(u for u, _, _ in cuts) == [0, 1]
    assert all(s.tolist() == [2] and len(r) == 0 for _, s, r in cuts)
    # Enough area within the chosen part, or its neighbour chosen enough: no cut.
    assert cover_cuts(path, np.array([1.0, 1.0, 1.0, 0.0]), 3.0) == []
    assert cover_cuts(path, np.array([1.0, 1.0, 0.0, 0.0]), 2.0) == []


@settings(max_examples=40, deadline=None)
@given(**GRID_CELLS, x=st.lists(st.sampled_from([0.0, 0.2, 0.5, 0.95, 1.0]), min_size=12))
def test_cover_cuts_hold_for_every_block(cells, ncols, target, dropped, x):
    graph = random_grid_graph(cells, ncols, dropped)
    cuts = cover_cuts(graph, np.array(x[: graph.n]), float(target))
    for nodes, _ in _feasible_sets(graph, float(target)):
        chosen = np.zeros(graph.n)
        chosen[nodes] = 1.0
        for u, around, roots in cuts:
            assert len(roots) == 0
            assert chosen[u] <= chosen[around].sum()


def test_highs_solves_a_knapsack_by_hand_and_the_cutoff_proves_nothing_is_cheaper():
    # Three parcels of 2, 1 and 3 ha costing 3, 2 and 4; at least 4 ha. Sets: {1, 2} 4 ha
    # for 6, {0, 2} 5 ha for 7, all for 9; {0, 1} has 3 ha only. The LP takes the cheapest
    # land per ha first: all of parcel 2 (4/3 a ha), then 1 ha of parcel 0 (1.5): 5.5.
    c = np.array([3.0, 2.0, 4.0])
    area = csr_matrix(np.array([[2.0, 1.0, 3.0]]))
    common = {
        "c": c,
        "matrix": area,
        "row_lower": np.array([4.0]),
        "row_upper": np.array([np.inf]),
        "col_lower": np.zeros(3),
        "col_upper": np.ones(3),
        "integrality": np.ones(3),
        "time_limit_s": 10.0,
    }
    lp = solve_highs(relax=True, **common)
    assert lp.status == "optimal" and lp.objective == pytest.approx(5.5)
    assert lp.x == pytest.approx([0.5, 0.0, 1.0])
    best = solve_highs(**common)
    assert best.status == "optimal" and best.objective == pytest.approx(6.0)
    assert best.x == pytest.approx([0.0, 1.0, 1.0]) and best.dual_bound == pytest.approx(6.0)
    # Only sets cheaper than 6 count: there is none, which is the proof.
    for cutoff in (6.0 - 1e-6, 6.0):
        nothing = solve_highs(cutoff=cutoff, **common)
        assert nothing.status == "infeasible" and nothing.x is None
    assert solve_highs(cutoff=6.5, **common).objective == pytest.approx(6.0)
    # No set at all: 7 ha cannot be reached.
    none = solve_highs(**{**common, "row_lower": np.array([7.0])})
    assert none.status == "infeasible" and none.x is None and none.objective == math.inf


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 14),
    edges=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=30),
    picked=st.lists(st.booleans(), min_size=14, max_size=14),
)
def test_connected_agrees_with_connected_components(n, edges, picked):
    pairs = [(u, v) for u, v in edges if u < n and v < n and u != v]
    u = np.array([p[0] for p in pairs], dtype=np.intp)
    v = np.array([p[1] for p in pairs], dtype=np.intp)
    adj = coo_matrix((np.ones(2 * len(u)), (np.r_[u, v], np.r_[v, u])), shape=(n, n)).tocsr()
    nodes = np.flatnonzero(np.array(picked[:n]))
    expected = len(nodes) <= 1 or connected_components(adj[nodes][:, nodes])[0] == 1
    assert connected(adj, nodes) == expected
