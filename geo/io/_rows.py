"""Rows the planner may drop after an import: finding those outside Shenzhen, and dropping.

Method: :func:`rows_outside` tests each feature's bounding box against a lon/lat box
(:func:`geo.crs.outside_bounds`, :data:`geo.crs.SHENZHEN_BOUNDS` by default) after bringing
the layer to EPSG:4326, and returns frame positions. :func:`drop_rows` is pure: it returns
a new frame without the given report rows and a copy of the report that says what was
dropped (a note naming the rows), with ``rows_kept``, ``row_numbers``, ``outside_rows`` and
the two "outside Shenzhen" warnings brought up to date. The import report's row numbers (``ReadReport.row_numbers``) map
report rows to frame positions.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

import geopandas as gpd
import numpy as np

from geo.crs import SHENZHEN_BOUNDS, far_from_shenzhen, outside_bounds, to_wgs84
from geo.io._report import Note, ReadReport, _outside_note

__all__ = ["drop_rows", "rows_outside"]


def rows_outside(
    gdf: gpd.GeoDataFrame,
    bounds: tuple[float, float, float, float] = SHENZHEN_BOUNDS,
) -> np.ndarray:
    """Positions (0-based, frame order) of the features reaching outside ``bounds``.

    ``bounds`` is ``(min lon, min lat, max lon, max lat)``. A frame with a CRS is brought to
    EPSG:4326 first; one without a CRS is taken to be lon/lat already. Missing and empty
    geometries are not outside.
    """
    lonlat = to_wgs84(gdf) if gdf.crs is not None else gdf
    return np.flatnonzero(outside_bounds(lonlat, bounds))


def drop_rows(
    gdf: gpd.GeoDataFrame, report: ReadReport, rows: Iterable[int]
) -> tuple[gpd.GeoDataFrame, ReadReport]:
    """Drop the features of the given report rows; return the new frame and report.

    ``rows`` are row numbers as the report counts them (see ``ReadReport.row_kind``), e.g.
    ``report.outside_rows``; numbers not in the frame are ignored. Neither argument is
    changed: the frame returned is a copy with a fresh 0..n-1 index, and the report a copy
    with a note naming the dropped rows.
    """
    if len(report.row_numbers) != len(gdf):
        raise ValueError(
            f"the report describes {len(report.row_numbers)} features, the frame has {len(gdf)}"
        )
    drop = report.positions(rows)
    keep = np.ones(len(gdf), dtype=bool)
    keep[drop] = False
    out = gdf.iloc[np.flatnonzero(keep)].reset_index(drop=True)
    new = copy.deepcopy(report)
    dropped = [report.row_numbers[i] for i in drop]
    new.row_numbers = [r for r, k in zip(report.row_numbers, keep, strict=True) if k]
    gone = set(dropped)
    new.outside_rows = [r for r in report.outside_rows if r not in gone]
    new.rows_kept = len(out)
    # The warnings about the old frame's extent and outside rows, rewritten for the new one.
    stale = {_outside_note(report, report.outside_rows), _far_note(gdf)} - {None}
    new.warnings = [w for w in new.warnings if w not in stale]
    new.warnings.extend(
        w for w in (_far_note(out), _outside_note(new, new.outside_rows)) if w is not None
    )
    if dropped:
        n = len(dropped)
        new.notes.append(
            Note(
                f"按要求删除了 {n} 条记录" + report._rows_text(dropped, "zh"),
                f"Dropped {n} records as asked" + report._rows_text(dropped, "en"),
            )
        )
    return out, new


def _far_note(gdf: gpd.GeoDataFrame) -> Note | None:
    if len(gdf) == 0:
        return None
    far = far_from_shenzhen(to_wgs84(gdf) if gdf.crs is not None else gdf)
    return Note(*far) if far is not None else None
