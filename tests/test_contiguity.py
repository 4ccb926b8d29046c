"""Tests of 连片分析 (analysis.contiguity) on hand-built layouts with known answers."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.affinity import translate
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from analysis.contiguity import (
    SIZE_CLASS,
    ContiguityResult,
    contiguous_blocks,
    effective_mesh_size_ha,
)
from benchmarks.layouts import parcel_grid
from geo.crs import METRIC_CRS, WGS84
from geo.errors import InputError

#: A point in 坪山 in EPSG:4547; layouts are drawn in metres from here.
X0, Y0 = 535_000.0, 2_511_000.0


def parcels_from(
    rects, *, status=None, park=None, land_use=None, area_m2=None, crs=WGS84
) -> gpd.GeoDataFrame:
    """Parcels from (xmin, ymin, xmax, ymax) rectangles in local metres (or polygons)."""
    geoms = [
        translate(r, X0, Y0)
        if isinstance(r, Polygon | MultiPolygon)
        else box(X0 + r[0], Y0 + r[1], X0 + r[2], Y0 + r[3])
        for r in rects
    ]
    n = len(geoms)
    frame = gpd.GeoDataFrame(
        {
            "parcel_id": [f"P{k:03d}" for k in range(n)],
            "park_id": park if park is not None else [None] * n,
            "status": status if status is not None else ["low_efficiency"] * n,
            "land_use": land_use if land_use is not None else ["M1"] * n,
        },
        geometry=geoms,
        crs=METRIC_CRS,
    )
    frame["area_m2"] = frame.geometry.area if area_m2 is None else area_m2
    return frame.to_crs(crs)


def lines_from(coords_list, kind="trunk_road", crs=WGS84) -> gpd.GeoDataFrame:
    lines = [LineString([(X0 + x, Y0 + y) for x, y in c]) for c in coords_list]
    return gpd.GeoDataFrame(
        {"kind": [kind] * len(lines), "name": ["干道"] * len(lines)},
        geometry=lines,
        crs=METRIC_CRS,
    ).to_crs(crs)


def polygons_from(rects, kind="trunk_road", crs=WGS84) -> gpd.GeoDataFrame:
    geoms = [box(X0 + r[0], Y0 + r[1], X0 + r[2], Y0 + r[3]) for r in rects]
    return gpd.GeoDataFrame(
        {"kind": [kind] * len(geoms), "name": ["屏障"] * len(geoms)},
        geometry=geoms,
        crs=METRIC_CRS,
    ).to_crs(crs)


def groups(result: ContiguityResult) -> set[frozenset[str]]:
    """The partition of parcel ids, whatever the block numbers."""
    pb = result.parcel_block
    return {frozenset(pb.index[pb == b]) for b in pb.unique()}


def same_partition(a, b) -> bool:
    pairs = pd.DataFrame(
        {"a": pd.factorize(np.asarray(a))[0], "b": pd.factorize(np.asarray(b))[0]}
    ).drop_duplicates()
    return bool(pairs["a"].is_unique and pairs["b"].is_unique)


TWO_APART = [(0, 0, 100, 100), (110, 0, 210, 100)]  # 10 m gap


# --- tolerance ------------------------------------------------------------------------


def test_parcels_10_m_apart_join_at_20_m_and_not_at_5_m():
    parcels = parcels_from(TWO_APART)
    assert groups(contiguous_blocks(parcels, tolerance_m=20)) == {frozenset({"P000", "P001"})}
    assert groups(contiguous_blocks(parcels, tolerance_m=5)) == {
        frozenset({"P000"}),
        frozenset({"P001"}),
    }


def test_parcels_diagonally_across_a_crossing_join_by_corner_distance():
    # Corner to corner: hypot(10, 10) ≈ 14.1 m; the boxes overlap on neither axis.
    parcels = parcels_from([(0, 0, 100, 100), (110, 110, 210, 210), (230, 230, 330, 330)])
    result = contiguous_blocks(parcels, tolerance_m=15)
    # The third is hypot(20, 20) ≈ 28.3 m from the second.
    assert groups(result) == {frozenset({"P000", "P001"}), frozenset({"P002"})}
    assert contiguous_blocks(parcels, tolerance_m=14).summary["block_count"] == 3


def test_tolerance_zero_links_touching_parcels_only():
    parcels = parcels_from([(0, 0, 100, 100), (100, 0, 200, 100), (200.5, 0, 300, 100)])
    result = contiguous_blocks(parcels, tolerance_m=0)
    assert groups(result) == {frozenset({"P000", "P001"}), frozenset({"P002"})}


def test_ring_of_parcels_is_one_block():
    # Eight 100 m squares around an empty centre square, separated by 12 m roads.
    step = 112
    rects = [
        (c * step, r * step, c * step + 100, r * step + 100)
        for r in range(3)
        for c in range(3)
        if (r, c) != (1, 1)
    ]
    result = contiguous_blocks(parcels_from(rects), tolerance_m=20)
    assert result.summary["block_count"] == 1
    assert result.blocks["parcel_count"].tolist() == [8]
    assert result.blocks["area_ha"].iloc[0] == pytest.approx(8.0)


def test_ring_of_touching_parcels_is_one_block_at_tolerance_zero():
    rects = [
        (c * 100, r * 100, c * 100 + 100, r * 100 + 100)
        for r in range(3)
        for c in range(3)
        if (r, c) != (1, 1)
    ]
    result = contiguous_blocks(parcels_from(rects), tolerance_m=0)
    assert result.summary["block_count"] == 1
    # The union is a square annulus: 8 ha, outer perimeter 1200 m, hole perimeter 400 m.
    assert result.blocks["compactness"].iloc[0] == pytest.approx(
        4 * math.pi * 80_000 / 1600**2, rel=1e-6
    )


# --- barriers -------------------------------------------------------------------------


@pytest.mark.parametrize("tolerance_m", [20, 100, 500])
def test_trunk_road_line_between_parcels_splits_them_at_any_tolerance(tolerance_m):
    parcels = parcels_from(TWO_APART)
    road = lines_from([[(105, -50), (105, 150)]])
    result = contiguous_blocks(parcels, tolerance_m=tolerance_m, barriers=road)
    assert groups(result) == {frozenset({"P000"}), frozenset({"P001"})}


def test_road_polygon_between_parcels_splits_them():
    parcels = parcels_from([(0, 0, 100, 100), (130, 0, 230, 100)])
    road = polygons_from([(100, -500, 130, 500)])  # fills the 30 m gap exactly
    assert len(groups(contiguous_blocks(parcels, tolerance_m=40, barriers=road))) == 2
    assert len(groups(contiguous_blocks(parcels, tolerance_m=40))) == 1


def test_road_polygon_touched_along_the_edge_does_not_split_same_side_neighbours():
    # Two parcels side by side, both fronting a road whose edge is their south edge; their
    # facing sides splay apart, so the nearest points are the corners on the road's edge.
    parcels = parcels_from(
        [
            Polygon([(0, 0), (100, 0), (99.5, 100), (0, 100)]),
            Polygon([(115, 0), (215, 0), (215, 100), (115.5, 100)]),
        ]
    )
    road = polygons_from([(-200, -30, 400, 0)])
    result = contiguous_blocks(parcels, tolerance_m=20, barriers=road, snap_m=0)
    assert len(groups(result)) == 1


def test_snap_absorbs_parcels_overlapping_the_road_by_decimetres():
    # As above, but the front corners reach 0.3 m into the road.
    parcels = parcels_from(
        [
            Polygon([(0, 0), (100, -0.3), (99.5, 100), (0, 100)]),
            Polygon([(115, -0.3), (215, 0), (215, 100), (115.5, 100)]),
        ]
    )
    road = polygons_from([(-200, -30, 400, 0)])
    assert len(groups(contiguous_blocks(parcels, tolerance_m=20, barriers=road))) == 1
    # Without the digitising tolerance the gap segment runs inside the road: split.
    assert len(groups(contiguous_blocks(parcels, tolerance_m=20, barriers=road, snap_m=0))) == 2


def test_barrier_line_along_the_fronts_does_not_split_same_side_neighbours():
    parcels = parcels_from([(0, 0, 100, 100), (115, 0, 215, 100)])
    kerb = lines_from([[(-200, 0), (400, 0)]])
    assert len(groups(contiguous_blocks(parcels, tolerance_m=20, barriers=kerb))) == 1


def test_barrier_line_ending_inside_the_gap_does_not_split():
    parcels = parcels_from(TWO_APART)
    stub = lines_from([[(105, 300), (105, 150)]])  # stops 50 m north of the parcels
    assert len(groups(contiguous_blocks(parcels, tolerance_m=20, barriers=stub))) == 1


def test_barrier_line_along_the_shared_edge_splits_touching_parcels():
    parcels = parcels_from([(0, 0, 100, 100), (100, 0, 200, 100)])
    line = lines_from([[(100, -50), (100, 150)]])
    for tolerance_m in (0, 20):
        result = contiguous_blocks(parcels, tolerance_m=tolerance_m, barriers=line)
        assert len(groups(result)) == 2


def test_barrier_line_along_half_the_shared_edge_leaves_touching_parcels_joined():
    parcels = parcels_from([(0, 0, 100, 100), (100, 0, 200, 100)])
    line = lines_from([[(100, 50), (100, 150)]])
    assert len(groups(contiguous_blocks(parcels, tolerance_m=0, barriers=line))) == 1


def test_only_barrier_kinds_of_the_constraints_layer_separate():
    parcels = parcels_from([(0, 0, 100, 100), (130, 0, 230, 100)])
    block_line = polygons_from([(100, -500, 130, 500)], kind="block_line_1")
    water = polygons_from([(100, -500, 130, 500)], kind="water")
    assert len(groups(contiguous_blocks(parcels, tolerance_m=40, barriers=block_line))) == 1
    assert len(groups(contiguous_blocks(parcels, tolerance_m=40, barriers=water))) == 2
    labelled = polygons_from([(100, -500, 130, 500)], kind="水域")
    assert len(groups(contiguous_blocks(parcels, tolerance_m=40, barriers=labelled))) == 2
    # A bare GeoSeries has no kinds: every geometry in it is a barrier.
    assert (
        len(groups(contiguous_blocks(parcels, tolerance_m=40, barriers=block_line.geometry))) == 2
    )


def test_barrier_elsewhere_changes_nothing():
    parcels = parcels_from(TWO_APART)
    far = lines_from([[(1000, -50), (1000, 150)]])
    assert len(groups(contiguous_blocks(parcels, tolerance_m=20, barriers=far))) == 1


# --- selection ------------------------------------------------------------------------


def test_status_filter_excludes_built():
    parcels = parcels_from(
        [(0, 0, 100, 100), (110, 0, 210, 100), (220, 0, 320, 100)],
        status=["low_efficiency", "built", "reserve"],
    )
    result = contiguous_blocks(parcels, statuses=["low_efficiency", "reserve"])
    assert set(result.parcel_block.index) == {"P000", "P002"}
    # Without the built parcel in the middle the other two are 120 m apart.
    assert result.summary["block_count"] == 2
    everything = contiguous_blocks(parcels)
    assert everything.summary["block_count"] == 1


def test_statuses_accept_chinese_labels_and_a_single_code():
    parcels = parcels_from(TWO_APART, status=["low_efficiency", "reserve"])
    by_label = contiguous_blocks(parcels, statuses=["低效用地"])
    assert set(by_label.parcel_block.index) == {"P000"}
    by_code = contiguous_blocks(parcels, statuses="reserve")
    assert set(by_code.parcel_block.index) == {"P001"}


def test_default_land_uses_are_the_industrial_ones():
    parcels = parcels_from(
        [(0, 0, 100, 100), (110, 0, 210, 100), (220, 0, 320, 100), (330, 0, 430, 100)],
        land_use=["M1", "M0", "W", "other"],
    )
    result = contiguous_blocks(parcels)
    assert set(result.parcel_block.index) == {"P000", "P001", "P002"}
    only_other = contiguous_blocks(parcels, land_uses=["other"])
    assert set(only_other.parcel_block.index) == {"P003"}


def test_empty_selection_gives_zeros_not_an_error():
    parcels = parcels_from(TWO_APART, status=["built", "built"])
    result = contiguous_blocks(parcels, statuses=["reserve"])
    assert len(result.blocks) == 0
    assert result.blocks.crs == WGS84
    assert "area_ha" in result.blocks.columns
    assert len(result.parcel_block) == 0
    s = result.summary
    assert (s["block_count"], s["total_area_ha"], s["m_eff_ha"]) == (0, 0.0, 0.0)
    assert s["largest_block_id"] is None
    assert s["by_park"] == {}


# --- measures -------------------------------------------------------------------------


def test_effective_mesh_size_of_1_and_3_ha_blocks_is_2_5_ha():
    assert effective_mesh_size_ha([1.0, 3.0]) == pytest.approx(2.5)
    # A 100 m square (1 ha) and a 100 x 300 m rectangle (3 ha), 500 m apart.
    parcels = parcels_from([(0, 0, 100, 100), (600, 0, 700, 300)])
    summary = contiguous_blocks(parcels).summary
    assert summary["m_eff_ha"] == pytest.approx(2.5)
    assert summary["total_area_ha"] == pytest.approx(4.0)


def test_effective_mesh_size_against_a_larger_region():
    assert effective_mesh_size_ha([1.0, 3.0], total_ha=10.0) == pytest.approx(1.0)
    assert effective_mesh_size_ha([]) == 0.0


def test_block_table_known_answers():
    # Block A: 3 parcels (1 ha low_efficiency, 1 ha reserve, 2 ha reserve) in parks x and y;
    # block B: one 0.25 ha parcel outside any park.
    parcels = parcels_from(
        [(0, 0, 100, 100), (110, 0, 210, 100), (220, 0, 420, 100), (1000, 0, 1050, 50)],
        status=["low_efficiency", "reserve", "reserve", "available"],
        park=["x", "y", "y", None],
    )
    result = contiguous_blocks(parcels, statuses=["low_efficiency", "reserve", "available"])
    b = result.blocks
    assert b["block_id"].tolist() == [1, 2]
    assert b["area_ha"].tolist() == pytest.approx([4.0, 0.25])
    assert b["parcel_count"].tolist() == [3, 1]
    assert b["low_efficiency_area_ha"].tolist() == pytest.approx([1.0, 0.0])
    assert b["reserve_area_ha"].tolist() == pytest.approx([3.0, 0.0])
    assert b["available_area_ha"].tolist() == pytest.approx([0.0, 0.25])
    assert "built_area_ha" not in b.columns
    assert b["park_id"].iloc[0] == "y"  # 3 of its 4 ha
    assert b["park_ids"].iloc[0] == "x,y"
    assert pd.isna(b["park_id"].iloc[1])
    assert b["size_class"].tolist() == ["small", "small"]
    # A lone square: Polsby-Popper = 4π·a²/(4a)² = π/4.
    assert b["compactness"].iloc[1] == pytest.approx(math.pi / 4, rel=1e-6)
    assert dict(result.parcel_block) == {"P000": 1, "P001": 1, "P002": 1, "P003": 2}

    s = result.summary
    assert s["block_count"] == 2 and s["block_count_small"] == 2
    assert s["largest_block_id"] == 1
    assert s["largest_block_area_ha"] == pytest.approx(4.0)
    assert s["m_eff_ha"] == pytest.approx((16 + 0.0625) / 4.25)
    x, y = s["by_park"]["x"], s["by_park"]["y"]
    assert (x["parcel_count"], y["parcel_count"]) == (1, 2)
    assert (x["total_area_ha"], y["total_area_ha"]) == pytest.approx((1.0, 3.0))
    # The block counts in y, which holds most of it; x has no block of its own.
    assert (x["block_count"], y["block_count"]) == (0, 1)
    assert y["largest_block_id"] == 1 and x["largest_block_id"] is None
    # Cross-boundary m_eff: the part inside the park times the whole block, over park area.
    assert x["m_eff_ha"] == pytest.approx(1.0 * 4.0 / 1.0)
    assert y["m_eff_ha"] == pytest.approx(3.0 * 4.0 / 3.0)
    assert list(result.park_table().index) == ["x", "y"]


def test_size_classes_at_their_thresholds():
    # A 1 km x 1 km parcel (100 ha), a 10 ha one and a 9.99 ha one, far apart.
    parcels = parcels_from([(0, 0, 1000, 1000), (2000, 0, 2100, 1000), (3000, 0, 3100, 999)])
    result = contiguous_blocks(parcels)
    assert result.blocks["size_class"].tolist() == ["km2", "large", "small"]
    s = result.summary
    assert (s["block_count_km2"], s["block_count_large"], s["block_count_small"]) == (1, 1, 1)
    assert s["km2_area_ha"] == pytest.approx(100.0)
    assert set(SIZE_CLASS.codes) == {"km2", "large", "small"}


def test_area_comes_from_the_area_column_when_given():
    parcels = parcels_from(TWO_APART, area_m2=[5000.0, np.nan])
    result = contiguous_blocks(parcels)
    # The missing area is measured from the geometry: 100 m x 100 m.
    assert result.blocks["area_ha"].iloc[0] == pytest.approx(0.5 + 1.0)


def test_min_block_area_hides_small_blocks_but_the_summary_counts_them():
    parcels = parcels_from([(0, 0, 100, 100), (600, 0, 700, 300)])
    result = contiguous_blocks(parcels, min_block_area_ha=2.0)
    assert result.blocks["block_id"].tolist() == [1]
    assert list(result.parcel_block.index) == ["P001"]
    assert result.summary["block_count"] == 2
    assert result.summary["m_eff_ha"] == pytest.approx(2.5)


def test_block_ids_are_the_same_whatever_the_row_order():
    grid = parcel_grid(400, seed=3)
    first = contiguous_blocks(grid.parcels)
    shuffled = grid.parcels.sample(frac=1.0, random_state=7)
    second = contiguous_blocks(shuffled)
    assert first.parcel_block.sort_index().equals(second.parcel_block.sort_index())
    assert first.blocks["area_ha"].is_monotonic_decreasing
    assert np.allclose(first.blocks["area_ha"], second.blocks["area_ha"])


def test_equal_blocks_are_numbered_by_their_smallest_parcel_id():
    parcels = parcels_from([(500, 0, 600, 100), (0, 0, 100, 100)])
    result = contiguous_blocks(parcels)
    assert dict(result.parcel_block) == {"P000": 1, "P001": 2}


# --- geometry and CRS -----------------------------------------------------------------


def test_results_are_in_wgs84_whatever_the_input_crs():
    metric = parcels_from(TWO_APART, crs=METRIC_CRS)
    wgs = parcels_from(TWO_APART)
    a, b = contiguous_blocks(metric), contiguous_blocks(wgs)
    assert a.blocks.crs == WGS84 and b.blocks.crs == WGS84
    assert a.blocks.geometry.iloc[0].equals_exact(b.blocks.geometry.iloc[0], 1e-9)
    lon, lat = a.blocks.geometry.iloc[0].centroid.coords[0]
    assert 114.0 < lon < 114.7 and 22.4 < lat < 22.9


def test_union_outline_keeps_the_parcels_and_closed_outline_spans_the_road():
    parcels = parcels_from(TWO_APART)
    union = contiguous_blocks(parcels).blocks.to_crs(METRIC_CRS).geometry.iloc[0]
    assert union.area == pytest.approx(20_000, rel=1e-6)
    assert shapely.get_num_geometries(union) == 2
    result = contiguous_blocks(parcels, outline="closed")
    closed = result.blocks.to_crs(METRIC_CRS).geometry.iloc[0]
    assert closed.geom_type == "Polygon"
    assert closed.area == pytest.approx(210 * 100, rel=1e-4)  # the 10 m road is filled
    assert result.blocks["area_ha"].iloc[0] == pytest.approx(2.0)  # areas stay parcel sums


def test_touching_parcels_are_dissolved_into_one_polygon():
    parcels = parcels_from([(0, 0, 100, 100), (100, 0, 200, 100), (100, 100, 200, 200)])
    block = contiguous_blocks(parcels, tolerance_m=0).blocks.to_crs(METRIC_CRS)
    assert block.geometry.iloc[0].geom_type == "Polygon"
    assert block.geometry.iloc[0].area == pytest.approx(30_000, rel=1e-6)


def test_multipolygon_and_self_intersecting_parcels_are_handled():
    bow_tie = Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    two_parts = MultiPolygon([box(110, 0, 150, 50), box(160, 0, 200, 50)])
    parcels = parcels_from([bow_tie, two_parts, (100, 0, 105, 100)], area_m2=[1, 1, 1])
    result = contiguous_blocks(parcels, tolerance_m=20)
    assert result.summary["block_count"] == 1
    assert result.blocks.geometry.iloc[0].is_valid


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"tolerance_m": -1}, "tolerance_m"),
        ({"tolerance_m": float("nan")}, "tolerance_m"),
        ({"tolerance_m": "abc"}, "tolerance_m"),
        ({"min_block_area_ha": -0.1}, "min_block_area_ha"),
        ({"snap_m": -1}, "snap_m"),
        ({"statuses": ["demolished"]}, "demolished"),
        ({"statuses": []}, "statuses"),
        ({"land_uses": ["R2"]}, "R2"),
        ({"outline": "hull"}, "hull"),
    ],
)
def test_bad_parameters_raise_bilingual_input_errors(kwargs, needle):
    with pytest.raises(InputError) as info:
        contiguous_blocks(parcels_from(TWO_APART), **kwargs)
    zh, en = str(info.value).split("\n")[:2]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)
    assert needle in zh + en


def test_bad_layers_raise_input_errors():
    good = parcels_from(TWO_APART)
    with pytest.raises(InputError, match="地块图层"):
        contiguous_blocks(None)
    with pytest.raises(InputError, match="no parcels"):
        contiguous_blocks(good.iloc[:0])
    with pytest.raises(InputError, match="CRS"):
        contiguous_blocks(good.set_crs(None, allow_override=True))
    points = good.copy()
    points.geometry = good.geometry.representative_point()
    with pytest.raises(InputError, match="polygons"):
        contiguous_blocks(points)
    with pytest.raises(InputError, match="status"):
        contiguous_blocks(good.drop(columns="status"))
    dup = good.copy()
    dup["parcel_id"] = "P1"
    with pytest.raises(InputError, match="Duplicate"):
        contiguous_blocks(dup)
    empty_geom = good.copy()
    empty_geom.loc[1, "geometry"] = None
    with pytest.raises(InputError, match="rows 2"):
        contiguous_blocks(empty_geom)


def test_bad_barriers_raise_input_errors():
    parcels = parcels_from(TWO_APART)
    road = lines_from([[(105, -50), (105, 150)]])
    with pytest.raises(InputError, match="CRS"):
        contiguous_blocks(parcels, barriers=road.set_crs(None, allow_override=True))
    points = road.copy()
    points.geometry = road.geometry.representative_point()
    with pytest.raises(InputError, match=r"polygons or lines.*POINT"):
        contiguous_blocks(parcels, barriers=points)
    with pytest.raises(InputError, match="GeoDataFrame"):
        contiguous_blocks(parcels, barriers=[LineString([(0, 0), (1, 1)])])


# --- larger layouts -------------------------------------------------------------------


def test_generated_grid_gives_the_blocks_between_trunk_roads():
    grid = parcel_grid(2_000, seed=11)
    result = contiguous_blocks(grid.parcels, tolerance_m=20)
    labels = result.parcel_block.reindex(grid.parcels["parcel_id"]).to_numpy()
    assert same_partition(labels, grid.expected_block)
    assert result.summary["block_count"] == len(np.unique(grid.expected_block)) > 10
    # A tolerance wider than the trunk roads joins everything, unless the roads are barriers.
    assert contiguous_blocks(grid.parcels, tolerance_m=65).summary["block_count"] == 1
    barred = contiguous_blocks(grid.parcels, tolerance_m=65, barriers=grid.trunk_roads)
    labels = barred.parcel_block.reindex(grid.parcels["parcel_id"]).to_numpy()
    assert same_partition(labels, grid.expected_block)


def test_same_partition_as_libpysal_fuzzy_contiguity():
    from libpysal.graph import Graph

    grid = parcel_grid(600, seed=5)
    ours = contiguous_blocks(grid.parcels, tolerance_m=20).parcel_block
    metric = grid.parcels.to_crs(METRIC_CRS).reset_index(drop=True)
    theirs = Graph.build_fuzzy_contiguity(metric.geometry, buffer=10.0).component_labels
    assert same_partition(
        ours.reindex(grid.parcels["parcel_id"]).to_numpy(), theirs.reindex(metric.index).to_numpy()
    )


# --- property test against a brute-force reference ------------------------------------


def brute_force_labels(geoms, tolerance_m, polygons, lines, snap_m):
    """O(n²) reference: the documented linking rule, pair by pair, with union-find."""
    shrunk = [p.buffer(-snap_m) if snap_m else p for p in polygons]
    shrunk = [p for p in shrunk if not p.is_empty]
    zones = [ln.buffer(snap_m) if snap_m else ln for ln in lines]
    parent = list(range(len(geoms)))

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a in range(len(geoms)):
        for b in range(a + 1, len(geoms)):
            if geoms[a].distance(geoms[b]) > tolerance_m:
                continue
            seg = shapely.shortest_line(geoms[a], geoms[b])
            if seg.length > 0:
                cut = any(seg.intersects(p) and not seg.touches(p) for p in shrunk) or any(
                    seg.crosses(ln) for ln in lines
                )
            else:
                contact = geoms[a].intersection(geoms[b])
                cut = any(contact.covered_by(z) for z in shrunk + zones)
            if not cut:
                parent[find(a)] = find(b)
    return [find(k) for k in range(len(geoms))]


# Parcels fill cells of a 30 m grid, each inset by 0, 5 or 10 m on every side, so gaps of
# 0–20 m, touching edges and exactly aligned edges are all common. Barriers are long lines
# and strips on a 5 m lattice (through gaps, along edges) or lines at random angles.
inset = st.sampled_from([0, 5, 10])
cell = st.tuples(st.integers(0, 3), st.integers(0, 3))
rect = st.tuples(cell, inset, inset, inset, inset).map(
    lambda t: (
        30 * t[0][0] + t[1],
        30 * t[0][1] + t[2],
        30 * t[0][0] + 30 - t[3],
        30 * t[0][1] + 30 - t[4],
    )
)
rects = st.lists(rect, min_size=4, max_size=16, unique_by=lambda r: (r[0] // 30, r[1] // 30))
far = st.integers(-20, 140)
across = st.integers(0, 24).map(lambda k: 5 * k)
segment = st.one_of(
    st.tuples(far, far, far, far).filter(lambda t: t[:2] != t[2:]),
    across.map(lambda x: (x, -20, x, 140)),
    across.map(lambda y: (-20, y, 140, y)),
)
strip = st.tuples(across, st.integers(1, 12), st.booleans()).map(
    lambda t: (t[0], -20, t[0] + t[1], 140) if t[2] else (-20, t[0], 140, t[0] + t[1])
)


@settings(max_examples=50, deadline=None)
@given(
    rects=rects,
    line_coords=st.lists(segment, min_size=1, max_size=3),
    barrier_rects=st.lists(strip, max_size=2),
    tolerance_m=st.sampled_from([0.0, 7.5, 20.5, 45.5]),
    snap_m=st.sampled_from([0.0, 0.5]),
)
def test_partition_matches_brute_force(rects, line_coords, barrier_rects, tolerance_m, snap_m):
    parcels = parcels_from(rects, crs=METRIC_CRS)
    lines = [LineString([(X0 + t[0], Y0 + t[1]), (X0 + t[2], Y0 + t[3])]) for t in line_coords]
    polys = [box(X0 + r[0], Y0 + r[1], X0 + r[2], Y0 + r[3]) for r in barrier_rects]
    barriers = gpd.GeoSeries(lines + polys, crs=METRIC_CRS) if lines or polys else None
    result = contiguous_blocks(parcels, tolerance_m=tolerance_m, barriers=barriers, snap_m=snap_m)
    ours = result.parcel_block.reindex(parcels["parcel_id"]).to_numpy()
    reference = brute_force_labels(list(parcels.geometry), tolerance_m, polys, lines, snap_m)
    assert same_partition(ours, reference)
    assert result.summary["total_area_ha"] == pytest.approx(parcels["area_m2"].sum() / 1e4)


# --- demo data ------------------------------------------------------------------------


def test_demo_planned_pockets_appear_as_blocks_of_their_planned_size():
    from layers.catalog import load_demo

    layers = load_demo()
    result = contiguous_blocks(
        layers.parcels,
        tolerance_m=20,
        statuses=["low_efficiency", "reserve", "available"],
        barriers=layers.constraints,
    )
    top = result.blocks.head(3).copy()
    centre = top.geometry.to_crs(METRIC_CRS).centroid.to_crs(WGS84)
    top["lon"], top["lat"] = centre.x.to_numpy(), centre.y.to_numpy()
    # (planned km², lon, lat) of 高新南, 龙田北, 碧岭北 — the plan's order by size.
    planned = [(2.1, 114.405, 22.6975), (1.4, 114.345, 22.755), (1.0, 114.29, 22.675)]
    for (km2, lon, lat), row in zip(planned, top.itertuples(), strict=True):
        assert row.area_ha / 100 == pytest.approx(km2, rel=0.15)
        assert abs(row.lon - lon) < 0.01 and abs(row.lat - lat) < 0.01
    assert 4.0 < top["area_ha"].sum() / 100 < 5.0  # ≈ 4.5 km² to release
    # Everything else is far smaller: the pockets stand out.
    assert result.blocks["area_ha"].iloc[3] < 0.2 * result.blocks["area_ha"].iloc[2]
