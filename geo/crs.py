"""Coordinate systems used in Shenzhen and conversions PROJ does not cover.

Layers are stored in WGS84 (EPSG:4326). CGCS2000 (EPSG:4490) differs from WGS84 by
centimetres and is treated as the same. Areas, distances and buffers are computed in
CGCS2000 / 3-degree Gauss-Krüger CM 114E (EPSG:4547).

GCJ-02 (Gaode, Tencent) and BD-09 (Baidu) are obfuscated systems without a PROJ definition.
WGS84 → GCJ-02 uses the published closed form (Krasovsky ellipsoid constants); the inverse
has no closed form and is solved by fixed-point iteration until the forward transform of
the estimate reproduces the input to better than 1e-9 degrees (≈ 0.1 mm). Points outside
the rough China bounding box are returned unshifted, as the published algorithm does.

All converters are vectorised over numpy arrays and accept scalars.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo.errors import InputError

WGS84 = "EPSG:4326"
CGCS2000 = "EPSG:4490"
#: CGCS2000 / 3-degree Gauss-Krüger CM 114E, the metric CRS for all area and distance work.
METRIC_CRS = "EPSG:4547"
#: The zone-numbered variant (false easting 38 500 000) some Shapefiles arrive in.
CGCS2000_GK_ZONE38 = "EPSG:4526"
UTM50N = "EPSG:32650"

GCJ02 = "gcj02"
BD09 = "bd09"

_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_BD_X_PI = np.pi * 3000.0 / 180.0
_INVERSE_TOL_DEG = 1e-9
_INVERSE_MAX_ITER = 30

#: Source coordinate systems a user can pick from, code → (Chinese label, English label).
COORD_SYSTEMS: dict[str, tuple[str, str]] = {
    WGS84: ("WGS84 经纬度 (GPS/OSM)", "WGS84 lon/lat (GPS/OSM)"),
    CGCS2000: ("CGCS2000 经纬度 (天地图)", "CGCS2000 lon/lat (Tianditu)"),
    METRIC_CRS: ("CGCS2000 高斯-克吕格 3度带 114°E (EPSG:4547)", "CGCS2000 GK 3° CM 114E"),
    CGCS2000_GK_ZONE38: ("CGCS2000 高斯-克吕格 3度带 38带 (EPSG:4526)", "CGCS2000 GK zone 38"),
    UTM50N: ("WGS84 UTM 50N (EPSG:32650)", "WGS84 UTM 50N"),
    GCJ02: ("GCJ-02 火星坐标 (高德/腾讯)", "GCJ-02 (Gaode/Tencent)"),
    BD09: ("BD-09 百度坐标", "BD-09 (Baidu)"),
}


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


def is_obfuscated_system(name: str | None) -> bool:
    """True for the names of systems PROJ does not know (``gcj02``, ``bd09``)."""
    return name is not None and normalise_system_name(name) in _TO_WGS84


def normalise_system_name(name: str) -> str:
    """Map spellings such as 'GCJ-02', 'gcj02', '火星坐标', 'BD09' to the internal codes."""
    key = str(name).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    aliases = {
        "gcj02": GCJ02,
        "gcj": GCJ02,
        "火星坐标": GCJ02,
        "高德": GCJ02,
        "gaode": GCJ02,
        "amap": GCJ02,
        "腾讯": GCJ02,
        "bd09": BD09,
        "bd09ll": BD09,
        "百度": BD09,
        "baidu": BD09,
    }
    return aliases.get(key, str(name).strip())


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


def parse_crs(system: str) -> CRS:
    """Parse a CRS string, raising :class:`InputError` with a planner-readable message."""
    try:
        return CRS.from_user_input(system)
    except (CRSError, TypeError, ValueError) as exc:
        raise InputError(
            f"无法识别坐标系「{system}」。请选择列表中的坐标系，或填写 EPSG 代码 / PROJ 字符串。",
            f"Unknown coordinate system '{system}'. Pick one from the list or give an EPSG "
            f"code / PROJ string. ({exc})",
        ) from exc


def require_crs(gdf: gpd.GeoDataFrame, what: str = "图层 layer") -> None:
    """Raise :class:`InputError` when a frame has no CRS: distances would be meaningless."""
    if gdf.crs is None:
        raise InputError(
            f"{what} 没有坐标系信息，无法计算距离和面积。请先指定坐标系。",
            f"{what} has no CRS, so distances and areas cannot be computed. Set its CRS first.",
        )


def to_metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject a frame to the metric CRS EPSG:4547 for areas and distances (metres)."""
    require_crs(gdf)
    if gdf.crs == CRS.from_user_input(METRIC_CRS):
        return gdf
    return gdf.to_crs(METRIC_CRS)


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject a frame to EPSG:4326, the storage CRS of every layer."""
    require_crs(gdf)
    if gdf.crs == CRS.from_user_input(WGS84):
        return gdf
    return gdf.to_crs(WGS84)


@functools.lru_cache(maxsize=32)
def _cached_transformer(src_wkt: str, dst_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(src_wkt), CRS.from_wkt(dst_wkt), always_xy=True)


def transformer(src_crs: object, dst_crs: object) -> Transformer:
    """A cached x/lon-first transformer between two CRSs (built once per pair)."""
    return _cached_transformer(
        CRS.from_user_input(src_crs).to_wkt(), CRS.from_user_input(dst_crs).to_wkt()
    )


def metric_transformer(src_crs: object = WGS84) -> Transformer:
    """The cached transformer from ``src_crs`` to EPSG:4547, the metric CRS."""
    return transformer(src_crs, METRIC_CRS)


def reproject_geometries(geoms: np.ndarray, src_crs: object, dst_crs: object) -> np.ndarray:
    """An array of geometries from ``src_crs`` to ``dst_crs`` (Z dropped).

    One pass of the flat coordinate array through the cached transformer, without building
    a GeoSeries; returns the input itself when both systems are the same.
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0 or CRS.from_user_input(src_crs) == CRS.from_user_input(dst_crs):
        return geoms
    if shapely.has_z(geoms).any():
        geoms = shapely.force_2d(geoms)
    xy = shapely.get_coordinates(geoms)
    x, y = transformer(src_crs, dst_crs).transform(xy[:, 0], xy[:, 1])
    return shapely.set_coordinates(geoms.copy(), np.column_stack([x, y]))


def to_metric_geometries(geoms, src_crs: object = WGS84):
    """Geometries (one or an array) from ``src_crs`` to EPSG:4547 metres."""
    if isinstance(geoms, shapely.Geometry):
        return reproject_geometries(np.array([geoms], dtype=object), src_crs, METRIC_CRS)[0]
    return reproject_geometries(geoms, src_crs, METRIC_CRS)


def from_metric_geometries(geoms: np.ndarray, dst_crs: object = WGS84) -> np.ndarray:
    """An array of geometries from EPSG:4547 back to ``dst_crs`` (by default WGS84)."""
    return reproject_geometries(geoms, METRIC_CRS, dst_crs)
