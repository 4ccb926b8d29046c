"""The one cached transformation to the metric CRS (EPSG:4547) and its array helpers."""

from __future__ import annotations

import threading

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Transformer
from shapely.geometry import LineString, Point, Polygon

from geo.crs import (
    CGCS2000,
    METRIC_CRS,
    WGS84,
    from_metric_geometries,
    metric_transformer,
    to_metric,
    to_metric_geometries,
    to_metric_xy,
)
from geo.errors import InputError

DIRECT = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)

shenzhen_lon = st.floats(113.75, 114.65, allow_nan=False)
shenzhen_lat = st.floats(22.40, 22.87, allow_nan=False)


def parcel() -> Polygon:
    # 0.003° x 0.002° (≈ 308 m x 222 m) near Pingshan, with a 0.001° x 0.0005° hole.
    return Polygon(
        [(114.340, 22.690), (114.343, 22.690), (114.343, 22.692), (114.340, 22.692)],
        [[(114.341, 22.6905), (114.342, 22.6905), (114.342, 22.691), (114.341, 22.691)]],
    )


def test_known_point_agrees_with_pyproj() -> None:
    x, y = DIRECT.transform(114.35, 22.70)
    out = to_metric_xy([114.35, 22.70])
    assert out.shape == (2,)
    assert out == pytest.approx([x, y], abs=1e-6)
    # CM 114E, false easting 500 km: 0.35° east of the meridian is ≈ 36 km.
    assert 535_000 < out[0] < 537_000
    assert 2_510_000 < out[1] < 2_512_000


def test_transformer_is_cached_per_crs_whatever_its_spelling() -> None:
    t = metric_transformer()
    assert metric_transformer(WGS84) is t
    assert metric_transformer(4326) is t
    assert metric_transformer("epsg:4326") is t
    assert metric_transformer(CRS.from_user_input(WGS84)) is t
    assert metric_transformer(CGCS2000) is not t
    assert metric_transformer(CGCS2000) is metric_transformer(4490)


def test_transformer_is_xy_ordered_even_for_lat_lon_crs() -> None:
    # EPSG:4326 and EPSG:4490 declare latitude first; always_xy keeps lon, lat.
    for crs in (WGS84, CGCS2000):
        x, y = metric_transformer(crs).transform(114.35, 22.70)
        assert x == pytest.approx(DIRECT.transform(114.35, 22.70)[0], abs=0.01)
        assert y == pytest.approx(DIRECT.transform(114.35, 22.70)[1], abs=0.01)


def test_bad_crs_is_an_input_error() -> None:
    with pytest.raises(InputError, match="无法识别坐标系"):
        metric_transformer("EPSG:999999")
    with pytest.raises(InputError, match="No CRS"):
        metric_transformer(None)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(shenzhen_lon, shenzhen_lat), min_size=1, max_size=20))
def test_xy_agrees_with_pyproj(points) -> None:
    xy = np.array(points)
    out = to_metric_xy(xy)
    x, y = DIRECT.transform(xy[:, 0], xy[:, 1])
    np.testing.assert_allclose(out, np.column_stack([x, y]), atol=1e-6)
    assert out is not xy


def test_xy_rejects_wrong_shape_and_passes_metric_through() -> None:
    with pytest.raises(ValueError, match="shape"):
        to_metric_xy(np.zeros((3, 3)))
    xy = np.array([[536_000.0, 2_511_000.0]])
    np.testing.assert_array_equal(to_metric_xy(xy, METRIC_CRS), xy)
    assert to_metric_xy(np.empty((0, 2))).shape == (0, 2)


def test_polygon_area_equals_geopandas_to_crs() -> None:
    geoms = np.array([parcel(), parcel().buffer(0.001), None], dtype=object)
    out = to_metric_geometries(geoms)
    expected = gpd.GeoSeries(geoms, crs=WGS84).to_crs(METRIC_CRS)
    assert out[2] is None
    np.testing.assert_allclose(shapely.area(out[:2]), expected.area.to_numpy()[:2], rtol=1e-12)
    assert shapely.area(out[0]) == pytest.approx(308.1 * 221.6 - 102.7 * 55.4, rel=0.01)
    assert shapely.equals_exact(out[:2], expected.to_numpy()[:2], tolerance=1e-6).all()


def test_geometries_keep_z_where_present_and_round_trip() -> None:
    geoms = np.array([Point(114.35, 22.70, 35.0), LineString([(114.3, 22.7), (114.4, 22.8)])])
    out = to_metric_geometries(geoms)
    assert shapely.has_z(out).tolist() == [True, False]
    assert shapely.get_coordinates(out[0], include_z=True)[0, 2] == pytest.approx(35.0)
    back = from_metric_geometries(out)
    assert shapely.equals_exact(back, geoms, tolerance=1e-9).all()


def test_geometries_already_metric_or_empty_are_returned_as_given() -> None:
    geoms = np.array([Point(536_000, 2_511_000)], dtype=object)
    assert to_metric_geometries(geoms, METRIC_CRS) is geoms
    empty = np.array([], dtype=object)
    assert to_metric_geometries(empty).size == 0
    assert to_metric_geometries(Point(114.35, 22.70)).x == pytest.approx(
        DIRECT.transform(114.35, 22.70)[0]
    )


@pytest.mark.parametrize("src", [WGS84, CGCS2000, "EPSG:32650"])
def test_to_metric_frame_equals_to_crs(src) -> None:
    base = gpd.GeoDataFrame(
        {"name": ["甲", "乙"], "parcel": [parcel(), parcel().centroid]},
        geometry="parcel",
        crs=WGS84,
    ).to_crs(src)
    out = to_metric(base)
    assert out.geometry.name == "parcel"
    assert out.crs == CRS.from_user_input(METRIC_CRS)
    assert_geodataframe_equal(out, base.to_crs(METRIC_CRS), check_less_precise=True)
    assert base.crs == CRS.from_user_input(src)  # input untouched


def test_to_metric_of_metric_frame_is_the_frame_and_needs_a_crs() -> None:
    metric = gpd.GeoDataFrame(geometry=[Point(536_000, 2_511_000)], crs=METRIC_CRS)
    assert to_metric(metric) is metric
    with pytest.raises(InputError):
        to_metric(gpd.GeoDataFrame(geometry=[Point(0, 0)]))


def test_shared_transformer_is_consistent_across_threads() -> None:
    xy = np.column_stack([np.linspace(113.8, 114.6, 2000), np.linspace(22.45, 22.85, 2000)])
    expected = to_metric_xy(xy)
    results: list[np.ndarray] = []

    def work() -> None:
        results.append(to_metric_xy(xy))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8
    for r in results:
        np.testing.assert_array_equal(r, expected)
