"""Coordinate systems used in Shenzhen and conversions PROJ does not cover.

Layers are stored in WGS84 (EPSG:4326). CGCS2000 (EPSG:4490) differs from WGS84 by
centimetres and is treated as the same. Areas, distances and buffers are computed in
CGCS2000 / 3-degree Gauss-Krüger CM 114E (EPSG:4547, :data:`METRIC_CRS`).

The package is split by job; import everything from ``geo.crs``:

- ``_systems``: the named systems, parsing a user's choice (:func:`parse_crs`), the
  GCJ-02/BD-09 aliases.
- ``_shift``: GCJ-02 (Gaode, Tencent) and BD-09 (Baidu), obfuscated systems without a PROJ
  definition: published closed forms forward, fixed-point iteration to 1e-9° (≈ 0.1 mm)
  for the inverses.
- ``_metric``: reprojection to EPSG:4547 through one cached :class:`pyproj.Transformer`
  per source CRS (:func:`metric_transformer`, :func:`to_metric_geometries`,
  :func:`to_metric_xy`, :func:`to_metric`).
- ``_interpret``: which system an imported layer's numbers are in (:func:`interpret_crs`),
  which a lon/lat export is written in (:func:`output_system`), and the per-feature tests
  against :data:`SHENZHEN_BOUNDS` (:func:`outside_bounds`, :func:`axes_look_swapped`).

All coordinate converters are vectorised over numpy arrays and accept scalars.
"""

from __future__ import annotations

from geo.crs._interpret import (
    SHENZHEN_BOUNDS,
    CrsInterpretation,
    axes_look_swapped,
    far_from_shenzhen,
    fits_only_swapped,
    inside_shenzhen_box,
    interpret_crs,
    is_geographic_system,
    lonlat_geometries,
    looks_geographic,
    normalise_coord_system,
    output_system,
    outside_bounds,
    same_crs,
    swap_axes,
    system_label,
)
from geo.crs._metric import (
    from_metric_geometries,
    metric_transformer,
    to_metric,
    to_metric_geometries,
    to_metric_xy,
    to_wgs84,
)
from geo.crs._shift import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    gdf_from_system,
    gdf_to_system,
    out_of_china,
    shift_geometries,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.crs._systems import (
    BD09,
    CGCS2000,
    CGCS2000_GK_ZONE38,
    COORD_SYSTEMS,
    GCJ02,
    METRIC_CRS,
    UTM50N,
    WGS84,
    is_obfuscated_system,
    normalise_system_name,
    parse_crs,
    require_crs,
)

__all__ = [
    "BD09",
    "CGCS2000",
    "CGCS2000_GK_ZONE38",
    "COORD_SYSTEMS",
    "GCJ02",
    "METRIC_CRS",
    "SHENZHEN_BOUNDS",
    "UTM50N",
    "WGS84",
    "CrsInterpretation",
    "axes_look_swapped",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "far_from_shenzhen",
    "fits_only_swapped",
    "from_metric_geometries",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "gdf_from_system",
    "gdf_to_system",
    "inside_shenzhen_box",
    "interpret_crs",
    "is_geographic_system",
    "is_obfuscated_system",
    "lonlat_geometries",
    "looks_geographic",
    "metric_transformer",
    "normalise_coord_system",
    "normalise_system_name",
    "out_of_china",
    "output_system",
    "outside_bounds",
    "parse_crs",
    "require_crs",
    "same_crs",
    "shift_geometries",
    "swap_axes",
    "system_label",
    "to_metric",
    "to_metric_geometries",
    "to_metric_xy",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]
