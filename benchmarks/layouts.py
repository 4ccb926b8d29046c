"""Synthetic parcel layers with a known block structure, shared by tests and benchmarks.

:func:`parcel_grid` lays out a jittered grid of quadrilateral parcels separated by branch
roads (gaps narrower than the contiguity tolerance) and, now and then, trunk roads (gaps
wider than it). Every parcel between two consecutive trunk roads in both directions forms
one block, so the expected partition is known without computing any distance.

The layout avoids distances close to the 20 m default tolerance on purpose: branch gaps are
at most ``branch_gap_m[1] + 2 * jitter_m`` and trunk gaps at least
``trunk_gap_m[0] - 2 * jitter_m``. Parcels diagonally across a road crossing may be nearer
or farther than the tolerance, but with no holes in the grid they are always linked through
their orthogonal neighbours, so the partition does not depend on how a method treats them.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from geo.crs import METRIC_CRS, WGS84

#: South-west corner of the default grid (lon, lat), near 坪山 centre.
DEFAULT_ORIGIN_LONLAT = (114.30, 22.66)

_STATUS_CYCLE = ("low_efficiency", "reserve", "available", "built")


@dataclass(frozen=True)
class ParcelGrid:
    """A generated layout.

    Attributes
    ----------
    parcels : GeoDataFrame
        Parcel layer with the canonical columns, in ``crs``.
    trunk_roads : GeoDataFrame
        One LineString per trunk road, along the middle of its gap and spanning the whole
        grid, with ``kind = "trunk_road"``; in ``crs``.
    expected_block : ndarray of int
        For each parcel (row order), the index of the trunk-road cell it lies in. Parcels
        with equal values form one block at any tolerance between the widest branch gap
        and the narrowest trunk gap.
    """

    parcels: gpd.GeoDataFrame
    trunk_roads: gpd.GeoDataFrame
    expected_block: np.ndarray


def _axis(
    count: int,
    rng: np.random.Generator,
    cell_m: tuple[float, float],
    branch_gap_m: tuple[float, float],
    trunk_gap_m: tuple[float, float],
    trunk_share: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Start and end of each cell along one axis, the band index, and trunk-road centres."""
    size = rng.uniform(*cell_m, count)
    is_trunk = rng.random(max(count - 1, 0)) < trunk_share
    gap = np.where(
        is_trunk,
        rng.uniform(*trunk_gap_m, count - 1),
        rng.uniform(*branch_gap_m, count - 1),
    )
    start = np.concatenate([[0.0], np.cumsum(size[:-1] + gap)])
    end = start + size
    band = np.concatenate([[0], np.cumsum(is_trunk)])
    trunk_mid = (end[:-1][is_trunk] + start[1:][is_trunk]) / 2.0
    return start, end, band, trunk_mid


def parcel_grid(
    n: int,
    *,
    seed: int = 0,
    cell_m: tuple[float, float] = (60.0, 140.0),
    branch_gap_m: tuple[float, float] = (10.0, 15.0),
    trunk_gap_m: tuple[float, float] = (40.0, 60.0),
    trunk_share: float = 0.15,
    jitter_m: float = 0.4,
    origin_lonlat: tuple[float, float] = DEFAULT_ORIGIN_LONLAT,
    crs: str = WGS84,
) -> ParcelGrid:
    """Generate ``n`` parcels on a jittered grid with branch and trunk road gaps.

    Parameters
    ----------
    n : int
        Number of parcels; the grid is about square and its last row may be partial.
    seed : int
        Seed of the random generator; equal seeds give equal layouts.
    cell_m : (float, float)
        Range of parcel widths and depths, metres.
    branch_gap_m, trunk_gap_m : (float, float)
        Ranges of the branch-road and trunk-road gap widths, metres.
    trunk_share : float
        Probability that a gap between two grid columns (or rows) is a trunk road.
    jitter_m : float
        Each vertex moves by up to this much in x and y, metres, so parcels are not exact
        rectangles and gaps are not exactly parallel.
    origin_lonlat : (float, float)
        South-west corner of the grid, degrees.
    crs : str
        CRS of the returned layers.

    Returns
    -------
    ParcelGrid
    """
    rng = np.random.default_rng(seed)
    ncols = max(int(np.ceil(np.sqrt(n))), 1)
    nrows = max(int(np.ceil(n / ncols)), 1)
    x0, x1, xband, xtrunk = _axis(ncols, rng, cell_m, branch_gap_m, trunk_gap_m, trunk_share)
    y0, y1, yband, ytrunk = _axis(nrows, rng, cell_m, branch_gap_m, trunk_gap_m, trunk_share)

    row, col = np.divmod(np.arange(n), ncols)
    ox, oy = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True).transform(*origin_lonlat)
    xs = np.stack([x0[col], x1[col], x1[col], x0[col]], axis=1) + ox
    ys = np.stack([y0[row], y0[row], y1[row], y1[row]], axis=1) + oy
    xs = xs + rng.uniform(-jitter_m, jitter_m, xs.shape)
    ys = ys + rng.uniform(-jitter_m, jitter_m, ys.shape)
    ring = np.stack([xs, ys], axis=2)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    geoms = shapely.polygons(ring)

    status = np.array(_STATUS_CYCLE, dtype=object)[rng.integers(0, len(_STATUS_CYCLE), n)]
    far = rng.uniform(0.5, 3.0, n)
    area = shapely.area(geoms)
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": np.char.add("P", np.arange(n).astype(str)).astype(object),
            "park_id": None,
            "status": status,
            "land_use": "M1",
            "area_m2": area,
            "far_current": far,
            "gfa_current_m2": far * area,
            "density_zone": 3,
        },
        geometry=geoms,
        crs=METRIC_CRS,
    )

    width = x1[-1] + ox
    height = y1[row.max()] + oy
    margin = 100.0
    lines = [
        shapely.LineString([(ox + x, oy - margin), (ox + x, height + margin)]) for x in xtrunk
    ] + [
        shapely.LineString([(ox - margin, oy + y), (width + margin, oy + y)])
        for y in ytrunk[ytrunk < y1[row.max()]]
    ]
    trunk_roads = gpd.GeoDataFrame(
        {"kind": "trunk_road", "name": [f"干道{i + 1}" for i in range(len(lines))]},
        geometry=lines,
        crs=METRIC_CRS,
    )
    expected = yband[row] * (xband[-1] + 1) + xband[col]
    if crs != METRIC_CRS:
        parcels = parcels.to_crs(crs)
        trunk_roads = trunk_roads.to_crs(crs)
    return ParcelGrid(parcels=parcels, trunk_roads=trunk_roads, expected_block=expected)
