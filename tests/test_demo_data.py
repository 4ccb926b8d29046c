"""The bundled 坪山 demo dataset: deterministic, valid, and shaped like the district."""

import importlib.util
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio

from data.build_demo_years import EARLIER_LAYER, EARLIER_YEAR, LATER_YEAR
from geo.crs import METRIC_CRS
from layers.catalog import DEMO_DEM, DEMO_GPKG, DEMO_SOURCE, load_demo
from layers.schema import LAND_USE, LAYER_KINDS, STATUS, validate_layer

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference" / "pingshan_boundary_wgs84.geojson"


@pytest.fixture(scope="module")
def demo():
    return load_demo()


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("build_demo", ROOT / "data" / "build_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("demo")
    module.build(out)
    return out


def test_generator_reproduces_the_committed_files(rebuilt):
    for kind in LAYER_KINDS:
        committed = gpd.read_file(DEMO_GPKG, layer=kind)
        fresh = gpd.read_file(rebuilt / DEMO_GPKG.name, layer=kind)
        pd.testing.assert_frame_equal(
            pd.DataFrame(committed.drop(columns="geometry")),
            pd.DataFrame(fresh.drop(columns="geometry")),
        )
        assert committed.geometry.geom_equals_exact(fresh.geometry, tolerance=1e-9).all(), kind
    with rasterio.open(DEMO_DEM) as a, rasterio.open(rebuilt / DEMO_DEM.name) as b:
        assert a.transform == b.transform
        np.testing.assert_array_equal(a.read(1), b.read(1))


def test_every_layer_is_present_valid_and_marked_illustrative(demo):
    assert demo.is_demo
    for kind in LAYER_KINDS:
        gdf = demo.layer(kind)
        assert gdf is not None and len(gdf) > 0, kind
        assert gdf.crs.to_epsg() == 4326
        assert (gdf["source"] == DEMO_SOURCE).all(), kind
        assert gdf.geometry.is_valid.all(), kind


def test_sizes_and_variety(demo):
    parcels, firms = demo.parcels, demo.enterprises
    assert 2000 <= len(parcels) <= 6000
    assert 600 <= len(firms) <= 1500
    assert set(parcels.status) == set(STATUS.codes)
    assert set(parcels.land_use) == set(LAND_USE.codes)
    area_ha = parcels.to_crs(METRIC_CRS).area / 1e4
    assert area_ha.min() >= 0.3 and area_ha.max() <= 15.0
    assert set(parcels.density_zone.dropna().astype(int)) <= {1, 2, 3, 4, 5}
    assert (parcels.gfa_current_m2 >= 0).all()
    assert set(demo.parks.park_id) == {"jinsha_bihu", "gaoxin_north", "gaoxin_south", "corridor"}
    assert {"eco_line", "block_line_1", "block_line_2", "water", "trunk_road"} == set(
        demo.constraints.kind
    )


def test_anchor_firms_are_named_and_inside_the_district(demo):
    firms = demo.enterprises
    anchors = firms[firms.is_anchor]
    names = " ".join(anchors.name)
    for firm in ("比亚迪", "荣耀", "中芯国际", "赛诺菲", "捷佳伟创", "昂纳"):
        assert firm in names
    district = demo.boundary[demo.boundary.level == "district"].geometry.iloc[0]
    assert firms.within(district).all()


def test_parcels_lie_inside_the_outline_and_streets_cover_it(demo):
    b = demo.boundary.to_crs(METRIC_CRS)
    district = b[b.level == "district"].geometry.iloc[0]
    streets = b[b.level == "street"]
    assert len(streets) == 7
    assert demo.parcels.to_crs(METRIC_CRS).within(district.buffer(0.01)).all()
    assert streets.area.sum() == pytest.approx(district.area, rel=1e-6)


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference outline only present beside the repo")
def test_outline_within_1km_of_reference_outline(demo):
    ours = demo.boundary[demo.boundary.level == "district"].to_crs(METRIC_CRS).geometry.iloc[0]
    ref = gpd.read_file(REFERENCE).to_crs(METRIC_CRS).union_all()
    assert ours.hausdorff_distance(ref) < 1000.0


def test_planned_pockets_hold_the_planned_areas(demo):
    parcels = demo.parcels.to_crs(METRIC_CRS)
    area_km2 = parcels.groupby("pocket").geometry.apply(lambda g: g.area.sum()) / 1e6
    assert area_km2["biling_north"] == pytest.approx(1.0, rel=0.05)
    assert area_km2["longtian_north"] == pytest.approx(1.4, rel=0.05)
    assert area_km2["gaoxin_south_pocket"] == pytest.approx(2.1, rel=0.05)
    in_pockets = parcels[parcels.pocket.notna()]
    assert set(in_pockets.status) == {"low_efficiency", "reserve"}


def test_dem_has_hills_in_the_south_and_plains_in_the_parks(demo):
    with rasterio.open(demo.dem_path) as src:
        assert src.crs.to_epsg() == 4547
        assert src.res == (30.0, 30.0)
        band = src.read(1)
        parks = demo.parks.to_crs(METRIC_CRS)
        centre = parks[parks.park_id == "gaoxin_north"].geometry.iloc[0].centroid
        row, col = src.index(centre.x, centre.y)
        park_height = band[row, col]
        south = (
            gpd.GeoSeries.from_xy([114.35], [22.633], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
        )
        row, col = src.index(south.x, south.y)
        hill_height = band[row, col]
    assert park_height < 100.0
    assert hill_height > 350.0


def test_the_year_before_is_reproduced_plausible_and_illustrative(rebuilt):
    from analysis.colocation import CLOSED, MOVED, NEW, match_firms

    committed = gpd.read_file(DEMO_GPKG, layer=EARLIER_LAYER)
    fresh = gpd.read_file(rebuilt / DEMO_GPKG.name, layer=EARLIER_LAYER)
    pd.testing.assert_frame_equal(
        pd.DataFrame(committed.drop(columns="geometry")),
        pd.DataFrame(fresh.drop(columns="geometry")),
    )
    assert committed.geometry.geom_equals_exact(fresh.geometry, tolerance=1e-9).all()
    earlier = validate_layer("enterprises", committed)
    later = load_demo().enterprises
    assert (earlier["source"] == DEMO_SOURCE).all()
    assert set(earlier["year"]) == {EARLIER_YEAR} and set(later["year"]) == {LATER_YEAR}
    assert later["credit_code"].is_unique and earlier["credit_code"].is_unique
    changes = match_firms(earlier, later).change.value_counts()
    # A year of a district's firms: a few per cent new and closed, a handful moved.
    assert 0.03 * len(later) <= changes[NEW] <= 0.15 * len(later)
    assert 0.03 * len(later) <= changes[CLOSED] <= 0.10 * len(later)
    assert 5 <= changes[MOVED] <= 30
    # The anchors are in both years, and grew on the whole.
    anchors = later[later.is_anchor].set_index("credit_code").output_10k_cny
    before = earlier.set_index("credit_code").output_10k_cny.reindex(anchors.index)
    assert before.notna().all() and anchors.sum() > before.sum()
