"""Slope and hillshade of a DEM, and the lon/lat hillshade overlay of the demo DEM."""

import numpy as np
import pytest

from geo.errors import InputError
from geo.raster import hillshade, hillshade_overlay, read_dem, slope_deg
from layers.catalog import DEMO_DEM


def test_slope_of_a_plane_rising_one_metre_per_metre_is_45_degrees():
    x = np.arange(10) * 30.0
    plane = np.tile(x, (8, 1))  # rises 30 m per 30 m cell eastwards
    np.testing.assert_allclose(slope_deg(plane, 30.0), 45.0)
    np.testing.assert_allclose(slope_deg(np.zeros((5, 5)), 30.0), 0.0)


def test_flat_ground_is_lit_by_the_sine_of_the_sun_altitude():
    shade = hillshade(np.zeros((6, 6)), 30.0, altitude_deg=30.0)
    np.testing.assert_allclose(shade, 0.5)


def test_slopes_facing_the_sun_are_brighter_than_slopes_facing_away():
    x = np.arange(20) * 30.0
    east_up = np.tile(x, (20, 1))  # the slope faces west, towards a sun in the north-west
    west_up = east_up[:, ::-1]
    lit = hillshade(east_up, 30.0, azimuth_deg=315.0)
    shaded = hillshade(west_up, 30.0, azimuth_deg=315.0)
    assert lit.mean() > shaded.mean()


def test_demo_overlay_is_in_lon_lat_around_pingshan():
    overlay = hillshade_overlay(DEMO_DEM, max_size_px=300)
    west, south, east, north = overlay.bounds
    assert 114.2 < west < 114.3 and 114.4 < east < 114.5
    assert 22.55 < south < 22.65 and 22.75 < north < 22.85
    assert max(overlay.rgba.shape[:2]) <= 300 and overlay.rgba.shape[2] == 4
    assert overlay.rgba[..., 3].max() > 0


def test_a_file_that_is_not_a_geotiff_is_a_clear_error(tmp_path):
    bad = tmp_path / "dem.tif"
    bad.write_text("not a raster")
    with pytest.raises(InputError, match="GeoTIFF"):
        read_dem(bad)
