"""Reprojection to the metric CRS (EPSG:4547) and back to the storage CRS (EPSG:4326).

Every area, distance and buffer is computed in CGCS2000 / 3-degree Gauss-Krüger CM 114E
(:data:`METRIC_CRS`, metres). This module is the one place that builds the transformation.

Method
------
:func:`metric_transformer` returns a :class:`pyproj.Transformer` from any CRS to
EPSG:4547 with ``always_xy=True`` (x = easting / longitude, y = northing / latitude, whatever
the CRS's axis order). Building one costs milliseconds, so they are cached
(:func:`functools.lru_cache`) under the canonical WKT of the source CRS: ``"EPSG:4326"``,
``4326`` and ``CRS("EPSG:4326")`` share one transformer. pyproj transformers are safe to
share between threads (pyproj ≥ 3.1 keeps a PROJ context per thread), which matters
because Streamlit runs each session in its own thread.

The array helpers push the flat coordinate array through the transformer in one call —
:func:`shapely.transform` for geometries, the transformer directly for (n, 2) coordinate
arrays — without building an intermediate GeoSeries. Z values are kept where a geometry has
them. Points PROJ cannot project come back as ``inf``; callers that need finite
coordinates check for them.
"""

from __future__ import annotations

import functools
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.enums import TransformDirection

from geo.crs._systems import METRIC_CRS, WGS84, parse_crs, require_crs
from geo.errors import InputError

__all__ = [
    "from_metric_geometries",
    "metric_transformer",
    "to_metric",
    "to_metric_geometries",
    "to_metric_xy",
    "to_wgs84",
]

_METRIC = CRS.from_user_input(METRIC_CRS)


def _crs_key(crs: Any) -> str:
    """Canonical text of a CRS given as a string, EPSG code or CRS object."""
    if crs is None:
        raise InputError(
            "没有坐标系信息，无法换算为米制坐标。请先指定坐标系。",
            "No CRS given, so coordinates cannot be converted to metres. Set the CRS first.",
        )
    return parse_crs(crs).to_wkt()


@functools.lru_cache(maxsize=32)
def _transformer_for(src_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(src_wkt), _METRIC, always_xy=True)


def metric_transformer(src_crs: Any = WGS84) -> Transformer:
    """The cached transformer from ``src_crs`` to EPSG:4547 (metres), ``always_xy=True``.

    Parameters
    ----------
    src_crs : str, int or pyproj.CRS, default ``"EPSG:4326"``
        Anything :meth:`pyproj.CRS.from_user_input` takes, e.g. ``gdf.crs``.

    Returns
    -------
    pyproj.Transformer
        ``transform(lon, lat)`` gives ``(easting_m, northing_m)``; pass
        ``direction=TransformDirection.INVERSE`` for metres back to ``src_crs``. The same
        object is returned for every spelling of the same CRS.

    Raises
    ------
    InputError
        When ``src_crs`` is None or not a CRS PROJ knows.
    """
    return _transformer_for(_crs_key(src_crs))


def _is_metric(crs: Any) -> bool:
    return CRS.from_user_input(crs) == _METRIC


def _transform_geometries(
    geoms: np.ndarray, transformer: Transformer, direction: TransformDirection
) -> np.ndarray:
    def apply(x: np.ndarray, y: np.ndarray, z: np.ndarray | None = None) -> tuple:
        if z is None:
            return transformer.transform(x, y, direction=direction)
        return transformer.transform(x, y, z, direction=direction)

    # include_z=None would infer it per geometry; 2-D arrays (the usual case) need one call.
    include_z = None if shapely.has_z(geoms).any() else False
    return shapely.transform(geoms, apply, include_z=include_z, interleaved=False)


def to_metric_geometries(geoms: np.ndarray, src_crs: Any = WGS84) -> np.ndarray:
    """Shapely geometries in ``src_crs`` → the same geometries in EPSG:4547 (metres).

    Parameters
    ----------
    geoms : array of shapely geometries (None allowed)
        E.g. ``gdf.geometry.to_numpy()``; a single geometry is accepted too.
    src_crs : str, int or pyproj.CRS, default ``"EPSG:4326"``
        The CRS the coordinates are in, e.g. ``gdf.crs``.

    Returns
    -------
    ndarray of geometries
        A new array of the same shape; None stays None, Z is kept where present. When
        ``src_crs`` is already EPSG:4547 the input array itself is returned.
    """
    geoms = np.asarray(geoms, dtype=object) if not isinstance(geoms, shapely.Geometry) else geoms
    if _is_metric(src_crs) or (isinstance(geoms, np.ndarray) and geoms.size == 0):
        return geoms
    return _transform_geometries(geoms, metric_transformer(src_crs), TransformDirection.FORWARD)


def from_metric_geometries(geoms: np.ndarray, dst_crs: Any = WGS84) -> np.ndarray:
    """The inverse of :func:`to_metric_geometries`: EPSG:4547 geometries → ``dst_crs``."""
    geoms = np.asarray(geoms, dtype=object) if not isinstance(geoms, shapely.Geometry) else geoms
    if _is_metric(dst_crs) or (isinstance(geoms, np.ndarray) and geoms.size == 0):
        return geoms
    return _transform_geometries(geoms, metric_transformer(dst_crs), TransformDirection.INVERSE)


def to_metric_xy(xy: Any, src_crs: Any = WGS84) -> np.ndarray:
    """Coordinates (x, y) in ``src_crs`` → (easting_m, northing_m) in EPSG:4547.

    Parameters
    ----------
    xy : array_like, shape (n, 2) or (2,)
        Longitude/latitude (or x/y of ``src_crs``) in the last axis, e.g.
        ``shapely.get_coordinates(geoms)``.
    src_crs : str, int or pyproj.CRS, default ``"EPSG:4326"``

    Returns
    -------
    ndarray of float, same shape as ``xy``
        Always a new array.
    """
    arr = np.array(xy, dtype=float)
    if arr.shape[-1:] != (2,):
        raise ValueError(f"xy must have shape (n, 2) or (2,), not {arr.shape}")
    if _is_metric(src_crs) or arr.size == 0:
        return arr
    x, y = metric_transformer(src_crs).transform(arr[..., 0], arr[..., 1])
    return np.stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)], axis=-1)


def to_metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject a frame to the metric CRS EPSG:4547 for areas and distances (metres).

    The same result as ``gdf.to_crs("EPSG:4547")``, through the cached transformer of
    :func:`metric_transformer`. A frame already in EPSG:4547 is returned as it is.
    """
    require_crs(gdf)
    if gdf.crs == _METRIC:
        return gdf
    geoms = to_metric_geometries(gdf.geometry.to_numpy(), gdf.crs)
    out = gdf.copy()
    out.geometry = gpd.GeoSeries(geoms, index=gdf.index, crs=METRIC_CRS, name=gdf.geometry.name)
    return out


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject a frame to EPSG:4326, the storage CRS of every layer."""
    require_crs(gdf)
    if gdf.crs == CRS.from_user_input(WGS84):
        return gdf
    return gdf.to_crs(WGS84)
