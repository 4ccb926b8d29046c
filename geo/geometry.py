"""Valid geometry out: repair polygonal results and round coordinates without breaking them.

Other systems (QGIS, PostGIS, the district's platforms) reject invalid geometries, and two
steps of this tool can produce them from valid input:

- **Overlay and reprojection.** A union computed in EPSG:4547 is valid there, but moved
  back to longitude/latitude a ring that nearly touches itself can cross (a few nanodegrees).
  :func:`repair_polygonal` passes valid geometries through untouched and repairs only the
  invalid ones with GEOS ``make_valid`` (the "structure" method: rings are treated as the
  boundaries of areas, collapsed parts dropped), keeping only the polygonal parts, so a
  polygon stays a polygon and never turns into a collection with stray lines.
- **Rounding on write.** Rounding every coordinate to ``decimals`` places (6 ≈ 0.1 m) can
  fold a sliver narrower than the grid or make a ring cross another. :func:`round_coordinates`
  rounds every coordinate, then snap-rounds the few geometries that became invalid with GEOS
  ``set_precision`` on the same grid, which yields a valid geometry by construction.

Both are vectorised over numpy arrays of shapely geometries; the per-geometry work happens
only for the invalid ones.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["polygonal_parts", "repair_polygonal", "round_coordinates"]

_POLYGON, _MULTIPOLYGON = 3, 6


def polygonal_parts(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    """The polygonal part of one geometry as a valid Polygon/MultiPolygon, or None.

    Lines and points in a collection are dropped; parts that touch or overlap are unioned,
    so the result is valid even where the parts were adjacent.
    """
    if geom is None or shapely.is_empty(geom):
        return None
    parts = shapely.get_parts(geom)
    nested = [shapely.get_parts(p) if shapely.get_type_id(p) == 7 else [p] for p in parts]
    polys = [q for group in nested for p in group for q in shapely.get_parts(p)]
    polys = [p for p in polys if shapely.get_type_id(p) == _POLYGON and not p.is_empty]
    if not polys:
        return None
    if len(polys) == 1 and polys[0].is_valid:
        return polys[0]
    candidate = shapely.multipolygons(polys)
    if candidate.is_valid:
        return candidate
    return shapely.union_all(shapely.make_valid(np.asarray(polys, dtype=object)))


def repair_polygonal(geoms: np.ndarray) -> np.ndarray:
    """Geometries with every invalid polygonal one repaired; valid ones are returned as given.

    Parameters
    ----------
    geoms : ndarray of shapely geometries (None allowed)

    Returns
    -------
    ndarray
        Same length; each invalid Polygon/MultiPolygon replaced by the polygonal part of its
        ``make_valid`` repair (None when nothing of area remains).
    """
    geoms = np.asarray(geoms, dtype=object)
    out = geoms.copy()
    present = ~shapely.is_missing(geoms)
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[present] = ~shapely.is_valid(geoms[present])
    invalid &= np.isin(shapely.get_type_id(geoms), (_POLYGON, _MULTIPOLYGON))
    if not invalid.any():
        return out
    repaired = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    out[invalid] = [polygonal_parts(g) for g in repaired]
    return out


def round_coordinates(geoms: np.ndarray, decimals: int) -> np.ndarray:
    """Coordinates rounded to ``decimals`` places, every geometry still valid.

    Parameters
    ----------
    geoms : ndarray of shapely geometries
        Valid geometries (invalid input is repaired first, see :func:`repair_polygonal`).
    decimals : int
        Decimal places kept (for longitude/latitude 6 ≈ 0.1 m, 7 ≈ 1 cm).

    Returns
    -------
    ndarray
        Rounded geometries. Those that rounding made invalid are snap-rounded on the same
        grid instead (GEOS ``set_precision``), which may drop a sliver thinner than the grid.
    """
    geoms = np.asarray(geoms, dtype=object)
    rounded = shapely.transform(geoms, lambda c: np.round(c, decimals), include_z=True)
    present = ~shapely.is_missing(rounded)
    broken = np.zeros(len(rounded), dtype=bool)
    broken[present] = ~shapely.is_valid(rounded[present])
    if broken.any():
        source = repair_polygonal(geoms[broken])
        still = ~shapely.is_missing(source)
        still[still] = ~shapely.is_valid(source[still])
        source[still] = shapely.make_valid(source[still])  # lines and points
        usable = ~shapely.is_missing(source)
        fixed = np.full(len(source), None, dtype=object)
        fixed[usable] = shapely.set_precision(
            source[usable], 10.0 ** (-decimals), mode="valid_output"
        )
        rounded[broken] = fixed
    return rounded
