"""Raster helpers: reading a DEM, slope and hillshade, and warping to lon/lat for display.

Method: band 1 is read with rasterio, nodata as NaN. Slope and illumination come from
central-difference gradients (:func:`numpy.gradient`) on square cells in metres; the
hillshade is the usual Lambertian term for a sun at ``azimuth_deg``/``altitude_deg``. The
overlay is warped to EPSG:4326 with bilinear resampling, capped at ``max_size_px`` on its
longer side, and stretched to a pale, half-transparent grey.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from rasterio.warp import Resampling, calculate_default_transform, reproject

from geo.crs import WGS84
from geo.errors import InputError

__all__ = ["Hillshade", "hillshade", "hillshade_overlay", "read_dem", "slope_deg"]


@dataclass(frozen=True)
class Hillshade:
    """A shaded-relief image on a lon/lat grid, ready for an image overlay.

    Attributes
    ----------
    rgba : ndarray, shape (rows, cols, 4), uint8
        Grey relief with transparency outside the DEM.
    bounds : tuple
        (west, south, east, north) in degrees (EPSG:4326).
    """

    rgba: np.ndarray
    bounds: tuple[float, float, float, float]


def read_dem(path: str | Path) -> tuple[np.ndarray, rasterio.Affine, object]:
    """Read band 1 of a DEM as float with NaN for nodata; returns (array, transform, crs)."""
    try:
        with rasterio.open(path) as src:
            band = src.read(1, masked=True).astype("float64")
            return band.filled(np.nan), src.transform, src.crs
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(
            f"无法读取高程数据 {path}，请确认它是 GeoTIFF 文件。",
            f"Cannot read the DEM {path}; it must be a GeoTIFF.",
        ) from exc


def slope_deg(elevation_m: np.ndarray, cell_m: float) -> np.ndarray:
    """Slope in degrees from an elevation grid with square cells of ``cell_m`` metres."""
    dz_dy, dz_dx = np.gradient(elevation_m, cell_m)
    return np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))


def hillshade(
    elevation_m: np.ndarray,
    cell_m: float,
    *,
    azimuth_deg: float = 315.0,
    altitude_deg: float = 45.0,
    z_factor: float = 1.0,
) -> np.ndarray:
    """Illumination 0–1 of a north-up elevation grid lit from ``azimuth_deg``/``altitude_deg``.

    Rows run north to south, as in a GeoTIFF. NaN cells stay NaN.
    """
    dz_dy, dz_dx = np.gradient(elevation_m * z_factor, cell_m)
    # Row index grows southwards, so the northward gradient is -dz_dy.
    slope = np.arctan(np.hypot(dz_dx, dz_dy))
    aspect = np.arctan2(dz_dy, -dz_dx)
    az = np.radians(360.0 - azimuth_deg + 90.0)
    alt = np.radians(altitude_deg)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    return np.clip(shade, 0.0, 1.0)


def hillshade_overlay(path: str | Path, *, max_size_px: int = 900) -> Hillshade:
    """Hillshade of a DEM warped to EPSG:4326, as an RGBA image with its bounds.

    The image is kept under ``max_size_px`` on its longer side: it is a background, and a
    smaller image keeps the page light.
    """
    elevation, transform, crs = read_dem(path)
    cell_m = abs(transform.a)
    # Exaggerated relief reads better as a pale background under the data layers.
    shade = hillshade(elevation, cell_m, z_factor=2.5)
    rows, cols = shade.shape
    left, top = transform @ (0, 0)
    right, bottom = transform @ (cols, rows)
    dst_transform, width, height = calculate_default_transform(
        crs, WGS84, cols, rows, left=left, bottom=bottom, right=right, top=top
    )
    scale = max(width, height) / max_size_px
    if scale > 1:
        width, height = int(width / scale), int(height / scale)
        dst_transform = dst_transform @ rasterio.Affine.scale(scale)
    warped = np.full((height, width), np.nan)
    reproject(
        shade,
        warped,
        src_transform=transform,
        src_crs=crs,
        dst_transform=dst_transform,
        dst_crs=WGS84,
        resampling=Resampling.bilinear,
        src_nodata=np.nan,
        dst_nodata=np.nan,
    )
    valid = np.isfinite(warped)
    stretched = np.clip((np.nan_to_num(warped) - 0.1) / 0.85, 0.0, 1.0)
    grey = np.where(valid, 60 + 195 * stretched, 0).astype("uint8")
    alpha = np.where(valid, 150, 0).astype("uint8")
    rgba = np.dstack([grey, grey, grey, alpha])
    west, north = dst_transform @ (0, 0)
    east, south = dst_transform @ (width, height)
    return Hillshade(rgba=rgba, bounds=(west, south, east, north))
