"""GCJ-02 and BD-09, the obfuscated Chinese systems PROJ does not cover.

GCJ-02 (Gaode, Tencent) and BD-09 (Baidu) have no PROJ definition. WGS84 → GCJ-02 uses the
published closed form (Krasovsky ellipsoid constants); the inverse has no closed form and is
solved by fixed-point iteration until the forward transform of the estimate reproduces the
input to better than 1e-9 degrees (≈ 0.1 mm). Points outside the rough China bounding box
are returned unshifted, as the published algorithm does. GCJ-02 ↔ BD-09 uses the published
rotation-and-offset formula, its inverse refined by the same iteration.

All converters are vectorised over numpy arrays and accept scalars. Geometries are shifted
with :func:`shapely.transform` over their flat coordinate arrays (Z is dropped).
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import shapely

from geo.crs._systems import (
    BD09,
    CGCS2000,
    GCJ02,
    WGS84,
    is_obfuscated_system,
    normalise_system_name,
    parse_crs,
    require_crs,
)

__all__ = [
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "gdf_from_system",
    "gdf_to_system",
    "out_of_china",
    "shift_geometries",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_BD_X_PI = np.pi * 3000.0 / 180.0
_INVERSE_TOL_DEG = 1e-9
_INVERSE_MAX_ITER = 30


def _as_arrays(lon, lat) -> tuple[np.ndarray, np.ndarray, bool]:
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), scalar


def _out(lon: np.ndarray, lat: np.ndarray, scalar: bool):
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def out_of_china(lon, lat) -> np.ndarray:
    """True where a point lies outside the bounding box the published algorithm shifts."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offset (dlon, dlat) in degrees that GCJ-02 adds to a WGS84 point."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    six_x = 6.0 * x * np.pi
    two_x = 2.0 * x * np.pi
    common = (20.0 * np.sin(six_x) + 20.0 * np.sin(two_x)) * 2.0 / 3.0
    t_lat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + common
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    t_lon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + common
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (t_lat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (t_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon, lat):
    """Convert WGS84 lon/lat (degrees) to GCJ-02 with the published closed form."""
    lon, lat, scalar = _as_arrays(lon, lat)
    dlon, dlat = _gcj_offset(lon, lat)
    return _out(lon + dlon, lat + dlat, scalar)


def _invert(
    forward: Callable, lon: np.ndarray, lat: np.ndarray, start: tuple | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Solve forward(x) = (lon, lat) by fixed-point iteration; the maps are near-identity."""
    est_lon, est_lat = (lon.copy(), lat.copy()) if start is None else start
    for _ in range(_INVERSE_MAX_ITER):
        f_lon, f_lat = forward(est_lon, est_lat)
        err_lon, err_lat = f_lon - lon, f_lat - lat
        est_lon = est_lon - err_lon
        est_lat = est_lat - err_lat
        if np.all(np.abs(err_lon) < _INVERSE_TOL_DEG) and np.all(
            np.abs(err_lat) < _INVERSE_TOL_DEG
        ):
            break
    return est_lon, est_lat


def gcj02_to_wgs84(lon, lat):
    """Convert GCJ-02 lon/lat to WGS84 by iteration (residual < 1e-9°, ≈ 0.1 mm)."""
    lon, lat, scalar = _as_arrays(lon, lat)
    out_lon, out_lat = _invert(lambda a, b: wgs84_to_gcj02(a, b), lon, lat)
    return _out(out_lon, out_lat, scalar)


def gcj02_to_bd09(lon, lat):
    """Convert GCJ-02 lon/lat to Baidu BD-09 (published closed form)."""
    x, y, scalar = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return _out(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006, scalar)


def _bd09_to_gcj02_closed_form(lon: np.ndarray, lat: np.ndarray):
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon, lat):
    """Convert Baidu BD-09 lon/lat to GCJ-02.

    Starts from the published closed-form inverse, whose error is up to ≈ 10 cm in
    Shenzhen, and refines it by iteration so that a GCJ-02 → BD-09 → GCJ-02 round trip
    closes to 1e-9 degrees.
    """
    lon, lat, scalar = _as_arrays(lon, lat)
    start = _bd09_to_gcj02_closed_form(lon, lat)
    out_lon, out_lat = _invert(gcj02_to_bd09, lon, lat, start=start)
    return _out(out_lon, out_lat, scalar)


def wgs84_to_bd09(lon, lat):
    """Convert WGS84 lon/lat to BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    """Convert BD-09 lon/lat to WGS84 (via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_TO_WGS84: dict[str, Callable] = {GCJ02: gcj02_to_wgs84, BD09: bd09_to_wgs84}
_FROM_WGS84: dict[str, Callable] = {GCJ02: wgs84_to_gcj02, BD09: wgs84_to_bd09}


def _transform_geometries(geoms, func: Callable) -> np.ndarray:
    def apply(xy: np.ndarray) -> np.ndarray:
        lon, lat = func(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(np.asarray(geoms), apply)


def shift_geometries(geoms, from_system: str, to_system: str) -> np.ndarray:
    """Shift shapely geometries between WGS84, GCJ-02 and BD-09 (all lon/lat degrees)."""
    src = normalise_system_name(from_system)
    dst = normalise_system_name(to_system)
    src = WGS84 if src in (WGS84, CGCS2000) else src
    dst = WGS84 if dst in (WGS84, CGCS2000) else dst
    geoms = np.asarray(geoms)
    if src == dst:
        return geoms
    if src != WGS84:
        geoms = _transform_geometries(geoms, _TO_WGS84[src])
    if dst != WGS84:
        geoms = _transform_geometries(geoms, _FROM_WGS84[dst])
    return geoms


def gdf_from_system(gdf: gpd.GeoDataFrame, system: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326, converting from a PROJ CRS or from GCJ-02/BD-09.

    ``system`` is a CRS string PROJ understands or one of the obfuscated system names;
    the frame's own CRS is ignored (the caller decided which system the numbers are in).
    """
    if is_obfuscated_system(system):
        out = gdf.copy()
        out.geometry = gpd.GeoSeries(
            shift_geometries(gdf.geometry.values, system, WGS84), index=gdf.index, crs=WGS84
        )
        return out.set_crs(WGS84, allow_override=True)
    crs = parse_crs(system)
    return gdf.set_crs(crs, allow_override=True).to_crs(WGS84)


def gdf_to_system(gdf: gpd.GeoDataFrame, system: str) -> gpd.GeoDataFrame:
    """Return a copy of a WGS84 ``gdf`` expressed in ``system`` (GCJ-02/BD-09 or a CRS)."""
    require_crs(gdf)
    wgs = gdf.to_crs(WGS84)
    if is_obfuscated_system(system):
        out = wgs.copy()
        out.geometry = gpd.GeoSeries(
            shift_geometries(wgs.geometry.values, WGS84, system), index=wgs.index, crs=WGS84
        )
        return out
    return wgs.to_crs(parse_crs(system))
