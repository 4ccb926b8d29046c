"""Deciding which coordinate system an imported layer's numbers are in, and for export.

Reading (:func:`interpret_crs`), in order:

- A CRS embedded in the file (``.prj``, GeoPackage, GeoJSON) is used and the layer is
  reprojected to EPSG:4326. When the chosen ``coord_system`` names GCJ-02 or BD-09 as well,
  the reprojected lon/lat are then shifted back to WGS84 (Gaode exports are often labelled
  EPSG:4326 although their numbers are GCJ-02). Another chosen CRS that differs from the
  embedded one earns a warning; the file's CRS wins.
- Without an embedded CRS, ``coord_system`` (a CRS string, ``gcj02`` or ``bd09``) says which
  system the numbers are in.
- Tables (CSV/XLSX) carry no CRS. Without ``coord_system``, numbers inside the lon/lat range
  are read as WGS84 with a warning that this was assumed; others are an error.
- Projected numbers (metres, i.e. outside ±180/±90) labelled as geographic, by the file or by
  ``coord_system``, are an error telling the user to pick the projected CRS. The one
  exception: GeoJSON is labelled EPSG:4326 by definition, so when its numbers are metres and
  ``coord_system`` names a projected CRS, ``coord_system`` is used.

"Looks geographic" is a test of the layer's total bounds against ±180/±90; "near Shenzhen"
a test of them against :data:`SHENZHEN_BOUNDS`. Neither looks at individual features.

Per feature, against the same box (the one definition of "Shenzhen" for imports):
:func:`outside_bounds` marks the features whose bounding box reaches outside it,
:func:`fits_only_swapped` those that fit it only with x and y exchanged, and
:func:`axes_look_swapped` says whether a layer's x and y were swapped (latitude in x,
longitude in y): at least half of the features fit the box only with x and y exchanged,
and more of them fit that way than as given. :func:`swap_axes` exchanges x and y.

The functions return what they decided (:class:`CrsInterpretation`, bilingual ``(zh, en)``
pairs) instead of writing into an import report, so the readers in :mod:`geo.io` own their
report and this package knows nothing about files.

Writing: :func:`output_system` accepts WGS84 (CGCS2000 counts as the same), GCJ-02 or BD-09
for lon/lat exports; :func:`lonlat_geometries` produces the geometries in that system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geo.crs._metric import to_wgs84
from geo.crs._shift import gdf_from_system, shift_geometries
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
from geo.errors import InputError

__all__ = [
    "SHENZHEN_BOUNDS",
    "CrsInterpretation",
    "axes_look_swapped",
    "far_from_shenzhen",
    "fits_only_swapped",
    "inside_shenzhen_box",
    "interpret_crs",
    "is_geographic_system",
    "lonlat_geometries",
    "looks_geographic",
    "normalise_coord_system",
    "output_system",
    "outside_bounds",
    "same_crs",
    "swap_axes",
    "system_label",
]

#: (min lon, min lat, max lon, max lat) outside which a layer earns a "check the CRS" warning.
SHENZHEN_BOUNDS = (109.0, 20.0, 118.0, 26.0)

CrsOrigin = Literal["embedded", "coord_system", "embedded+shift", "assumed"]


@dataclass
class CrsInterpretation:
    """What :func:`interpret_crs` decided about a layer's coordinates.

    Attributes
    ----------
    gdf : GeoDataFrame
        The layer in EPSG:4326.
    source_crs : str
        Label of the system the numbers were read in (``EPSG:4547 CGCS2000 / …``, ``GCJ-02``).
    origin : str
        ``embedded``, ``coord_system``, ``embedded+shift`` or ``assumed``.
    notes, warnings : list of (zh, en)
        Informational lines, and lines the user should act on.
    """

    gdf: gpd.GeoDataFrame
    source_crs: str
    origin: CrsOrigin
    notes: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def normalise_coord_system(system: str | int | None) -> str | None:
    """A user's coordinate-system choice as ``EPSG:n``, ``gcj02``/``bd09`` or a CRS string.

    Integers and digit strings become ``EPSG:n``; 'wgs84' and 'cgcs2000' their EPSG codes;
    blank text None. Raises :class:`InputError` for strings PROJ does not know.
    """
    if system is None:
        return None
    if isinstance(system, (int, np.integer)):
        return f"EPSG:{int(system)}"
    text = str(system).strip()
    if not text:
        return None
    if text.isdigit():
        return f"EPSG:{text}"
    if is_obfuscated_system(text):
        return normalise_system_name(text)
    if text.lower() in ("wgs84", "wgs 84", "wgs-84"):
        return WGS84
    if text.lower() in ("cgcs2000",):
        return CGCS2000
    parse_crs(text)  # raises InputError for unknown strings
    return text


def system_label(system: str | CRS) -> str:
    """'EPSG:4547 CGCS2000 / 3-degree Gauss-Kruger CM 114E', 'GCJ-02' … for messages."""
    if isinstance(system, str) and is_obfuscated_system(system):
        return {GCJ02: "GCJ-02", BD09: "BD-09"}[normalise_system_name(system)]
    crs = system if isinstance(system, CRS) else parse_crs(system)
    code = crs.to_epsg()
    return f"EPSG:{code} {crs.name}" if code else crs.name


def looks_geographic(gdf: gpd.GeoDataFrame) -> bool:
    """True when every coordinate lies within ±180 (x) and ±90 (y)."""
    minx, miny, maxx, maxy = gdf.total_bounds
    return bool(minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90)


def is_geographic_system(system: str | CRS) -> bool:
    """True for lon/lat systems, GCJ-02 and BD-09 included."""
    if isinstance(system, str) and is_obfuscated_system(system):
        return True
    crs = system if isinstance(system, CRS) else parse_crs(system)
    return bool(crs.is_geographic)


def same_crs(a: CRS, b: str) -> bool:
    """True when ``a`` and ``b`` are the same CRS; WGS84 and CGCS2000 lon/lat count as one."""
    other = parse_crs(b)
    if a.equals(other, ignore_axis_order=True):
        return True
    lonlat = {4326, 4490}
    return a.to_epsg() in lonlat and other.to_epsg() in lonlat


def _projected_as_geographic(gdf: gpd.GeoDataFrame, label: str, source: str | None) -> InputError:
    minx, miny, maxx, maxy = gdf.total_bounds
    return InputError(
        f"坐标值（X {minx:.0f}…{maxx:.0f}，Y {miny:.0f}…{maxy:.0f}）超出经纬度范围，看起来是以米为单位的"
        f"投影坐标，但坐标系是经纬度 {label}。请在“坐标系”中选择数据实际的投影坐标系，例如 "
        "CGCS2000 高斯-克吕格 3度带 EPSG:4547（中央经线 114°E）或带号坐标 EPSG:4526。",
        f"The coordinates (x {minx:.0f}…{maxx:.0f}, y {miny:.0f}…{maxy:.0f}) are outside the "
        f"lon/lat range and look like projected metres, but the system is geographic "
        f"({label}). Choose the data's projected CRS, e.g. CGCS2000 3-degree GK EPSG:4547 "
        "(CM 114E) or the zone-numbered EPSG:4526.",
        source=source,
    )


def interpret_crs(
    gdf: gpd.GeoDataFrame,
    embedded: CRS | None,
    coord_system: str | None,
    *,
    tabular: bool,
    source: str | None = None,
) -> CrsInterpretation:
    """Interpret a layer's coordinates (embedded CRS, ``coord_system`` or assumption).

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer as read, its own ``crs`` ignored.
    embedded : pyproj.CRS or None
        The CRS the file declares.
    coord_system : str or None
        The user's choice, already through :func:`normalise_coord_system`.
    tabular : bool
        True for CSV/XLSX tables, which may be assumed to be WGS84 lon/lat.
    source : str, optional
        File name for error messages.

    Raises
    ------
    InputError
        No system known, or metres labelled as lon/lat.
    """
    chosen = coord_system
    shift = chosen is not None and is_obfuscated_system(chosen)
    geographic_numbers = looks_geographic(gdf)
    if embedded is not None:
        if embedded.is_geographic and not geographic_numbers:
            if chosen is not None and not is_geographic_system(chosen):
                note = (
                    f"文件标注为 {system_label(embedded)}，但坐标是投影坐标；按所选坐标系读取。",
                    f"The file says {system_label(embedded)} but holds projected numbers; "
                    "read in the chosen system.",
                )
                return CrsInterpretation(
                    gdf_from_system(gdf, chosen), system_label(chosen), "coord_system", [note]
                )
            raise _projected_as_geographic(gdf, system_label(embedded), source)
        out = gdf.set_crs(embedded, allow_override=True).to_crs(WGS84)
        result = CrsInterpretation(out, system_label(embedded), "embedded")
        if shift:
            result.gdf = gdf_from_system(out, chosen)
            result.origin = "embedded+shift"
            result.source_crs += f" + {system_label(chosen)}"
        elif chosen is not None and not same_crs(embedded, chosen):
            result.warnings.append(
                (
                    f"文件自带坐标系 {system_label(embedded)}，与所选 {system_label(chosen)} 不同；"
                    "已按文件自带坐标系读取。",
                    f"The file's own CRS {system_label(embedded)} differs from the chosen "
                    f"{system_label(chosen)}; the file's CRS was used.",
                )
            )
        return result
    if chosen is not None:
        if is_geographic_system(chosen) and not geographic_numbers:
            raise _projected_as_geographic(gdf, system_label(chosen), source)
        return CrsInterpretation(gdf_from_system(gdf, chosen), system_label(chosen), "coord_system")
    if tabular:
        if not geographic_numbers:
            raise InputError(
                "表格的坐标不是经纬度（数值超出 ±180/±90），又没有指定坐标系。请选择数据的投影坐标系，"
                "例如 CGCS2000 高斯-克吕格 EPSG:4547。",
                "The table's coordinates are not lon/lat (beyond ±180/±90) and no coordinate "
                "system was given. Choose the data's projected CRS, e.g. CGCS2000 GK "
                "EPSG:4547.",
                source=source,
            )
        warning = (
            "表格没有坐标系信息，已按 WGS84 经纬度读取。如果坐标来自高德/腾讯地图（GCJ-02）"
            "或百度地图（BD-09），请选择对应坐标系重新导入，否则位置会偏移数百米。",
            "The table has no CRS and was read as WGS84 lon/lat. If the coordinates come from "
            "Gaode/Tencent (GCJ-02) or Baidu (BD-09), import again choosing that system, or "
            "positions will be off by hundreds of metres.",
        )
        return CrsInterpretation(
            gdf.set_crs(WGS84, allow_override=True),
            system_label(WGS84),
            "assumed",
            warnings=[warning],
        )
    raise InputError(
        "文件没有坐标系信息（例如 Shapefile 缺少 .prj），也没有指定坐标系。请选择数据所用的坐标系"
        "（如 CGCS2000 高斯-克吕格 EPSG:4547、WGS84、GCJ-02）后重新导入。",
        "The file has no CRS (e.g. a Shapefile without .prj) and none was given. Choose the "
        "data's coordinate system (e.g. CGCS2000 GK EPSG:4547, WGS84, GCJ-02) and import "
        "again.",
        source=source,
    )


def inside_shenzhen_box(gdf: gpd.GeoDataFrame) -> bool:
    """True when a lon/lat layer lies wholly inside :data:`SHENZHEN_BOUNDS`."""
    minx, miny, maxx, maxy = gdf.total_bounds
    west, south, east, north = SHENZHEN_BOUNDS
    return bool(west <= minx and maxx <= east and south <= miny and maxy <= north)


def far_from_shenzhen(gdf: gpd.GeoDataFrame) -> tuple[str, str] | None:
    """The (zh, en) "check the CRS" warning for a lon/lat layer reaching outside
    :data:`SHENZHEN_BOUNDS`, or None when it lies inside."""
    if inside_shenzhen_box(gdf):
        return None
    minx, miny, maxx, maxy = gdf.total_bounds
    return (
        f"数据范围（经度 {minx:.3f}…{maxx:.3f}，纬度 {miny:.3f}…{maxy:.3f}）远离深圳"
        f"（经度 {SHENZHEN_BOUNDS[0]:g}–{SHENZHEN_BOUNDS[2]:g}，纬度 {SHENZHEN_BOUNDS[1]:g}–"
        f"{SHENZHEN_BOUNDS[3]:g}）。请检查所选坐标系是否正确。",
        f"The data (lon {minx:.3f}…{maxx:.3f}, lat {miny:.3f}…{maxy:.3f}) lies far from "
        "Shenzhen. Check that the coordinate system is right.",
    )


def _within(
    geoms: np.ndarray, bounds: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """(features wholly inside ``bounds``, features present) for an array of geometries."""
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    box = shapely.bounds(geoms)  # NaN for missing or empty geometries: never inside
    west, south, east, north = bounds
    with np.errstate(invalid="ignore"):
        inside = (
            (box[:, 0] >= west) & (box[:, 2] <= east) & (box[:, 1] >= south) & (box[:, 3] <= north)
        )
    return inside & present, present


def _geometries(layer: gpd.GeoDataFrame | gpd.GeoSeries | np.ndarray) -> np.ndarray:
    if isinstance(layer, gpd.GeoDataFrame):
        layer = layer.geometry
    return np.asarray(getattr(layer, "values", layer), dtype=object)


def outside_bounds(
    layer: gpd.GeoDataFrame | gpd.GeoSeries | np.ndarray,
    bounds: tuple[float, float, float, float] = SHENZHEN_BOUNDS,
) -> np.ndarray:
    """Boolean mask of the features whose bounding box reaches outside ``bounds``.

    ``layer``'s coordinates are taken as lon/lat as they stand (no reprojection);
    ``bounds`` is ``(min lon, min lat, max lon, max lat)``. Missing and empty geometries are
    not outside; a geometry with non-finite coordinates is.
    """
    inside, present = _within(_geometries(layer), bounds)
    return present & ~inside


def axes_look_swapped(
    layer: gpd.GeoDataFrame | gpd.GeoSeries | np.ndarray,
    bounds: tuple[float, float, float, float] = SHENZHEN_BOUNDS,
) -> bool:
    """True when the layer's x and y look exchanged (latitude in x, longitude in y).

    That is: at least half of the present features lie inside ``bounds`` only once x and y
    are swapped, and more of them fit swapped than as given. Projected metres never fit the
    box either way, so this is safe to ask before the coordinate system is known.
    """
    geoms = _geometries(layer)
    fits, present = _within(geoms, bounds)
    fits_swapped, _ = _within(swap_axes(geoms), bounds)
    n_swapped = int(fits_swapped.sum())
    return n_swapped > int(fits.sum()) and 2 * n_swapped >= int(present.sum())


def fits_only_swapped(
    layer: gpd.GeoDataFrame | gpd.GeoSeries | np.ndarray,
    bounds: tuple[float, float, float, float] = SHENZHEN_BOUNDS,
) -> np.ndarray:
    """Boolean mask of the features inside ``bounds`` only once their x and y are swapped."""
    geoms = _geometries(layer)
    fits, _ = _within(geoms, bounds)
    fits_swapped, _ = _within(swap_axes(geoms), bounds)
    return fits_swapped & ~fits


def swap_axes(geoms: np.ndarray) -> np.ndarray:
    """The geometries with x and y exchanged (z, if any, dropped); None stays None."""
    return shapely.transform(np.asarray(geoms, dtype=object), lambda c: c[:, ::-1])


def output_system(coord_system: str, what: str) -> str:
    """The lon/lat system an export is written in: WGS84, ``gcj02`` or ``bd09``.

    CGCS2000 counts as WGS84. Anything else raises :class:`InputError` naming ``what``
    (the format, e.g. "GeoJSON").
    """
    key = normalise_system_name(coord_system)
    if is_obfuscated_system(key):
        return key
    folded = re.sub(r"[\s_-]", "", str(key)).lower()
    if folded in ("wgs84", "epsg:4326", "4326", "cgcs2000", "epsg:4490", "4490"):
        return WGS84
    raise InputError(
        f"{what} 只能输出 WGS84、GCJ-02 或 BD-09 经纬度，不支持「{coord_system}」。",
        f"{what} can be written in WGS84, GCJ-02 or BD-09 lon/lat only, not '{coord_system}'.",
    )


def lonlat_geometries(gdf: gpd.GeoDataFrame, system: str) -> np.ndarray:
    """A layer's geometries as lon/lat in ``system`` (an :func:`output_system` result)."""
    require_crs(gdf)
    geoms = np.asarray(to_wgs84(gdf).geometry.values, dtype=object)
    if system != WGS84:
        geoms = shift_geometries(geoms, WGS84, system)
    return geoms
