"""The coordinate systems the app knows by name, and parsing a user's choice of one.

Method: systems PROJ knows are kept as ``EPSG:nnnn`` strings and parsed with
:meth:`pyproj.CRS.from_user_input`; the two obfuscated Chinese systems PROJ does not know
(GCJ-02, BD-09) are kept as the internal codes :data:`GCJ02` and :data:`BD09`, reached from
the spellings planners use ('GCJ-02', '火星坐标', '百度' …) by a fixed alias table after
folding case, spaces, hyphens and underscores.
"""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.errors import InputError

__all__ = [
    "BD09",
    "CGCS2000",
    "CGCS2000_GK_ZONE38",
    "COORD_SYSTEMS",
    "GCJ02",
    "METRIC_CRS",
    "UTM50N",
    "WGS84",
    "is_obfuscated_system",
    "normalise_system_name",
    "parse_crs",
    "require_crs",
]

WGS84 = "EPSG:4326"
CGCS2000 = "EPSG:4490"
#: CGCS2000 / 3-degree Gauss-Krüger CM 114E, the metric CRS for all area and distance work.
METRIC_CRS = "EPSG:4547"
#: The zone-numbered variant (false easting 38 500 000) some Shapefiles arrive in.
CGCS2000_GK_ZONE38 = "EPSG:4526"
UTM50N = "EPSG:32650"

GCJ02 = "gcj02"
BD09 = "bd09"

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

_ALIASES = {
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


def normalise_system_name(name: str) -> str:
    """Map spellings such as 'GCJ-02', 'gcj02', '火星坐标', 'BD09' to the internal codes."""
    key = str(name).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    return _ALIASES.get(key, str(name).strip())


def is_obfuscated_system(name: str | None) -> bool:
    """True for the names of systems PROJ does not know (``gcj02``, ``bd09``)."""
    return name is not None and normalise_system_name(name) in (GCJ02, BD09)


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
