"""Tests of analysis.colocation: guidance fit, LQ, global and local CLQ, anchor proximity.

The loop implementations below (``loop_*``) are the plain textbook reading of the formulas,
written as double loops; the vectorised functions must agree with them to 1e-9, p-values
included. They share the RNG protocol documented in analysis/colocation.py.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

import analysis.colocation._quotients as quotients
from analysis.colocation import (
    anchor_proximity,
    clq_matrix,
    colocation_quotients,
    local_colocation,
    location_quotients,
    park_guidance_fit,
)
from benchmarks.clq_loops import loop_global, loop_local
from geo.errors import InputError

X0, Y0 = 535_000.0, 2_511_000.0  # near 坪山, EPSG:4547 metres
ORIGIN = np.array([X0, Y0])


def make_points(xy, labels, crs="EPSG:4547", **columns) -> gpd.GeoDataFrame:
    xy = np.asarray(xy, dtype=float)
    data = {"cluster": list(labels), **columns}
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs)


def mixed_layout(seed=3):
    """~260 points: clustered blobs, a regular grid (exact ties) and a pile of duplicates."""
    rng = np.random.default_rng(seed)
    cats = np.array(["car", "chip", "ai", "pharma"])
    centres = rng.uniform(0, 3000, size=(6, 2))
    blob = centres[rng.integers(0, 6, 180)] + rng.normal(0, 150, size=(180, 2))
    blob_labels = cats[rng.integers(0, 4, 180)]
    gx, gy = np.meshgrid(np.arange(7) * 40.0, np.arange(9) * 40.0)
    grid = np.column_stack([gx.ravel() + 4000, gy.ravel() + 500])
    grid_labels = cats[rng.integers(0, 4, len(grid))]
    pile = np.tile([[3500.0, 3500.0]], (12, 1))
    pile_labels = cats[rng.integers(0, 4, 12)]
    xy = np.vstack([blob, grid, pile]) + ORIGIN
    labels = np.concatenate([blob_labels, grid_labels, pile_labels])
    return xy, labels


# ---------------------------------------------------------------------------------------
# Global CLQ
# ---------------------------------------------------------------------------------------


def test_clq_every_a_surrounded_by_b():
    a_xy = [(1000.0 * m, 0.0) for m in range(5)]
    b_xy = [(x + dx, y + dy) for x, y in a_xy for dx, dy in ((10, 0), (-10, 0), (0, 10), (0, -10))]
    c_xy = [(50_000.0 + 7 * m, 90_000.0 + 3 * m * m) for m in range(6)]
    xy = np.array(a_xy + b_xy + c_xy) + ORIGIN
    labels = ["A"] * 5 + ["B"] * 20 + ["C"] * 6
    table = colocation_quotients(make_points(xy, labels), k=4, permutations=0)
    m = clq_matrix(table)
    n, n_b = 31, 20
    assert m.loc["A", "B"] == pytest.approx((n - 1) / n_b, abs=1e-12)
    assert m.loc["A", "A"] == 0.0
    assert m.loc["A", "C"] == 0.0


def test_clq_two_far_apart_groups_is_zero_between():
    rng = np.random.default_rng(1)
    xy = np.vstack([rng.uniform(0, 100, (10, 2)), rng.uniform(0, 100, (10, 2)) + 50_000])
    labels = ["A"] * 10 + ["B"] * 10
    m = clq_matrix(colocation_quotients(make_points(xy + ORIGIN, labels), k=8, permutations=0))
    assert m.loc["A", "B"] == 0.0
    assert m.loc["B", "A"] == 0.0
    # Every neighbour of an A is an A: C = N_A, so CLQ = (N - 1) / (N_A - 1) = 19 / 9.
    assert m.loc["A", "A"] == pytest.approx(19 / 9, abs=1e-12)


def test_clq_ties_at_kth_distance_share_weight():
    # k = 1; point 0 has B and C tied at 1 m, so each gets weight 1/2 (hand-computed):
    # C_AB = 0.5 + 1 = 1.5, C_AC = 0.5, C_BA = C_CA = 2; N = 6, every N_c = 2.
    xy = np.array([(0, 0), (1, 0), (-1, 0), (10, 0), (10, 2), (13, 0)], float) + ORIGIN
    labels = ["A", "B", "C", "A", "B", "C"]
    m = clq_matrix(colocation_quotients(make_points(xy, labels), k=1, permutations=0))
    assert m.loc["A", "B"] == pytest.approx((1.5 / 2) / (2 / 5))
    assert m.loc["A", "C"] == pytest.approx((0.5 / 2) / (2 / 5))
    assert m.loc["B", "A"] == pytest.approx((2 / 2) / (2 / 5))
    assert m.loc["C", "A"] == pytest.approx(2.5)
    assert m.loc["A", "A"] == 0.0
    assert m.loc["B", "C"] == 0.0


def test_clq_all_points_at_one_address_is_one_everywhere():
    # Every point's k-th neighbour is at 0 m, so all others are tied neighbours: exactly the
    # district mix, CLQ = 1 for every pair. Exercises self-exclusion among duplicates.
    xy = np.tile([[X0, Y0]], (10, 1))
    labels = ["A"] * 3 + ["B"] * 3 + ["C"] * 4
    table = colocation_quotients(make_points(xy, labels), k=3, permutations=0)
    np.testing.assert_allclose(table["clq"], 1.0, atol=1e-12)


def test_clq_random_labelling_mean_is_one():
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 5000, (300, 2)) + ORIGIN
    base = np.array(["A"] * 120 + ["B"] * 100 + ["C"] * 80, dtype=object)
    total = np.zeros((3, 3))
    for seed in range(200):
        labels = np.random.default_rng(seed).permutation(base)
        total += clq_matrix(
            colocation_quotients(make_points(xy, labels), k=8, permutations=0)
        ).to_numpy()
    mean = total / 200
    assert np.abs(mean - 1.0).max() < 0.05


def test_clq_matches_loop_reference_with_p_values():
    xy, labels = mixed_layout()
    points = make_points(xy, labels)
    table = colocation_quotients(points, k=8, permutations=39, seed=11)
    observed, p_upper, p_lower = loop_global(xy, labels, 8, 39, 11)
    assert len(table) == len(observed)
    for row in table.itertuples():
        key = (row.category_a, row.category_b)
        assert row.clq == pytest.approx(observed[key], abs=1e-9)
        assert row.p_upper == pytest.approx(p_upper[key], abs=1e-9)
        assert row.p_lower == pytest.approx(p_lower[key], abs=1e-9)
        expected_p = p_upper[key] if observed[key] >= 1 else p_lower[key]
        assert row.p_value == pytest.approx(expected_p, abs=1e-9)


def test_clq_p_values_and_types_on_a_strong_pattern():
    a_xy = [(1000.0 * m, 0.0) for m in range(6)]
    b_xy = [(x + dx, y + dy) for x, y in a_xy for dx, dy in ((10, 0), (-10, 0), (0, 10), (0, -10))]
    c_xy = [(1000.0 * m + 500, 3000.0 + 5 * m) for m in range(12)]
    xy = np.array(a_xy + b_xy + c_xy) + ORIGIN
    labels = ["A"] * 6 + ["B"] * 24 + ["C"] * 12
    table = colocation_quotients(make_points(xy, labels), k=4, permutations=99, seed=0)
    ab = table.set_index(["category_a", "category_b"])
    assert ab.loc[("A", "B"), "colocation_type"] == "colocated"
    assert ab.loc[("A", "B"), "p_value"] == pytest.approx(0.01)
    assert ab.loc[("A", "C"), "colocation_type"] == "isolated"
    assert ((table["p_upper"] > 0) & (table["p_upper"] <= 1)).all()


def test_clq_categories_subset_and_reuse_of_seed():
    xy, labels = mixed_layout()
    points = make_points(xy, labels)
    full = colocation_quotients(points, permutations=19, seed=5)
    sub = colocation_quotients(points, permutations=19, seed=5, categories=["car", "ai"])
    assert list(sub["category_a"]) == ["car", "car", "ai", "ai"]
    merged = sub.merge(full, on=["category_a", "category_b"], suffixes=("", "_full"))
    np.testing.assert_allclose(merged["clq"], merged["clq_full"], atol=1e-12)
    np.testing.assert_allclose(merged["p_upper"], merged["p_upper_full"])


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(12, 60),
    k=st.integers(1, 6),
)
def test_clq_row_identity_and_order_invariance(seed, n, k):
    rng = np.random.default_rng(seed)
    xy = np.round(rng.uniform(0, 500, (n, 2)), 0) + ORIGIN  # rounding creates ties
    labels = np.array(["A", "B", "C"], dtype=object)[np.arange(n) % 3]
    points = make_points(xy, labels)
    table = colocation_quotients(points, k=k, permutations=0)
    m = clq_matrix(table)
    n_by = pd.Series(labels).value_counts()
    # Each A distributes total weight 1 over its neighbours: Σ_B CLQ_AB · N'_B/(N-1) = 1.
    for a in m.index:
        n_prime = np.array([n_by[b] - (a == b) for b in m.columns])
        assert float((m.loc[a].to_numpy() * n_prime).sum() / (n - 1)) == pytest.approx(1.0)
    shuffled = points.iloc[rng.permutation(n)]
    m2 = clq_matrix(colocation_quotients(shuffled, k=k, permutations=0))
    np.testing.assert_allclose(m2.loc[m.index, m.columns].to_numpy(), m.to_numpy(), atol=1e-12)


def test_clq_with_k_n_minus_1_is_one():
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 1000, (15, 2)) + ORIGIN
    labels = ["A"] * 5 + ["B"] * 6 + ["C"] * 4
    table = colocation_quotients(make_points(xy, labels), k=14, permutations=0)
    np.testing.assert_allclose(table["clq"], 1.0, atol=1e-12)


def test_clq_accepts_wgs84_input():
    xy, labels = mixed_layout()
    metric = make_points(xy, labels)
    wgs = metric.to_crs("EPSG:4326")
    a = colocation_quotients(metric, permutations=0)
    b = colocation_quotients(wgs, permutations=0)
    np.testing.assert_allclose(a["clq"], b["clq"], atol=1e-9)


# ---------------------------------------------------------------------------------------
# Local CLQ
# ---------------------------------------------------------------------------------------


def test_local_clq_hand_computed():
    xy = np.array([(0, 0), (1, 0), (-1, 0), (10, 0), (10, 2), (13, 0)], float) + ORIGIN
    labels = ["A", "B", "C", "A", "B", "C"]
    points = make_points(xy, labels, ent_id=[f"e{i}" for i in range(6)])
    # k = 1: point 0 has B and C tied at the bandwidth (1 m), equal weights → 1/2 of weight
    # is B; point 3's only neighbour is B. Expected share N_B / (N - 1) = 2/5.
    out = local_colocation(points, "A", "B", k=1, permutations=0)
    assert list(out["ent_id"]) == ["e0", "e3"]
    np.testing.assert_allclose(out["lclq"], [0.5 / 0.4, 1.0 / 0.4])
    # k = 2 at point 3: B at 2 m, C at 3 m, bandwidth 3 m.
    out2 = local_colocation(points, "A", "B", k=2, permutations=0)
    w_b, w_c = math.exp(-0.5 * 4 / 9), math.exp(-0.5)
    assert out2.loc[3, "lclq"] == pytest.approx(w_b / (w_b + w_c) / 0.4)
    assert out2.loc[3, "bandwidth_m"] == pytest.approx(3.0)
    assert out2.crs.to_epsg() == 4326


def test_local_clq_types_on_strong_pattern():
    a_xy = [(1000.0 * m, 0.0) for m in range(6)]
    b_xy = [(x + dx, y + dy) for x, y in a_xy for dx, dy in ((10, 0), (-10, 0), (0, 10), (0, -10))]
    c_xy = [(100.0 * m, 3000.0 + 7 * (m % 3)) for m in range(60)]
    xy = np.array(a_xy + b_xy + c_xy) + ORIGIN
    labels = ["A"] * 6 + ["B"] * 24 + ["C"] * 60
    points = make_points(xy, labels)
    near = local_colocation(points, "A", "B", k=4)
    # B is a minority (24 of the 89 others): four B neighbours by chance has p ≈ 0.004.
    assert (near["colocation_type"] == "colocated").all()
    np.testing.assert_allclose(near["lclq"], 89 / 24)
    far = local_colocation(points, "A", "C", k=4)
    assert (far["lclq"] == 0).all()
    assert (far["colocation_type"] == "isolated").all()
    np.testing.assert_allclose(far["p_value"], far["p_lower"])


def test_local_clq_matches_loop_reference():
    xy, labels = mixed_layout()
    points = make_points(xy, labels)
    for a, b in (("car", "chip"), ("ai", "ai")):
        out = local_colocation(points, a, b, k=8, permutations=49, seed=4)
        members, observed, p_upper, p_lower = loop_local(xy, labels, a, b, 8, 49, 4)
        assert list(out.index) == members
        np.testing.assert_allclose(out["lclq"], observed, rtol=0, atol=1e-9)
        np.testing.assert_allclose(out["p_upper"], p_upper, rtol=0, atol=1e-9)
        np.testing.assert_allclose(out["p_lower"], p_lower, rtol=0, atol=1e-9)


def test_local_clq_chunking_does_not_change_the_draws(monkeypatch):
    xy, labels = mixed_layout()
    points = make_points(xy, labels)
    whole = local_colocation(points, "chip", "car", permutations=30, seed=9)
    monkeypatch.setattr(quotients, "_LOCAL_CHUNK_VALUES", 1)
    chunked = local_colocation(points, "chip", "car", permutations=30, seed=9)
    np.testing.assert_array_equal(whole["p_upper"], chunked["p_upper"])
    np.testing.assert_array_equal(whole["p_lower"], chunked["p_lower"])


def test_local_clq_duplicates_give_unit_weights():
    xy = np.tile([[X0, Y0]], (10, 1))
    labels = ["A"] * 3 + ["B"] * 3 + ["C"] * 4
    out = local_colocation(make_points(xy, labels), "A", "B", k=3, permutations=9)
    np.testing.assert_allclose(out["lclq"], 1.0)
    assert (out["n_neighbours"] == 9).all()
    assert (out["colocation_type"] == "not_significant").all()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(12, 50), k=st.integers(1, 5))
def test_local_clq_bounds(seed, n, k):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 300, (n, 2)) + ORIGIN
    labels = np.array(["A", "B"], dtype=object)[rng.permutation(np.arange(n) % 2)]
    out = local_colocation(make_points(xy, labels), "A", "B", k=k, permutations=9, seed=seed)
    n_b = int((labels == "B").sum())
    assert (out["lclq"] >= 0).all()
    assert (out["lclq"] <= (n - 1) / n_b + 1e-12).all()
    assert out["p_value"].between(0.1, 1.0).all()
    assert set(out["colocation_type"]) <= {"colocated", "isolated", "not_significant"}


# ---------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------


def test_bad_input_raises_input_error():
    xy, labels = mixed_layout()
    points = make_points(xy, labels)
    with pytest.raises(InputError, match="CRS"):
        colocation_quotients(points.set_crs(None, allow_override=True))
    with pytest.raises(InputError, match="lowalt"):
        local_colocation(points, "lowalt", "car")
    with pytest.raises(InputError, match="lowalt"):
        colocation_quotients(points, categories=["car", "lowalt"])
    with pytest.raises(InputError, match="k \\+ 1"):
        colocation_quotients(points.iloc[:5], k=8)
    single = points.copy()
    single.loc[0, "cluster"] = "energy"
    with pytest.raises(InputError, match="single point"):
        colocation_quotients(single, permutations=0)
    with pytest.raises(InputError, match="single point"):
        local_colocation(single, "energy", "car")
    # Leaving the single-point category out of the report is allowed.
    assert len(colocation_quotients(single, permutations=0, categories=["car", "ai"])) == 4
    with pytest.raises(InputError, match="cluster"):
        colocation_quotients(points.drop(columns="cluster"))
    missing = points.copy()
    missing.loc[3, "cluster"] = None
    with pytest.raises(InputError, match="rows 4"):
        colocation_quotients(missing)
    lines = points.copy()
    lines.loc[2, "geometry"] = Polygon([(X0, Y0), (X0 + 1, Y0), (X0, Y0 + 1)])
    with pytest.raises(InputError, match="rows 3"):
        colocation_quotients(lines)
    with pytest.raises(InputError, match="positive"):
        local_colocation(points, "car", "ai", k=0)
    with pytest.raises(InputError, match="permutations"):
        colocation_quotients(points, permutations=-1)


# ---------------------------------------------------------------------------------------
# Location quotients
# ---------------------------------------------------------------------------------------


def test_lq_known_answers():
    df = pd.DataFrame(
        {
            "cluster": ["car"] * 4 + ["chip"] * 2 + ["ai"] * 2 + ["ai"] * 2,
            "park_id": ["p1"] * 4 + ["p1", "p2", "p2", "p2", None, None],
            "output_10k_cny": [10, 10, 10, 10, 5, 5, 20, 20, 1, 1],
        }
    )
    lq = location_quotients(df)
    # car is all in p1: LQ = N / N_p1 = 10 / 5.
    assert lq.loc["p1", "car"] == pytest.approx(10 / 5)
    assert lq.loc["p2", "car"] == 0.0
    # ai in p2: (2/3) / (4/10).
    assert lq.loc["p2", "ai"] == pytest.approx((2 / 3) / (4 / 10))
    assert list(lq.columns) == ["car", "chip", "ai"]
    assert list(lq.index) == ["p1", "p2"]
    weighted = location_quotients(df, weight="output_10k_cny")
    total = 92.0
    assert weighted.loc["p1", "car"] == pytest.approx((40 / 45) / (40 / total))
    assert weighted.loc["p2", "ai"] == pytest.approx((40 / 45) / (42 / total))
    bad = df.assign(output_10k_cny=[-1, *df["output_10k_cny"][1:]])
    with pytest.raises(InputError, match="output_10k_cny"):
        location_quotients(bad, weight="output_10k_cny")
    with pytest.raises(InputError, match="zone"):
        location_quotients(df, by="zone")


# ---------------------------------------------------------------------------------------
# Guidance fit (the guidance table itself is tested in test_standards.py)
# ---------------------------------------------------------------------------------------


def _fit_layers():
    parks = gpd.GeoDataFrame(
        {"park_id": ["p1", "belt"], "name": ["一园", "产业带"], "kind": ["park", "corridor"]},
        geometry=[
            Polygon([(0, 0), (10, 0), (10, 10), (0, 10)]),
            Polygon([(5, 0), (30, 0), (30, 10), (5, 10)]),
        ],
        crs="EPSG:4547",
    ).to_crs("EPSG:4326")
    # p1 guides car/chip; belt guides ai.
    rows = [
        ((1, 1), "car", 100),
        ((2, 2), "car", 50),
        ((3, 3), "chip", 30),
        ((4, 4), "traditional", 10),
        ((1, 5), "traditional", 5),
        ((2, 6), "other", 5),
        ((8, 8), "car", 40),  # inside both p1 and the belt: counts for p1
        ((20, 5), "ai", 60),
        ((25, 5), "car", 20),
        ((100, 100), "ai", 999),  # outside every park
    ]
    ents = gpd.GeoDataFrame(
        {"cluster": [r[1] for r in rows], "output_10k_cny": [float(r[2]) for r in rows]},
        geometry=[Point(*r[0]) for r in rows],
        crs="EPSG:4547",
    ).to_crs("EPSG:4326")
    guidance = {
        "parks": {
            "p1": {"name_zh": "一园", "clusters": ["car", "chip"]},
            "belt": {"name_zh": "带", "kind": "corridor", "clusters": ["ai"]},
        }
    }
    return ents, parks, guidance


def test_guidance_fit_spatial_join_and_park_id_agree():
    ents, parks, guidance = _fit_layers()
    fit = park_guidance_fit(ents, parks, guidance).set_index("park_id")
    assert fit.loc["p1", "n_enterprises"] == 7
    assert fit.loc["p1", "n_guided"] == 4
    assert fit.loc["p1", "fit_share_count"] == pytest.approx(4 / 7)
    assert fit.loc["p1", "output_10k_cny"] == pytest.approx(240)
    assert fit.loc["p1", "fit_share_output"] == pytest.approx(220 / 240)
    assert fit.loc["p1", "unguided_clusters"] == "traditional:2, other:1"
    assert fit.loc["p1", "park_name"] == "一园"
    assert fit.loc["belt", "n_enterprises"] == 2
    assert fit.loc["belt", "fit_share_count"] == pytest.approx(0.5)
    assert fit.loc["belt", "unguided_clusters"] == "car:1"
    assert fit.loc["belt", "guided_clusters"] == "ai"
    with_ids = ents.assign(park_id=["p1"] * 7 + ["belt", "belt", None])
    fit2 = park_guidance_fit(with_ids, parks, guidance).set_index("park_id")
    pd.testing.assert_frame_equal(fit, fit2)


def test_guidance_fit_errors():
    ents, parks, guidance = _fit_layers()
    with pytest.raises(InputError, match="p1"):
        park_guidance_fit(ents, parks, {"parks": {"belt": {"name_zh": "带", "clusters": ["ai"]}}})
    stray = ents.assign(park_id=["p9"] + ["p1"] * 9)
    with pytest.raises(InputError, match="p9"):
        park_guidance_fit(stray, parks, guidance)


# ---------------------------------------------------------------------------------------
# Anchor proximity
# ---------------------------------------------------------------------------------------


def test_anchor_proximity_known_layout():
    rows = [
        ("a1", (0, 0), "car", True),
        ("c1", (500, 0), "car", False),
        ("c2", (0, 2000), "car", False),
        ("c3", (6000, 0), "car", False),
        ("s1", (0, 800), "equipment", False),
        ("s2", (4000, 0), "energy", False),
        ("s3", (0, -2500), "chip", False),
        ("x1", (100, 0), "pharma", False),
        ("a2", (0, 1000), "pharma", True),
    ]
    ents = make_points(
        np.array([r[1] for r in rows], float) + ORIGIN,
        [r[2] for r in rows],
        ent_id=[r[0] for r in rows],
        name=[r[0].upper() for r in rows],
        is_anchor=[r[3] for r in rows],
    ).to_crs("EPSG:4326")
    out = anchor_proximity(ents).set_index(["ent_id", "radius_m"])
    assert out.loc[("a1", 1000.0), "n_same_cluster"] == 1
    assert out.loc[("a1", 3000.0), "n_same_cluster"] == 2
    assert out.loc[("a1", 3000.0), "median_same_cluster_m"] == pytest.approx(1250, abs=1e-3)
    assert out.loc[("a1", 1000.0), "n_supply_chain"] == 1
    assert out.loc[("a1", 3000.0), "n_supply_chain"] == 2
    assert out.loc[("a1", 5000.0), "n_supply_chain"] == 3
    assert out.loc[("a1", 5000.0), "median_supply_chain_m"] == pytest.approx(2500, abs=1e-3)
    assert out.loc[("a1", 1000.0), "supply_clusters"] == "equipment, energy, chip, ai"
    # a2 (pharma): x1 at ≈1004.99 m is outside 1 km.
    assert out.loc[("a2", 1000.0), "n_same_cluster"] == 0
    assert np.isnan(out.loc[("a2", 1000.0), "median_same_cluster_m"])
    assert out.loc[("a2", 3000.0), "n_same_cluster"] == 1
    # pharma's chain (cellgene, equipment): s1 is 200 m away.
    assert out.loc[("a2", 1000.0), "n_supply_chain"] == 1
    assert out.loc[("a2", 1000.0), "median_supply_chain_m"] == pytest.approx(200, abs=1e-3)
    named = anchor_proximity(ents, anchors=["a2"], radius_m=(3000,))
    assert named["ent_id"].tolist() == ["a2"] and named["n_same_cluster"].tolist() == [1]
    with pytest.raises(InputError, match="zz"):
        anchor_proximity(ents, anchors=["zz"])
    with pytest.raises(InputError):
        anchor_proximity(ents, radius_m=(0,))
    none = anchor_proximity(ents.assign(is_anchor=False))
    assert none.empty and "n_supply_chain" in none.columns


# ---------------------------------------------------------------------------------------
# Demo data
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    from layers.catalog import load_demo

    return load_demo()


def test_demo_guidance_fit_and_colocation(demo):
    ents, parks = demo.enterprises, demo.parks
    fit = park_guidance_fit(ents, parks)
    assert set(fit["park_id"]) == {"jinsha_bihu", "gaoxin_north", "gaoxin_south", "corridor"}
    # The demo's firms lean towards each park's guidance, more so by 产值 (anchors are guided).
    assert (fit["fit_share_count"] > 0.5).all()
    assert (fit["fit_share_output"] > fit["fit_share_count"]).all()
    by_location = park_guidance_fit(ents.drop(columns="park_id"), parks)
    assert (by_location["n_enterprises"] - fit["n_enterprises"]).abs().max() <= 10

    table = colocation_quotients(ents, permutations=99, seed=0)
    pairs = table.set_index(["category_a", "category_b"])
    # Clusters guided into the same park sit together: 药 with 细胞与基因 (金沙-碧湖),
    # 车 with 装备 (高新北); 车 and 光载信息 share no park.
    for pair in (("pharma", "cellgene"), ("car", "equipment"), ("equipment", "car")):
        assert pairs.loc[pair, "colocation_type"] == "colocated"
    assert pairs.loc[("car", "photonics"), "colocation_type"] == "isolated"

    local = local_colocation(ents, "pharma", "cellgene")
    # 细胞与基因 firms cluster around the pharma anchors: a clear share of pharma firms is
    # significantly co-located with them, and hardly any is isolated from them.
    types = local["colocation_type"].value_counts()
    assert types.get("colocated", 0) >= 0.1 * len(local)
    assert types.get("colocated", 0) > 3 * types.get("isolated", 0)

    prox = anchor_proximity(ents)
    names = prox["name"].astype(str)
    assert names.str.contains("比亚迪").any() and names.str.contains("荣耀").any()
    assert prox.groupby("ent_id")["n_same_cluster"].apply(lambda s: s.is_monotonic_increasing).all()
    byd = prox[names.str.contains("比亚迪") & (prox["radius_m"] == 3000)]
    assert int(byd["n_supply_chain"].iloc[0]) > 50
