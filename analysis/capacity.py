"""工业上楼 floor capacity: how much floor space each parcel, park and scenario can give,
and to which industries.

Per parcel, :func:`floor_capacity` applies the standards (:mod:`analysis.standards`):

1. **Allowed FAR.** ``far_allowed = min(F × (1 + a), U)`` where ``U`` is the upper limit of
   the parcel's land use and density zone, ``F`` the base value (``far_mode="base"``) or
   ``U`` itself (``far_mode="upper"``, the default), and ``a`` the plot-size correction of
   the parcel's area. A scenario's ``far_target`` replaces ``F × (1 + a)`` where it is set,
   still capped at ``U``: a target is an explicit decision, the correction does not apply.
2. **Footprint** = area × site coverage (per land use, or the ``coverage`` argument).
3. **Floors.** The floors the template stacks under the height cap:
   ``n_fit`` = the largest n whose summed floor heights (ground, then low, then standard
   floors) do not exceed ``height_cap_m``. The GFA is
   ``gfa_max = min(area × far_allowed, footprint × n_fit)`` and the building has
   ``floors = ceil(gfa_max / footprint)``: the FAR limit may leave the top floor partly
   built (a set-back top floor), whose GFA counts in full towards its band while the floor
   counts as a whole floor in ``floors`` and ``height_m``.
4. **Bands.** The GFA fills the template from the ground up: ``gfa_<band>_m2`` is the
   footprint times the (possibly fractional) floors of that band, so the bands sum to
   ``gfa_max_m2``.
5. **Fit.** ``gfa_fit_<key>_m2`` sums the bands whose floor height, design load and
   position suit suitability entry ``key`` (a cluster, or ``cluster:sub_type`` →
   ``gfa_fit_chip_fab_m2``; see :mod:`analysis.standards`).

Worked example (the defaults of the template, no plot-size correction): a 1 ha M1 parcel
allowed FAR 4.0 at 50 % coverage has a 5,000 m² footprint and 40,000 m² over 8 floors
(8 m + 3 × 6 m + 4 × 4.5 m = 44 m), split 5,000 / 15,000 / 20,000 m² over the ground, low
and standard bands. With a 30 m cap only 4 floors fit (26 m; a fifth would reach 30.5 m):
20,000 m² split 5,000 / 15,000 / 0.

**Scenario.** Only parcels marked for redevelopment get the template; the others keep
their current GFA (``gfa_max_m2 = gfa_current_m2``, increment 0, template columns 0).
Non-industrial parcels (land use ``other`` or status ``non_industrial``) get zeros in every
computed column. See ``redevelop`` in :func:`floor_capacity`.

**改造规则 · The redevelopment rule.** Which parcels are rebuilt, and to which FAR, is one
named rule, :data:`REDEVELOP_RULE`, applied by :func:`rule_capacity`; the 工业上楼容量 page
(by default) and the scenario indicators (:mod:`analysis.indicators`) both use it, so a
baseline gives one increment on both. A parcel is rebuilt when it is industrial and its
status is 低效用地 or 可供应 (old land rebuilt, released land built), or it is marked 工业上楼
(``highrise``), or it has a ``far_target``. Ordinary redevelopment builds to the **base**
FAR of its land use and density zone (plot-size corrected); a parcel marked 工业上楼 builds
to the zone's **upper limit**; a ``far_target`` replaces either, capped at the upper limit.
Under this rule marking low-efficiency land for 工业上楼 raises the capacity, and releasing
a reserve (making it 可供应) adds the released land's new floor space.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.standards import (
    FAR_MODES,
    MAX_HEIGHT_CAP_M,
    Standards,
    floor_fit_column,
    load_standards,
)
from geo.crs import require_crs, to_metric_geometries
from geo.errors import InputError
from layers.schema import DENSITY_ZONES, INDUSTRIAL_LAND_USES, LAND_USE, STATUS

__all__ = [
    "DEFAULT_REDEVELOP_STATUSES",
    "NO_GROUP",
    "REDEVELOP_ALL",
    "REDEVELOP_RULE",
    "TOTAL",
    "RedevelopRule",
    "capacity_summary",
    "cumulative_heights",
    "floor_capacity",
    "floor_table",
    "rule_capacity",
]

#: Statuses :func:`floor_capacity` redevelops when called with ``redevelop=None`` (its own
#: low-level default), besides parcels flagged ``highrise``; the app uses
#: :data:`REDEVELOP_RULE` instead.
DEFAULT_REDEVELOP_STATUSES: tuple[str, ...] = ("low_efficiency",)
#: ``redevelop`` value giving every industrial parcel the template (theoretical capacity).
REDEVELOP_ALL = "all"
#: Group label of parcels outside every park (``park_id`` empty).
NO_GROUP = "(none)"
#: Column label of the all-groups total in the per-cluster summary.
TOTAL = "(total)"

# Relative slack so that floors computed from exact products (40,000 / 5,000) are not
# pushed up a floor by rounding noise.
_EPS = 1e-9


@dataclass(frozen=True)
class RedevelopRule:
    """Which industrial parcels are rebuilt to the template, and to which FAR.

    Attributes
    ----------
    statuses : tuple of str
        Status codes rebuilt; parcels marked ``highrise`` or with a ``far_target`` are
        rebuilt whatever their status.
    far_mode : {"base", "upper"}
        FAR ordinary redevelopment builds to.
    highrise_far_mode : {"base", "upper"}
        FAR a parcel marked 工业上楼 builds to.
    name_zh, name_en : str
        Short name of the rule.
    description_zh, description_en : str
        The rule in one or two sentences, for the pages.
    """

    statuses: tuple[str, ...]
    far_mode: Literal["base", "upper"]
    highrise_far_mode: Literal["base", "upper"]
    name_zh: str = ""
    name_en: str = ""
    description_zh: str = ""
    description_en: str = ""

    def at_far(self, far_mode: Literal["base", "upper"]) -> RedevelopRule:
        """The same parcels, every one of them built to ``far_mode`` (a sensitivity run;
        the description no longer applies and is dropped)."""
        return replace(
            self,
            far_mode=far_mode,
            highrise_far_mode=far_mode,
            name_zh="",
            name_en="",
            description_zh="",
            description_en="",
        )


#: The redevelopment rule of the app (see the module notes): 低效用地 and 可供应 rebuilt to the
#: base FAR, parcels marked 工业上楼 to the upper limit, a target FAR where one is set.
REDEVELOP_RULE = RedevelopRule(
    statuses=("low_efficiency", "available"),
    far_mode="base",
    highrise_far_mode="upper",
    name_zh="改造规则：低效用地与可供应用地按基准容积率，工业上楼地块按上限",
    name_en="Rule: low-efficiency and released land at the base FAR, 工业上楼 at the upper limit",
    description_zh=(
        "改造地块为低效用地、可供应用地、标记工业上楼的地块和设定了目标容积率的地块；"
        "一般改造按基准容积率（经规模修正），工业上楼地块按容积率上限，目标容积率优先（不超过上限）；"
        "其他地块保持现状建筑面积。工业上楼容量页（默认）与情景对比均按此规则计算。"
    ),
    description_en=(
        "Rebuilt: low-efficiency land, released (available) land, parcels marked industrial "
        "high-rise and parcels with a target FAR. Ordinary redevelopment builds to the base FAR "
        "(plot-size corrected), industrial high-rise parcels to the upper limit, a target FAR first (capped at the "
        "upper limit); other parcels keep their current GFA. The floor-capacity page (by "
        "default) and the scenario comparison both use this rule."
    ),
)

_RESULT_COLUMNS = (
    "redeveloped",
    "far_allowed",
    "footprint_m2",
    "floors",
    "height_m",
    "gfa_max_m2",
    "gfa_increment_m2",
    "over_allowance",
    "highrise_form",
)


def _standards(standards: Standards | None) -> Standards:
    return standards if standards is not None else load_standards()


def cumulative_heights(
    standards: Standards | None = None, height_cap_m: float | None = None
) -> np.ndarray:
    """Height of the roof above floor n (n = 1, 2, …) for every floor under the cap, m.

    Parameters
    ----------
    standards : Standards, optional
        The bundled standards by default.
    height_cap_m : float, optional
        Building height cap, m; the standards' cap by default.

    Returns
    -------
    numpy.ndarray
        ``top[n - 1]`` = summed floor heights of floors 1 … n; only floors whose top is
        within the cap are listed (empty when even the ground floor does not fit).
    """
    std = _standards(standards)
    cap = _height_cap(std, height_cap_m)
    heights: list[float] = []
    for band in std.highrise.bands:
        if band.n_floors is not None:
            heights.extend([band.floor_height_m] * band.n_floors)
        else:
            room = max(cap - sum(heights), 0.0)
            heights.extend([band.floor_height_m] * (int(room // band.floor_height_m) + 1))
    top = np.cumsum(np.asarray(heights, dtype=float))
    return top[top <= cap * (1 + _EPS)]


def floor_table(
    standards: Standards | None = None, *, height_cap_m: float | None = None
) -> pd.DataFrame:
    """One row per floor of the template under the height cap, and who can use it.

    Parameters
    ----------
    standards : Standards, optional
        The bundled standards by default.
    height_cap_m : float, optional
        Building height cap, m; the standards' cap by default.

    Returns
    -------
    DataFrame
        ``floor`` (1 = ground), ``band``, ``floor_height_m``, ``top_m`` (roof of this floor
        above ground), ``load_t_m2``, ``load_kn_m2``, ``freight_lift_t`` and one boolean
        ``fit_<key>`` column per suitability entry (``fit_chip_fab`` for ``chip:fab``).
    """
    std = _standards(standards)
    top = cumulative_heights(std, height_cap_m)
    floors = np.arange(1, len(top) + 1)
    band_idx = _band_of_floor(std, floors)
    bands = std.highrise.bands
    table = pd.DataFrame(
        {
            "floor": floors,
            "band": [bands[i].key for i in band_idx],
            "floor_height_m": [bands[i].floor_height_m for i in band_idx],
            "top_m": top,
            "load_t_m2": [bands[i].load_t_m2 for i in band_idx],
            "load_kn_m2": [bands[i].load_kn_m2 for i in band_idx],
            "freight_lift_t": [
                np.nan if bands[i].freight_lift_t is None else bands[i].freight_lift_t
                for i in band_idx
            ],
        }
    )
    fit = _fit_matrix(std)
    for j, entry in enumerate(std.highrise.suitability):
        table[floor_fit_column(entry.key)] = fit[band_idx, j]
    return table


def _band_of_floor(std: Standards, floors: np.ndarray) -> np.ndarray:
    firsts = np.array([b.first_floor for b in std.highrise.bands])
    return np.searchsorted(firsts, floors, side="right") - 1


def _fit_matrix(std: Standards) -> np.ndarray:
    """Bands × suitability entries: True where the band suits the entry."""
    hr = std.highrise
    if not hr.suitability:
        return np.zeros((len(hr.bands), 0), dtype=bool)
    return np.array([hr.band_fit(f) for f in hr.suitability], dtype=bool).T


def _height_cap(std: Standards, height_cap_m: float | None) -> float:
    if height_cap_m is None:
        return std.far.height_cap_m.value
    cap = _scalar(height_cap_m, "height_cap_m", "建筑高度上限")
    if not 0 < cap <= MAX_HEIGHT_CAP_M:
        raise InputError(
            f"建筑高度上限 height_cap_m 应在 0 与 {MAX_HEIGHT_CAP_M:g} m 之间，实为 {cap:g}。",
            f"height_cap_m must be in (0, {MAX_HEIGHT_CAP_M:g}] m, got {cap:g}.",
        )
    return cap


def _scalar(value: object, name: str, zh: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise InputError(
            f"{zh} {name} 应为数字，实为「{value}」。", f"{name} must be a number, got {value!r}."
        )
    return float(value)


def floor_capacity(
    parcels: gpd.GeoDataFrame,
    standards: Standards | None = None,
    *,
    far_mode: Literal["base", "upper"] = "upper",
    coverage: float | None = None,
    height_cap_m: float | None = None,
    redevelop: Sequence[bool] | np.ndarray | pd.Series | Literal["all"] | None = None,
) -> gpd.GeoDataFrame:
    """Maximum floor area of each parcel under the 工业上楼 template, by band and industry.

    The method is in the module docstring. All work is vectorised over parcels; areas come
    from ``area_m2`` (reprojection to EPSG:4547 only fills parcels lacking it).

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels layer: ``status``, ``land_use``, ``density_zone`` (1–5, needed on
        industrial parcels), ``area_m2`` (m², else computed from the geometry),
        ``gfa_current_m2`` (m², else ``far_current`` × area); optional ``highrise`` (bool)
        and ``far_target`` (NaN where unset).
    standards : Standards, optional
        The bundled standards by default.
    far_mode : {"upper", "base"}
        FAR the template builds to: the zone's upper limit or the base value, both
        corrected for plot size and capped at the upper limit.
    coverage : float, optional
        Site coverage 0–1 for every parcel; by default the standards' value per land use.
    height_cap_m : float, optional
        Building height cap, m; the standards' cap (100 m) by default.
    redevelop : None, "all" or bool array-like
        Which industrial parcels are rebuilt to the template. None (the default scenario):
        status ``low_efficiency``, ``highrise`` true, or a ``far_target`` set. ``"all"``:
        every industrial parcel (what each parcel could give). A boolean array or Series
        (aligned on the index) marks them explicitly; it is ignored on non-industrial
        parcels.

    Returns
    -------
    GeoDataFrame
        A copy of ``parcels`` with ``area_m2`` and ``gfa_current_m2`` filled and:

        ``redeveloped`` (bool); ``far_allowed`` (FAR the standards or the target allow,
        reported for every industrial parcel); ``footprint_m2``, ``floors``, ``height_m``
        (m) of the template building; ``gfa_max_m2`` (template GFA where redeveloped,
        current GFA where kept, m²); ``gfa_<band>_m2`` per template band
        (``gfa_ground_m2``, ``gfa_low_m2``, ``gfa_std_m2`` by default);
        ``gfa_increment_m2`` (``gfa_max_m2 − gfa_current_m2`` on redeveloped parcels,
        never negative); ``over_allowance`` (current GFA already above what the template
        allows; such a parcel reports increment 0 and keeps ``gfa_max_m2`` at the
        allowance); ``highrise_form`` (the template building meets the 工业上楼
        definition: height in (24, 100] m, ≥ 5 floors, FAR ≥ 3.0 by default); and
        ``gfa_fit_<key>_m2`` per suitability entry (m² on floors that suit it).
        Template columns are 0 on parcels not redeveloped.

    Raises
    ------
    InputError
        Missing columns, unknown codes, density zones outside 1–5 on industrial parcels,
        negative areas or GFA, a bad ``far_mode``, ``coverage``, ``height_cap_m`` or
        ``redevelop``.
    """
    std = _standards(standards)
    if far_mode not in FAR_MODES:
        raise InputError(
            f"far_mode 应为 {' 或 '.join(FAR_MODES)}，实为「{far_mode}」。",
            f"far_mode must be one of {', '.join(FAR_MODES)}, got {far_mode!r}.",
        )
    cap = _height_cap(std, height_cap_m)
    if coverage is not None:
        coverage = _scalar(coverage, "coverage", "建筑覆盖率")
        if not 0 < coverage <= 1:
            raise InputError(
                f"建筑覆盖率 coverage 应在 (0, 1] 之间，实为 {coverage:g}。",
                f"coverage must be in (0, 1], got {coverage:g}.",
            )

    out = parcels.copy()
    _check_columns(out)
    n = len(out)
    area = _area_m2(out)
    out["area_m2"] = area
    gfa_current = _gfa_current_m2(out, area)
    out["gfa_current_m2"] = gfa_current

    lu_idx = _code_index(out, "land_use", LAND_USE.codes, "用地性质")
    status_idx = _code_index(out, "status", STATUS.codes, "地块状态")
    rules = std.far.rules
    # Position of each parcel's land use among the FAR rules; -1 for non-industrial uses.
    rule_of_code = np.array(
        [
            next((i for i, r in enumerate(rules) if r.land_use == code), -1)
            for code in LAND_USE.codes
        ]
    )
    rule_idx = rule_of_code[lu_idx]
    industrial = (rule_idx >= 0) & (status_idx != STATUS.codes.index("non_industrial"))

    zone = _density_zone(out, industrial)
    far_target = _far_target(out)
    chosen = _redevelop_mask(out, redevelop, status_idx, far_target)
    redeveloped = industrial & chosen

    # FAR allowed: table lookups by (land use, zone); non-industrial rows read row 0 and are
    # zeroed below, which keeps the lookup a single fancy-index.
    li = np.where(industrial, rule_idx, 0)
    zi = np.where(industrial, zone - 1, 0)
    base = np.array([r.base_by_zone for r in rules], dtype=float)[li, zi]
    upper = np.array([r.upper_by_zone for r in rules], dtype=float)[li, zi]
    chosen_far = upper if far_mode == "upper" else base
    corrected = chosen_far * (1.0 + _plot_size_correction(std, area))
    standard_far = np.where(np.isnan(far_target), corrected, far_target)
    far_allowed = np.where(industrial, np.minimum(standard_far, upper), 0.0)

    cover = (
        np.full(n, coverage)
        if coverage is not None
        else np.array([r.coverage for r in rules], dtype=float)[li]
    )
    footprint = np.where(industrial, area * cover, 0.0)
    top = cumulative_heights(std, cap)
    template_gfa = np.minimum(area * far_allowed, footprint * len(top))

    over = industrial & (gfa_current > template_gfa * (1 + _EPS) + _EPS)
    gfa_new = np.where(redeveloped, template_gfa, 0.0)
    footprint = np.where(redeveloped, footprint, 0.0)
    floors_exact = np.divide(gfa_new, footprint, out=np.zeros(n), where=footprint > 0)
    floors = np.ceil(floors_exact * (1 - _EPS)).astype(np.int64)
    height = np.concatenate([[0.0], top])[floors]

    bands = std.highrise.bands
    band_gfa = np.empty((n, len(bands)))
    for j, band in enumerate(bands):
        last = np.inf if band.last_floor is None else band.last_floor
        band_floors = np.clip(np.minimum(floors_exact, last) - (band.first_floor - 1), 0, None)
        band_gfa[:, j] = band_floors * footprint
    fit_gfa = band_gfa @ _fit_matrix(std)

    definition = std.highrise.definition
    built_far = np.divide(gfa_new, area, out=np.zeros(n), where=area > 0)
    highrise_form = (
        redeveloped
        & (height > definition.min_height_m.value)
        & (height <= definition.max_height_m.value)
        & (floors >= definition.min_floors.value)
        & (built_far >= definition.min_far.value * (1 - _EPS))
    )

    columns: dict[str, np.ndarray] = {
        "redeveloped": redeveloped,
        "far_allowed": far_allowed,
        "footprint_m2": footprint,
        "floors": floors,
        "height_m": height,
        "gfa_max_m2": np.where(redeveloped, gfa_new, np.where(industrial, gfa_current, 0.0)),
    }
    for j, band in enumerate(bands):
        columns[f"gfa_{band.key}_m2"] = band_gfa[:, j]
    columns["gfa_increment_m2"] = np.where(redeveloped, np.maximum(gfa_new - gfa_current, 0.0), 0.0)
    columns["over_allowance"] = over
    columns["highrise_form"] = highrise_form
    for j, entry in enumerate(std.highrise.suitability):
        columns[entry.column] = fit_gfa[:, j]
    # Re-running on an earlier result replaces its columns instead of duplicating them.
    out = out.drop(columns=[c for c in out.columns if c in columns])
    new = pd.DataFrame(columns, index=out.index)
    result = pd.concat([out, new], axis=1)
    if isinstance(parcels, gpd.GeoDataFrame):
        result = gpd.GeoDataFrame(result, geometry=parcels.geometry.name, crs=parcels.crs)
    return result


def _describe_rows(frame: pd.DataFrame, mask: np.ndarray, limit: int = 5) -> str:
    positions = np.flatnonzero(mask)
    if "parcel_id" in frame.columns:
        shown = [str(v) for v in frame["parcel_id"].to_numpy(dtype=object)[positions[:limit]]]
    else:
        shown = [f"#{p + 1}" for p in positions[:limit]]
    more = f" … ({len(positions)})" if len(positions) > limit else ""
    return ", ".join(shown) + more


def _check_columns(frame: pd.DataFrame) -> None:
    missing = [c for c in ("status", "land_use", "density_zone") if c not in frame.columns]
    if "gfa_current_m2" not in frame.columns and "far_current" not in frame.columns:
        missing.append("gfa_current_m2 / far_current")
    if "area_m2" not in frame.columns and not isinstance(frame, gpd.GeoDataFrame):
        missing.append("area_m2")
    if missing:
        raise InputError(
            f"地块图层缺少计算容量所需的字段：{'、'.join(missing)}。",
            f"The parcels layer lacks columns needed for capacity: {', '.join(missing)}.",
        )


def _area_m2(frame: pd.DataFrame) -> np.ndarray:
    given = (
        pd.to_numeric(frame["area_m2"], errors="coerce").to_numpy(dtype=float)
        if "area_m2" in frame.columns
        else np.full(len(frame), np.nan)
    )
    lacking = np.isnan(given)
    if lacking.any():
        if not isinstance(frame, gpd.GeoDataFrame):
            raise InputError(
                f"地块 {_describe_rows(frame, lacking)} 缺少面积 area_m2，且没有几何可计算。",
                f"Parcels {_describe_rows(frame, lacking)} lack area_m2 and have no geometry.",
            )
        require_crs(frame, "地块图层 parcels")
        given = given.copy()
        given[lacking] = shapely.area(
            to_metric_geometries(frame.geometry[lacking].to_numpy(), frame.crs)
        )
    negative = given < 0
    if negative.any():
        raise InputError(
            f"地块 {_describe_rows(frame, negative)} 的面积为负数。",
            f"Parcels {_describe_rows(frame, negative)} have a negative area_m2.",
        )
    return given


def _gfa_current_m2(frame: pd.DataFrame, area: np.ndarray) -> np.ndarray:
    gfa = (
        pd.to_numeric(frame["gfa_current_m2"], errors="coerce").to_numpy(dtype=float)
        if "gfa_current_m2" in frame.columns
        else np.full(len(frame), np.nan)
    )
    if np.isnan(gfa).any() and "far_current" in frame.columns:
        far = pd.to_numeric(frame["far_current"], errors="coerce").to_numpy(dtype=float)
        gfa = np.where(np.isnan(gfa), far * area, gfa)
    bad = np.isnan(gfa) | (gfa < 0)
    if bad.any():
        raise InputError(
            f"地块 {_describe_rows(frame, bad)} 的现状建筑面积缺失或为负数"
            "（gfa_current_m2，或 far_current）。",
            f"Parcels {_describe_rows(frame, bad)} have a missing or negative current GFA "
            "(gfa_current_m2, or far_current).",
        )
    return gfa


def _code_index(frame: pd.DataFrame, column: str, codes: list[str], zh: str) -> np.ndarray:
    """Position of each value in ``codes``; unknown or empty values raise InputError."""
    idx = pd.Index(codes).get_indexer(frame[column])
    unknown = idx < 0
    if unknown.any():
        values = frame[column].to_numpy(dtype=object)[unknown]
        examples = sorted({str(v) for v in values[:1000]})[:5]
        raise InputError(
            f"地块 {_describe_rows(frame, unknown)} 的{zh}「{column}」{examples} 不是代码，"
            f"可用：{', '.join(codes)}（先用 validate_layer 规范化）。",
            f"Parcels {_describe_rows(frame, unknown)} have unknown {column} values "
            f"{examples}; allowed codes: {', '.join(codes)} (normalise with validate_layer).",
        )
    return idx


def _density_zone(frame: pd.DataFrame, industrial: np.ndarray) -> np.ndarray:
    zone = pd.to_numeric(frame["density_zone"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    bad = industrial & ~np.isin(zone, np.asarray(DENSITY_ZONES, dtype=float))
    if bad.any():
        raise InputError(
            f"工业地块 {_describe_rows(frame, bad)} 的密度分区 density_zone 缺失或不在 1–5 之间。",
            f"Industrial parcels {_describe_rows(frame, bad)} have a density_zone that is "
            "missing or not 1–5.",
        )
    return np.where(industrial, zone, 1).astype(np.int64)


def _far_target(frame: pd.DataFrame) -> np.ndarray:
    if "far_target" not in frame.columns:
        return np.full(len(frame), np.nan)
    target = pd.to_numeric(frame["far_target"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    negative = target < 0
    if negative.any():
        raise InputError(
            f"地块 {_describe_rows(frame, negative)} 的目标容积率 far_target 为负数。",
            f"Parcels {_describe_rows(frame, negative)} have a negative far_target.",
        )
    return target


def _redevelop_mask(
    frame: pd.DataFrame, redevelop: object, status_idx: np.ndarray, far_target: np.ndarray
) -> np.ndarray:
    n = len(frame)
    if redevelop is None:
        flagged = (
            frame["highrise"].fillna(False).to_numpy(dtype=bool)
            if "highrise" in frame.columns
            else np.zeros(n, dtype=bool)
        )
        default = [STATUS.codes.index(code) for code in DEFAULT_REDEVELOP_STATUSES]
        return np.isin(status_idx, default) | flagged | ~np.isnan(far_target)
    if isinstance(redevelop, str):
        if redevelop == REDEVELOP_ALL:
            return np.ones(n, dtype=bool)
        raise InputError(
            f'redevelop 应为 None、"{REDEVELOP_ALL}" 或布尔数组，实为「{redevelop}」。',
            f'redevelop must be None, "{REDEVELOP_ALL}" or a boolean array, got {redevelop!r}.',
        )
    if isinstance(redevelop, pd.Series):
        if not redevelop.index.equals(frame.index):
            if not frame.index.isin(redevelop.index).all():
                raise InputError(
                    "redevelop 序列的索引与地块图层不一致。",
                    "The index of the redevelop Series does not cover the parcels' index.",
                )
            redevelop = redevelop.reindex(frame.index)
        values = redevelop.to_numpy(dtype=object)
    else:
        values = np.asarray(redevelop, dtype=object)
    if values.shape != (n,):
        raise InputError(
            f"redevelop 的长度 {values.shape} 与地块数 {n} 不一致。",
            f"redevelop has shape {values.shape}; expected one value per parcel ({n}).",
        )
    not_bool = (
        np.array([not isinstance(v, bool | np.bool_) for v in values], dtype=bool)
        if values.dtype == object
        else np.zeros(n, dtype=bool)
    )
    if not_bool.any():
        raise InputError(
            f"redevelop 中地块 {_describe_rows(frame, not_bool)} 的值不是 True/False。",
            f"redevelop holds non-boolean values for parcels {_describe_rows(frame, not_bool)}.",
        )
    return values.astype(bool)


def _plot_size_correction(std: Standards, area_m2: np.ndarray) -> np.ndarray:
    bands = std.far.plot_size
    edges = np.array([b.min_ha for b in bands])
    corrections = np.array([b.correction for b in bands])
    idx = np.searchsorted(edges, area_m2 / 10_000.0, side="right") - 1
    return corrections[np.clip(idx, 0, len(bands) - 1)]


def rule_capacity(
    parcels: gpd.GeoDataFrame,
    standards: Standards | None = None,
    *,
    rule: RedevelopRule = REDEVELOP_RULE,
    coverage: float | None = None,
    height_cap_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Per-parcel :func:`floor_capacity` under a redevelopment rule (:data:`REDEVELOP_RULE`
    by default).

    Parcels are rebuilt when they are industrial and their status is in ``rule.statuses``,
    they are marked ``highrise`` or they have a ``far_target``; those marked ``highrise``
    are computed with ``rule.highrise_far_mode``, the others with ``rule.far_mode``.
    ``coverage`` and ``height_cap_m`` as in :func:`floor_capacity`, whose columns the result
    has.

    Raises
    ------
    InputError
        Unknown status codes or FAR modes in the rule; errors of :func:`floor_capacity`.
    """
    unknown = [s for s in rule.statuses if s not in STATUS.codes]
    bad_modes = [m for m in (rule.far_mode, rule.highrise_far_mode) if m not in FAR_MODES]
    if unknown or bad_modes:
        raise InputError(
            f"改造规则中的地块状态 {unknown} 或容积率取值 {bad_modes} 无法识别；"
            f"状态可用：{', '.join(STATUS.codes)}，容积率取值可用：{', '.join(FAR_MODES)}。",
            f"The redevelopment rule has unknown statuses {unknown} or FAR modes {bad_modes}; "
            f"statuses: {', '.join(STATUS.codes)}; FAR modes: {', '.join(FAR_MODES)}.",
        )
    std = _standards(standards)
    n = len(parcels)
    highrise = (
        parcels["highrise"].fillna(False).to_numpy(dtype=bool)
        if "highrise" in parcels.columns
        else np.zeros(n, dtype=bool)
    )
    target = (
        pd.to_numeric(parcels["far_target"], errors="coerce").notna().to_numpy()
        if "far_target" in parcels.columns
        else np.zeros(n, dtype=bool)
    )
    rebuild = parcels["status"].isin(rule.statuses).to_numpy() | highrise | target
    options = {"coverage": coverage, "height_cap_m": height_cap_m, "redevelop": rebuild}
    result = floor_capacity(parcels, std, far_mode=rule.far_mode, **options)
    if highrise.any() and rule.highrise_far_mode != rule.far_mode:
        tall = floor_capacity(parcels, std, far_mode=rule.highrise_far_mode, **options)
        for column in (c for c in tall.columns if c not in parcels.columns):
            result[column] = np.where(highrise, tall[column].to_numpy(), result[column].to_numpy())
    return result


def capacity_summary(
    result: pd.DataFrame,
    by: str = "park_id",
    *,
    by_cluster: bool = False,
    standards: Standards | None = None,
) -> pd.DataFrame:
    """Sum a :func:`floor_capacity` result per park (or any other grouping column).

    Only industrial parcels (land use M1/M0/W, status not ``non_industrial``) count, so the
    current GFA and the maximum GFA compare like for like. Parcels with no value in ``by``
    are grouped under :data:`NO_GROUP` (``"(none)"``, 园区外), listed last.

    Parameters
    ----------
    result : DataFrame
        Output of :func:`floor_capacity`.
    by : str
        Grouping column, ``park_id`` by default.
    by_cluster : bool
        False: one row per group with the sums below. True: one row per suitability key
        (index ``key``) with ``label_zh``, then one column per group holding the GFA (m²)
        on floors that suit the key, then :data:`TOTAL` (``"(total)"``) over all groups.
    standards : Standards, optional
        The standards the result was computed with (band and suitability keys, labels);
        bundled by default.

    Returns
    -------
    DataFrame
        Per group (``by_cluster=False``): ``by``, ``n_parcels``, ``n_redeveloped``,
        ``n_over_allowance``, ``area_m2``, ``gfa_current_m2``, ``gfa_max_m2``,
        ``gfa_increment_m2``, every ``gfa_<band>_m2``, ``far_current`` and ``far_max``
        (GFA / area of the group's industrial land).
    """
    needed = [c for c in _RESULT_COLUMNS if c not in result.columns]
    if needed or "land_use" not in result.columns or "status" not in result.columns:
        raise InputError(
            "汇总需要 floor_capacity 的计算结果，请先计算容量。",
            "The summary needs the output of floor_capacity; compute the capacity first.",
        )
    if by not in result.columns:
        raise InputError(f"没有分组字段「{by}」。", f"There is no column '{by}' to group by.")
    industrial = (
        result["land_use"].isin(INDUSTRIAL_LAND_USES) & (result["status"] != "non_industrial")
    ).to_numpy()
    frame = result.loc[industrial]
    keys = frame[by].astype(object).where(frame[by].notna(), NO_GROUP).astype(str)
    groups = sorted(keys.unique(), key=lambda g: (g == NO_GROUP, g))
    std = _standards(standards)
    band_cols = [
        f"gfa_{b.key}_m2" for b in std.highrise.bands if f"gfa_{b.key}_m2" in frame.columns
    ]

    if by_cluster:
        entries = [e for e in std.highrise.suitability if e.column in frame.columns]
        sums = frame[[e.column for e in entries]].groupby(keys).sum()
        sums = sums.reindex(groups, fill_value=0.0)
        table = pd.DataFrame(
            sums.to_numpy().T, columns=groups, index=pd.Index([e.key for e in entries], name="key")
        )
        table.insert(0, "label_zh", [e.label_zh or e.key for e in entries])
        table[TOTAL] = table[groups].sum(axis=1)
        return table

    sum_cols = ["area_m2", "gfa_current_m2", "gfa_max_m2", "gfa_increment_m2", *band_cols]
    grouped = frame.assign(
        n_parcels=1,
        n_redeveloped=frame["redeveloped"].astype(int),
        n_over_allowance=frame["over_allowance"].astype(int),
    )[["n_parcels", "n_redeveloped", "n_over_allowance", *sum_cols]].groupby(keys)
    summary = grouped.sum().reindex(groups, fill_value=0)
    summary.index.name = by
    summary = summary.reset_index()
    area = summary["area_m2"].to_numpy(dtype=float)
    for col, src in (("far_current", "gfa_current_m2"), ("far_max", "gfa_max_m2")):
        summary[col] = np.divide(
            summary[src].to_numpy(dtype=float), area, out=np.zeros(len(summary)), where=area > 0
        )
    return summary
