"""工业上楼 massing: the building envelope of every redeveloped parcel, band by band.

Input is a capacity result (:func:`analysis.capacity.rule_capacity` or
:func:`~analysis.capacity.floor_capacity`); output is one polygon per floor band of the
template building, with its base and top above ground, plus a lighter "existing" mass for
today's floor area, ready for a 3D view or an export.

**Footprint.** The coverage of a parcel is ``c = footprint_m2 / area_m2`` (the capacity
result's figures). The footprint is the parcel shrunk by an inward (negative) buffer with
mitred joins, ``F(d) = parcel ⊖ d``, at the distance ``d`` where
``area(F(d)) = c × area(parcel)`` (areas in EPSG:4547, m²). ``area(F(d))`` falls
monotonically from the parcel's area at ``d = 0`` to 0 at the inradius ``≤ √(A/π)``, so the
distance is found by bracketing root search (regula falsi with the Illinois step, vectorised
over parcels, stopped at a relative area error of ``rtol``). An inward buffer is by
construction inside the parcel and keeps its shape: a 100 m × 100 m square at 50 % coverage
becomes a centred 70.71 m square (``d = (100 − √5000) / 2 = 14.64 m``). A very thin or
dumb-bell parcel may yield a footprint of several parts; every part still lies inside.

**Heights.** The template's bands stack from the ground (:mod:`analysis.standards`): band
``b`` starts at floor ``first_b`` and has floor height ``h_b``. A parcel's band holds
``n_b = gfa_b / footprint`` floors (the capacity result's ``gfa_<band>_m2``); like
:func:`analysis.capacity.floor_capacity`, a partly built top floor counts as a whole floor,
so the band's mass spans ``base_b = Σ_{lower bands} n_floors × h`` to
``top_b = base_b + ⌈n_b⌉ × h_b`` and the top of the highest band equals the result's
``height_m``. With the default template (8 m ground, 3 × 6 m, 4.5 m upwards) an 8-floor
building has masses 0–8, 8–26 and 26–44 m.

**Existing mass.** Today's floor area ``gfa_current_m2`` over the same footprint, stacked on
the template floors without rounding up: ``n = gfa_current / footprint`` floors, height the
summed floor heights of those ``n`` floors (fractional top floor pro rata). It is a
comparison volume ("how much of the new building exists already"), not a survey of the
buildings standing today.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.standards import Standards, load_standards
from geo.crs import from_metric_geometries, require_crs, to_metric_geometries
from geo.errors import InputError

__all__ = [
    "EXISTING",
    "MASS_COLUMNS",
    "NEW",
    "band_fits",
    "building_envelopes",
    "inward_footprints",
    "stacked_height_m",
]

#: ``mass`` value of a floor band of the redeveloped building.
NEW = "new"
#: ``mass`` value of the existing floor area.
EXISTING = "existing"
#: Attribute columns of :func:`building_envelopes`, in order (geometry last).
MASS_COLUMNS = (
    "parcel_id",
    "park_id",
    "mass",
    "band",
    "band_label_zh",
    "floors",
    "floor_height_m",
    "base_m",
    "height_m",
    "thickness_m",
    "footprint_m2",
    "gfa_m2",
    "load_t_m2",
    "fits",
)
_EPS = 1e-9
_NEEDED = ("redeveloped", "footprint_m2", "area_m2", "gfa_current_m2")


def inward_footprints(
    geoms_m: np.ndarray, coverage: np.ndarray, *, rtol: float = 1e-4, max_iter: int = 60
) -> np.ndarray:
    """Shrink metric polygons inwards until each covers ``coverage`` of its own area.

    Parameters
    ----------
    geoms_m : numpy.ndarray of shapely Polygon/MultiPolygon
        Parcels in a metric CRS (m).
    coverage : numpy.ndarray of float
        Target share of each parcel's area, in (0, 1].
    rtol : float
        Relative tolerance on the footprint area: ``|area − c × A| ≤ rtol × c × A``.
    max_iter : int
        Iterations of the root search at most.

    Returns
    -------
    numpy.ndarray of shapely geometries
        ``parcel ⊖ d`` (mitred inward buffer) at the distance ``d`` (m) found by regula
        falsi (Illinois); the parcel itself where the coverage is 1.
    """
    geoms_m = np.asarray(geoms_m, dtype=object)
    coverage = np.asarray(coverage, dtype=float)
    if geoms_m.shape != coverage.shape:
        raise InputError("几何与覆盖率的数量不一致。", "Geometries and coverages differ in number.")
    bad = ~((coverage > 0) & (coverage <= 1))
    if bad.any():
        raise InputError(
            f"建筑覆盖率应在 (0, 1] 之间，有 {int(bad.sum())} 个不在此范围。",
            f"Coverage must be in (0, 1]; {int(bad.sum())} values are not.",
        )
    area = shapely.area(geoms_m)
    target = coverage * area
    out = geoms_m.copy()
    todo = np.flatnonzero((coverage < 1 - _EPS) & (area > 0))
    if not len(todo):
        return out
    # f(d) = area(d) − target: f(lo) > 0 at d = 0, f(hi) = −target < 0 beyond the inradius.
    lo = np.zeros(len(todo))
    hi = np.sqrt(area[todo] / np.pi) * (1 + 1e-6)
    f_lo = area[todo] - target[todo]
    f_hi = -target[todo]
    side = np.zeros(len(todo), dtype=np.int8)  # Illinois: which end was kept last time
    active = np.ones(len(todo), dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        d = (lo[idx] * f_hi[idx] - hi[idx] * f_lo[idx]) / (f_hi[idx] - f_lo[idx])
        shrunk = shapely.buffer(geoms_m[todo[idx]], -d, join_style="mitre", mitre_limit=1e3)
        f = shapely.area(shrunk) - target[todo[idx]]
        done = np.abs(f) <= rtol * target[todo[idx]]
        out[todo[idx[done]]] = shrunk[done]
        active[idx[done]] = False
        keep = ~done
        idx, d, f, shrunk = idx[keep], d[keep], f[keep], shrunk[keep]
        pos = f > 0
        # Root between d and hi: move lo; halve f_hi when lo moved twice in a row.
        i = idx[pos]
        lo[i], f_lo[i] = d[pos], f[pos]
        f_hi[i] = np.where(side[i] == 1, f_hi[i] / 2, f_hi[i])
        side[i] = 1
        i = idx[~pos]
        hi[i], f_hi[i] = d[~pos], f[~pos]
        f_lo[i] = np.where(side[i] == -1, f_lo[i] / 2, f_lo[i])
        side[i] = -1
        # Keep the best so far so a stopped search still returns a footprint inside.
        out[todo[idx]] = shrunk
    return out


def stacked_height_m(floors: np.ndarray, standards: Standards | None = None) -> np.ndarray:
    """Height of ``floors`` (fractional allowed) stacked on the template bands, m.

    ``height = Σ_b clip(min(n, last_b) − (first_b − 1), 0) × h_b`` with ``h_b`` the floor
    height of band ``b`` (the top band is open).
    """
    std = standards if standards is not None else load_standards()
    n = np.asarray(floors, dtype=float)
    height = np.zeros_like(n)
    for band in std.highrise.bands:
        last = np.inf if band.last_floor is None else band.last_floor
        height += np.clip(np.minimum(n, last) - (band.first_floor - 1), 0, None) * (
            band.floor_height_m
        )
    return height


def band_fits(standards: Standards | None = None) -> dict[str, tuple[str, ...]]:
    """Suitability keys (clusters or ``cluster:sub_type``) each band suits, by band key."""
    std = standards if standards is not None else load_standards()
    hr = std.highrise
    fits: dict[str, list[str]] = {b.key: [] for b in hr.bands}
    for entry in hr.suitability:
        for band, ok in zip(hr.bands, hr.band_fit(entry), strict=True):
            if ok:
                fits[band.key].append(entry.key)
    return {k: tuple(v) for k, v in fits.items()}


def building_envelopes(
    capacity: gpd.GeoDataFrame,
    standards: Standards | None = None,
    *,
    include_existing: bool = True,
    rtol: float = 1e-4,
) -> gpd.GeoDataFrame:
    """Per-band building envelopes of the redeveloped parcels of a capacity result.

    The method is in the module docstring.

    Parameters
    ----------
    capacity : GeoDataFrame
        Output of :func:`analysis.capacity.rule_capacity` / ``floor_capacity`` computed
        with ``standards`` (``redeveloped``, ``footprint_m2``, ``area_m2``,
        ``gfa_current_m2``, ``gfa_<band>_m2``; ``parcel_id`` and ``park_id`` if present).
    standards : Standards, optional
        The standards of the capacity result; bundled by default.
    include_existing : bool
        Add one ``mass = "existing"`` row per parcel with current floor area.
    rtol : float
        Relative tolerance of the footprint area.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, columns :data:`MASS_COLUMNS` + geometry: one row per (parcel, band with
        floor area) with ``mass = "new"``, ``band`` key and ``band_label_zh``, ``floors``
        (whole floors of the band), ``floor_height_m``, ``base_m`` and ``height_m`` (bottom
        and top of the mass above ground, m), ``thickness_m`` (= height − base),
        ``footprint_m2``, ``gfa_m2`` (the band's GFA, m²), ``load_t_m2`` and ``fits``
        (comma-separated suitability keys the band suits); existing masses have ``band``
        empty, fractional ``floors``, ``base_m = 0`` and ``gfa_m2`` = current GFA.

    Raises
    ------
    InputError
        The input is not a capacity result, or has no CRS.
    """
    std = standards if standards is not None else load_standards()
    bands = std.highrise.bands
    band_cols = [f"gfa_{b.key}_m2" for b in bands]
    missing = [c for c in (*_NEEDED, *band_cols) if c not in capacity.columns]
    if missing or not isinstance(capacity, gpd.GeoDataFrame):
        raise InputError(
            f"生成建筑体量需要工业上楼容量的计算结果（缺少 {'、'.join(missing) or '几何'}）。",
            "Building envelopes need a floor-capacity result "
            f"(missing: {', '.join(missing) or 'geometry'}).",
        )
    require_crs(capacity, "容量结果 capacity")
    rows = capacity.loc[
        capacity["redeveloped"].to_numpy(dtype=bool)
        & (pd.to_numeric(capacity["footprint_m2"], errors="coerce").to_numpy() > 0)
    ]
    n = len(rows)
    footprint_m2 = rows["footprint_m2"].to_numpy(dtype=float)
    area_m2 = rows["area_m2"].to_numpy(dtype=float)
    coverage = np.clip(
        np.divide(footprint_m2, area_m2, out=np.ones(n), where=area_m2 > 0), _EPS, 1.0
    )
    metric = to_metric_geometries(rows.geometry.to_numpy(), rows.crs)
    shapes_m = inward_footprints(metric, coverage, rtol=rtol)
    shapes = from_metric_geometries(shapes_m, "EPSG:4326")
    drawn_m2 = shapely.area(shapes_m)
    ids = (
        rows["parcel_id"].astype(str).to_numpy()
        if "parcel_id" in rows.columns
        else rows.index.astype(str).to_numpy()
    )
    parks = (
        rows["park_id"].to_numpy(dtype=object)
        if "park_id" in rows.columns
        else np.full(n, None, dtype=object)
    )
    fits = band_fits(std)
    parts: list[pd.DataFrame] = []
    base = np.zeros(n)
    for band, col in zip(bands, band_cols, strict=True):
        gfa = rows[col].to_numpy(dtype=float)
        exact = np.divide(gfa, footprint_m2, out=np.zeros(n), where=footprint_m2 > 0)
        whole = np.ceil(exact * (1 - _EPS))
        top = base + whole * band.floor_height_m
        has = whole > 0
        parts.append(
            pd.DataFrame(
                {
                    "parcel_id": ids[has],
                    "park_id": parks[has],
                    "mass": NEW,
                    "band": band.key,
                    "band_label_zh": band.label_zh or band.key,
                    "floors": whole[has],
                    "floor_height_m": band.floor_height_m,
                    "base_m": base[has],
                    "height_m": top[has],
                    "footprint_m2": drawn_m2[has],
                    "gfa_m2": gfa[has],
                    "load_t_m2": band.load_t_m2,
                    "fits": ",".join(fits[band.key]),
                    "geometry": shapes[has],
                }
            )
        )
        base = top
    if include_existing:
        current = rows["gfa_current_m2"].to_numpy(dtype=float)
        floors = np.divide(current, footprint_m2, out=np.zeros(n), where=footprint_m2 > 0)
        has = floors > 0
        parts.append(
            pd.DataFrame(
                {
                    "parcel_id": ids[has],
                    "park_id": parks[has],
                    "mass": EXISTING,
                    "band": "",
                    "band_label_zh": "现状",
                    "floors": floors[has],
                    "floor_height_m": np.nan,
                    "base_m": 0.0,
                    "height_m": stacked_height_m(floors[has], std),
                    "footprint_m2": drawn_m2[has],
                    "gfa_m2": current[has],
                    "load_t_m2": np.nan,
                    "fits": "",
                    "geometry": shapes[has],
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in (*MASS_COLUMNS, "geometry")})
    frame["thickness_m"] = frame["height_m"].astype(float) - frame["base_m"].astype(float)
    frame["floors"] = frame["floors"].astype(float)
    return gpd.GeoDataFrame(
        frame[[*MASS_COLUMNS, "geometry"]], geometry="geometry", crs="EPSG:4326"
    )
