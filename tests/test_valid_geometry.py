"""Every geometry the tool shows or writes is valid: blocks, merged and drawn parcels, exports."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon, box

from analysis.contiguity import contiguous_blocks
from geo.crs import METRIC_CRS, WGS84
from geo.geometry import polygonal_parts, repair_polygonal, round_coordinates
from geo.io import write_geojson
from layers import scenario as sc
from layers.catalog import LayerSet, load_demo

X0, Y0 = 535_000.0, 2_511_000.0  # EPSG:4547, near 坪山 centre


# --- geo.geometry, known answers ----------------------------------------------------------


def test_valid_geometries_pass_through_untouched():
    geoms = np.array([box(0, 0, 1, 1), None, LineString([(0, 0), (1, 1)])], dtype=object)
    out = repair_polygonal(geoms)
    assert out[0] is geoms[0] and out[1] is None and out[2] is geoms[2]


def test_a_bowtie_is_repaired_into_its_two_triangles():
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    (fixed,) = repair_polygonal(np.array([bowtie], dtype=object))
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon"
    assert fixed.area == pytest.approx(2.0)  # two triangles of 1 each


def test_adjacent_parts_are_unioned_not_left_as_an_invalid_multipolygon():
    # Two squares sharing an edge as a MultiPolygon are invalid; their polygonal part is one.
    shared = shapely.MultiPolygon([box(0, 0, 1, 1), box(1, 0, 2, 1)])
    assert not shared.is_valid
    fixed = polygonal_parts(shared)
    assert fixed.is_valid and fixed.geom_type == "Polygon" and fixed.area == pytest.approx(2.0)
    collection = shapely.GeometryCollection([box(0, 0, 1, 1), LineString([(5, 5), (6, 6)])])
    assert polygonal_parts(collection).equals(box(0, 0, 1, 1))
    assert polygonal_parts(LineString([(0, 0), (1, 1)])) is None


def test_rounding_keeps_a_thin_spike_valid():
    # A ring whose spike (2e-7° wide) collapses onto itself when rounded to 6 decimals.
    ring = [
        (114.0, 22.0),
        (114.001, 22.0),
        (114.001, 22.0005),
        (114.0015, 22.0005002),
        (114.001, 22.0005004),
        (114.001, 22.001),
        (114.0, 22.001),
    ]
    spike = Polygon(ring)
    assert spike.is_valid
    plain = shapely.transform(spike, lambda c: np.round(c, 6))
    assert not plain.is_valid  # what naive rounding does
    (rounded,) = round_coordinates(np.array([spike], dtype=object), 6)
    assert rounded.is_valid
    assert rounded.area == pytest.approx(spike.area, rel=1e-3)
    coords = shapely.get_coordinates(rounded)
    assert np.allclose(coords, np.round(coords, 6), atol=1e-12)


# --- contiguity blocks over random layouts -------------------------------------------------

rect = st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(1, 8), st.integers(1, 8)).map(
    lambda t: (t[0] * 10.0, t[1] * 10.0, t[0] * 10.0 + t[2] * 10.0, t[1] * 10.0 + t[3] * 10.0)
)


def layout(rects, crs=WGS84) -> gpd.GeoDataFrame:
    geoms = [box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in rects]
    frame = gpd.GeoDataFrame(
        {
            "parcel_id": [f"P{i}" for i in range(len(rects))],
            "status": ["available"] * len(rects),
            "land_use": ["M1"] * len(rects),
        },
        geometry=geoms,
        crs=METRIC_CRS,
    )
    return frame.to_crs(crs)


@settings(max_examples=40, deadline=None)
@given(
    rects=st.lists(rect, min_size=1, max_size=25),
    tolerance_m=st.sampled_from([0.0, 5.0, 20.0]),
    outline=st.sampled_from(["union", "closed"]),
)
def test_blocks_are_valid_in_memory_and_in_the_geojson_export(
    tmp_path_factory, rects, tolerance_m, outline
):
    parcels = layout(rects)
    result = contiguous_blocks(parcels, tolerance_m=tolerance_m, outline=outline)
    geoms = result.blocks.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    path = tmp_path_factory.mktemp("blocks") / "blocks.geojson"
    write_geojson(result.blocks, path)
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    written = [shapely.geometry.shape(f["geometry"]) for f in features]
    assert all(g.is_valid for g in written)


def test_demo_blocks_and_their_export_are_all_valid(tmp_path):
    layers = load_demo()
    result = contiguous_blocks(
        layers.parcels,
        statuses=("low_efficiency", "reserve", "available"),
        barriers=layers.constraints,
    )
    assert shapely.is_valid(result.blocks.geometry.to_numpy()).all()
    path = tmp_path / "blocks.geojson"
    write_geojson(result.blocks, path)
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    assert len(features) == len(result.blocks)
    assert all(shapely.geometry.shape(f["geometry"]).is_valid for f in features)
    km2 = result.blocks[result.blocks["area_ha"] >= 100]
    assert len(km2) == 3  # the three km-scale pockets, valid like the rest


# --- merged and drawn parcels --------------------------------------------------------------


def to_wgs(geom):
    return gpd.GeoSeries([geom], crs=METRIC_CRS).to_crs(WGS84).iloc[0]


@settings(max_examples=30, deadline=None)
@given(rects=st.lists(rect, min_size=2, max_size=6, unique=True))
def test_merged_parcels_are_valid(rects):
    parcels = layout(rects).assign(
        far_current=1.0, density_zone=3, park_id=None, area_m2=1.0, gfa_current_m2=1.0
    )
    district = to_wgs(box(X0 - 1000, Y0 - 1000, X0 + 2000, Y0 + 2000))
    base = (
        LayerSet(is_demo=True)
        .with_layer("parcels", parcels)
        .with_layer("boundary", gpd.GeoDataFrame({"name": ["区"]}, geometry=[district], crs=WGS84))
    )
    merge = sc.merge_parcels(list(parcels["parcel_id"]))
    applied = sc.apply(sc.new_scenario("m").with_edit(merge), base)
    merged = applied.parcels.set_index("parcel_id").loc[merge.attributes["parcel_id"]]
    assert merged["geometry"] is not None and merged["geometry"].is_valid


def test_a_drawn_parcel_clipped_to_the_district_is_valid():
    district = to_wgs(box(X0, Y0, X0 + 1000, Y0 + 1000))
    boundary = gpd.GeoDataFrame({"name": ["区"]}, geometry=[district], crs=WGS84)
    # Drawn across the district edge: the clipped part must be a valid polygon.
    drawn = to_wgs(box(X0 + 900, Y0 + 100, X0 + 1200, Y0 + 300))
    edit = sc.add_parcel(drawn, district=boundary)
    assert edit.geometry.is_valid
    assert shapely.area(edit.geometry) < shapely.area(drawn)
