"""Known values and round trips of the Chinese coordinate system converters."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from geo.crs import (
    METRIC_CRS,
    WGS84,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    gdf_from_system,
    gdf_to_system,
    normalise_system_name,
    out_of_china,
    to_metric,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.errors import InputError

# Metres per degree near Shenzhen (22.7° N), for turning degree errors into distances.
M_PER_DEG_LAT = 110_800.0
M_PER_DEG_LON = 102_700.0

shenzhen_lon = st.floats(113.75, 114.65, allow_nan=False)
shenzhen_lat = st.floats(22.40, 22.87, allow_nan=False)


def distance_m(lon1, lat1, lon2, lat2):
    return np.hypot(
        (np.asarray(lon1) - lon2) * M_PER_DEG_LON, (np.asarray(lat1) - lat2) * M_PER_DEG_LAT
    )


def test_wgs84_to_gcj02_known_value():
    # Published reference pair for the Beijing test point used by many implementations.
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.41024449916938, abs=1e-12)
    assert lat == pytest.approx(39.91640428150164, abs=1e-12)


def test_gcj02_to_bd09_known_value():
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert lon == pytest.approx(116.41036949371029, abs=1e-12)
    assert lat == pytest.approx(39.92133699351021, abs=1e-12)


def test_bd09_to_gcj02_close_to_published_closed_form():
    # The published closed-form inverse gives (116.39762729119315, 39.90865673957631);
    # the refined inverse differs from it by its approximation error, a few decimetres at most.
    lon, lat = bd09_to_gcj02(116.404, 39.915)
    assert distance_m(lon, lat, 116.39762729119315, 39.90865673957631) < 0.5
    back = gcj02_to_bd09(lon, lat)
    assert distance_m(*back, 116.404, 39.915) < 1e-3


def test_shift_in_shenzhen_is_about_half_a_kilometre():
    lon, lat = wgs84_to_gcj02(114.35, 22.70)
    shift = distance_m(lon, lat, 114.35, 22.70)
    assert 400 < shift < 700


def test_outside_china_left_unshifted():
    lon = np.array([2.35, -74.0, 151.2])
    lat = np.array([48.85, 40.7, -33.9])
    assert out_of_china(lon, lat).all()
    glon, glat = wgs84_to_gcj02(lon, lat)
    np.testing.assert_array_equal(glon, lon)
    np.testing.assert_array_equal(glat, lat)
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    np.testing.assert_array_equal(wlat, lat)
    np.testing.assert_array_equal(wlon, lon)


def test_vectorised_matches_scalar():
    lons = np.array([114.30, 114.35, 114.42])
    lats = np.array([22.65, 22.70, 22.75])
    vlon, vlat = wgs84_to_gcj02(lons, lats)
    for i in range(3):
        slon, slat = wgs84_to_gcj02(float(lons[i]), float(lats[i]))
        assert slon == vlon[i] and slat == vlat[i]


@settings(max_examples=50, deadline=None)
@given(shenzhen_lon, shenzhen_lat)
def test_gcj02_round_trip_under_a_centimetre(lon, lat):
    glon, glat = wgs84_to_gcj02(lon, lat)
    back = gcj02_to_wgs84(glon, glat)
    assert distance_m(*back, lon, lat) < 0.01


@settings(max_examples=50, deadline=None)
@given(shenzhen_lon, shenzhen_lat)
def test_bd09_round_trips(lon, lat):
    assert distance_m(*bd09_to_gcj02(*gcj02_to_bd09(lon, lat)), lon, lat) < 0.01
    assert distance_m(*bd09_to_wgs84(*wgs84_to_bd09(lon, lat)), lon, lat) < 0.01


def test_inverse_converges_on_many_points_at_once():
    rng = np.random.default_rng(1)
    lon = rng.uniform(113.7, 114.7, 20_000)
    lat = rng.uniform(22.4, 22.9, 20_000)
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert distance_m(*back, lon, lat).max() < 0.01


def test_system_names_are_normalised():
    assert normalise_system_name("GCJ-02") == "gcj02"
    assert normalise_system_name("火星坐标") == "gcj02"
    assert normalise_system_name("BD09") == "bd09"
    assert normalise_system_name("EPSG:4547") == "EPSG:4547"


def test_metric_crs_known_point():
    # (114.35, 22.70) → EPSG:4547 x = 535961.85, y = 2511357.39 (reference value).
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(114.35, 22.70)], crs=WGS84)
    pt = to_metric(gdf).geometry.iloc[0]
    assert pt.x == pytest.approx(535961.85, abs=0.05)
    assert pt.y == pytest.approx(2511357.39, abs=0.05)


def test_to_metric_refuses_frames_without_crs():
    with pytest.raises(InputError, match="坐标系"):
        to_metric(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]))


def test_gdf_round_trip_through_gcj02_and_projected_systems():
    gdf = gpd.GeoDataFrame(
        {"name": ["a"]},
        geometry=[shapely.Polygon([(114.30, 22.70), (114.31, 22.70), (114.31, 22.71)])],
        crs=WGS84,
    )
    gcj = gdf_to_system(gdf, "gcj02")
    assert not gcj.geometry.iloc[0].equals(gdf.geometry.iloc[0])
    back = gdf_from_system(gcj, "gcj02")
    assert back.crs.to_epsg() == 4326
    assert back.geometry.iloc[0].hausdorff_distance(gdf.geometry.iloc[0]) < 1e-7
    projected = gdf_to_system(gdf, METRIC_CRS)
    again = gdf_from_system(projected, METRIC_CRS)
    assert again.geometry.iloc[0].hausdorff_distance(gdf.geometry.iloc[0]) < 1e-8


def test_zone_38_variant_agrees_with_cm114():
    to_4526 = Transformer.from_crs(WGS84, "EPSG:4526", always_xy=True)
    to_4547 = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
    x38, y38 = to_4526.transform(114.35, 22.70)
    x, y = to_4547.transform(114.35, 22.70)
    assert x38 - x == pytest.approx(38_000_000.0, abs=1e-3)
    assert y38 == pytest.approx(y, abs=1e-3)


def test_unknown_crs_string_is_a_clear_error():
    with pytest.raises(InputError, match="无法识别坐标系"):
        gdf_from_system(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]), "not a crs")
