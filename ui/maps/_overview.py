"""Generalised overview of a big polygon layer for the zoom levels where a parcel is a pixel
or two wide.

Method: where a layer's typical polygon is a few screen pixels wide, drawing each one from
vector tiles costs the browser a feature to decode and a path to fill for a dot it cannot
tell apart or point at. The overview is one image instead, shown up to the layer's
*overview zoom* ``z_o``: the deepest display zoom at which the median polygon is narrower
than :data:`PICK_MIN_PX` pixels (width ``√area``, both in Web Mercator units, where one
pixel at zoom ``z`` is ``2πR / (256 · 2^z)``; the ``cos φ`` of ground metres cancels),
kept within :data:`OVERVIEW_ZOOMS`. The polygons are projected to Web Mercator
(EPSG:3857 by pyproj, the map's own projection, so the image stretches linearly onto
the map) and burnt into a grid whose cell is one screen pixel at
display zoom ``z_o + 1`` (half a pixel at ``z_o``), each cell taking the colour of the
polygon holding its centre (rasterio ``rasterize``). Cells are coarsened when the image
would exceed :data:`MAX_SIDE_PX` on a side (a city-wide layer). The image is a paletted
PNG, transparent where no polygon is; the map lays it over its bounds (Leaflet
``imageOverlay``) with the layer's fill opacity, and finds the colour — hence the
category — under the pointer for the tooltip.

What is lost, on purpose: gaps narrower than a cell (streets between parcels) and polygons
smaller than a cell may vanish or merge, and no attribute of a single parcel is kept; from
display zoom ``z_o + 1`` on the map draws every parcel, with its tooltip and click, as
before.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import rasterio.features
import shapely
from PIL import Image
from pyproj import Transformer
from rasterio.transform import from_origin

__all__ = [
    "MAX_SIDE_PX",
    "OVERVIEW_ZOOMS",
    "PICK_MIN_PX",
    "Overview",
    "overview_image",
    "overview_zoom",
]

#: Least and greatest overview zoom (display zoom): the overview covers at least the
#: district's whole view (about zoom 12 on a wide screen, 11 on a narrow one), and the
#: vector tiles keep at least their deepest data zoom (14).
OVERVIEW_ZOOMS = (11, 14)
#: A polygon narrower than this many screen pixels is drawn in the overview: too small to
#: tell apart, hover or click on its own.
PICK_MIN_PX = 4.0
#: Longest side of the overview image, pixels; coarser cells beyond it.
MAX_SIDE_PX = 4096
_EARTH_RADIUS_M = 6378137.0
#: Lon/lat to Web Mercator and back, as Leaflet projects the map (the payload's degrees are
#: projected as they are, GCJ-02 ones included, like the map does).
_TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


@dataclass(frozen=True)
class Overview:
    """The overview image (PNG bytes), its bounds ``(west, south, east, north)`` in degrees
    of the payload's system, its size in pixels, the label of each colour (``#rrggbb`` →
    label), and the deepest display zoom it is shown at."""

    png: bytes
    bounds: tuple[float, float, float, float]
    size_px: tuple[int, int]
    labels: dict[str, str]
    max_zoom: int


def overview_image(
    geometries: Sequence[shapely.Geometry],
    colors: Sequence[str],
    labels: Sequence[str | None],
) -> Overview | None:
    """The overview of polygons (lon/lat) coloured ``colors`` (``#rrggbb``), each colour
    labelled by the first label seen with it; None when there is nothing to draw or more
    than 255 colours."""
    geoms = np.asarray(geometries, dtype=object)
    keep = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if not keep.any():
        return None
    colors = np.asarray([str(c).lower() for c in np.asarray(colors, dtype=object)[keep]])
    labels = np.asarray(labels, dtype=object)[keep]
    palette, code = np.unique(colors, return_inverse=True)
    if len(palette) > 255 or not all(_is_hex(c) for c in palette):
        return None
    projected = shapely.transform(
        geoms[keep], lambda xy: np.column_stack(_TO_MERCATOR.transform(xy[:, 0], xy[:, 1]))
    )
    max_zoom = overview_zoom(shapely.area(projected))
    west, south, east, north = shapely.total_bounds(projected)
    cell = _pixel(max_zoom + 1)
    cell = max(cell, (east - west) / MAX_SIDE_PX, (north - south) / MAX_SIDE_PX)
    width = max(math.ceil((east - west) / cell), 1)
    height = max(math.ceil((north - south) / cell), 1)
    east, south = west + width * cell, north - height * cell
    grid = rasterio.features.rasterize(
        zip(projected, code + 1, strict=True),
        out_shape=(height, width),
        transform=from_origin(west, north, cell, cell),
        fill=0,
        dtype="uint8",
    )
    image = Image.frombytes("P", (width, height), grid.tobytes())
    rgb = [0, 0, 0] + [int(c[k : k + 2], 16) for c in palette for k in (1, 3, 5)]
    image.putpalette(rgb)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, transparency=0)
    first_label: dict[str, str] = {}
    for k, label in zip(code, labels, strict=True):
        first_label.setdefault(str(palette[k]), "" if label is None else str(label))
    (lon_w, lon_e), (lat_s, lat_n) = _TO_MERCATOR.transform(
        [west, east], [south, north], direction="INVERSE"
    )
    bounds = (lon_w, lat_s, lon_e, lat_n)
    return Overview(out.getvalue(), bounds, (width, height), first_label, max_zoom)


def _pixel(zoom: int) -> float:
    """One screen pixel at display zoom ``zoom``, Web Mercator metres (256-px tiles)."""
    return 2 * math.pi * _EARTH_RADIUS_M / (256 * 2**zoom)


def overview_zoom(area_mercator_m2: np.ndarray) -> int:
    """The overview zoom of polygons of these areas (Web Mercator m²): the deepest display
    zoom, within :data:`OVERVIEW_ZOOMS`, at which the median width ``√area`` is under
    :data:`PICK_MIN_PX` pixels."""
    width = math.sqrt(float(np.median(area_mercator_m2))) if len(area_mercator_m2) else 0.0
    low, high = OVERVIEW_ZOOMS
    zoom = low
    while zoom < high and width / _pixel(zoom + 1) < PICK_MIN_PX:
        zoom += 1
    return zoom


def _is_hex(color: str) -> bool:
    return len(color) == 7 and color[0] == "#" and all(c in "0123456789abcdef" for c in color[1:])
