"""情景指标: the few numbers a scenario is judged by, computed the same way for every scenario.

:func:`scenario_indicators` runs the three analyses on one :class:`~layers.catalog.LayerSet`
(the baseline, or a scenario applied with :func:`layers.scenario.apply`) with fixed rules,
and :func:`compare_indicators` lines two results up. The rules:

**Contiguity (连片)** — :func:`analysis.contiguity.contiguous_blocks` on the industrial
parcels (M1/M0/W), joined within ``tolerance_m`` unless a trunk road, water or eco line
(from ``layers.constraints``) lies between, for two selections:

* ``potential`` (连片潜力): the ``statuses`` that could be assembled — by default
  低效用地, 储备/待整备 and 可供应;
* ``supply`` (可供应连片): the ``supply_statuses`` already released — by default 可供应.
  Releasing a reserve (setting it to 可供应) moves land from the first to the second.

For each, district-wide and per park: area in 平方公里级 blocks (≥ 100 ha) and in blocks of
≥ 10 ha (both in hectares, the second including the first), their counts, the largest
block and the effective mesh size ``m_eff`` (ha). Per park, a block counts in the park
holding most of its area and ``m_eff`` is the cross-boundary form (see the contiguity
module); land outside every park counts in the district figures only.

**Floor capacity (工业上楼)** — :func:`analysis.capacity.rule_capacity` under the app's one
redevelopment rule, :data:`analysis.capacity.REDEVELOP_RULE` (the 工业上楼容量 page uses
it by default too, so the baseline increment is the same on both pages):

* a parcel is built to the template when it is industrial and its status is one of
  ``redevelop_statuses`` (default 低效用地 and 可供应: old land rebuilt, released land
  built), or it is marked ``highrise`` (工业上楼), or it has a ``far_target``;
* ordinary redevelopment builds to the **base** FAR of its land use and density zone
  (``far_mode``); a parcel marked 工业上楼 builds to the zone's **upper limit**
  (``highrise_far_mode``); a ``far_target`` replaces either, capped at the upper limit;
* every other parcel keeps its current GFA.

Under this rule marking low-efficiency land for 工业上楼 raises the capacity (base → upper
FAR), and releasing a reserve adds the released land's floor space. (The capacity page
used to rebuild low-efficiency and 工业上楼 parcels all to the upper limit and not to build
released land; under that rule neither edit would have shown.)

Figures per park (plus ``(none)`` for land outside the parks and ``(district)``): current
GFA, maximum GFA, increment (m²), and the area built to the template (ha). Per cluster:
the new floor space whose floor height, load and position suit the cluster
(``gfa_fit_m2``, from the floor-band template; keys as in ``highrise.yaml``, e.g.
``chip:fab``), and the maximum GFA and increment of parcels whose ``guided_cluster`` is the
cluster.

**Guidance fit (产业导向符合度)** — :func:`analysis.colocation.park_guidance_fit`: per park,
the share of enterprises in the park's guided clusters by count and by 产值; plus, from the
parcels, the area guided to a cluster (``guided_cluster``) and the share of that area whose
cluster the park's guidance lists. Parks missing from the guidance table are left out of
these figures (and their firms counted as outside the parks) rather than stopping every
other indicator.

Every figure is one row of the tidy table :meth:`Indicators.table`: ``indicator`` (a code
of :data:`INDICATORS`), ``park_id`` (``(district)`` for the whole district, ``(none)`` for
land outside the parks), ``cluster`` (``(all)`` where not by cluster), ``value``, ``unit``,
``label_zh``, ``label_en``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis._params import code_param
from analysis.capacity import (
    NO_GROUP,
    REDEVELOP_RULE,
    RedevelopRule,
    capacity_summary,
    rule_capacity,
)
from analysis.colocation import park_guidance_fit
from analysis.contiguity import TOLERANCE_M, contiguous_blocks
from analysis.standards import (
    FAR_MODES,
    ParkGuidance,
    Standards,
    load_standards,
    resolve_park_guidance,
)
from geo.errors import InputError
from layers.schema import INDUSTRIAL_LAND_USES, STATUS

__all__ = [
    "ALL_CLUSTERS",
    "DISPLAY_UNITS",
    "DISTRICT",
    "HEADLINE_INDICATORS",
    "INDICATORS",
    "POTENTIAL_STATUSES",
    "REDEVELOP_STATUSES",
    "SUPPLY_STATUSES",
    "Indicators",
    "compare_indicators",
    "parcel_capacity",
    "scenario_indicators",
]

if TYPE_CHECKING:  # analysis reads a LayerSet's layers but does not depend on the catalog
    from layers.catalog import LayerSet

#: ``park_id`` of district-wide rows.
DISTRICT = "(district)"
#: How each indicator unit is shown (pages and reports alike): unit → (table title zh/en,
#: factor to the unit shown, decimals); floor area in 万 m², land in hectares, counts,
#: shares in per cent.
DISPLAY_UNITS: dict[str, tuple[tuple[str, str], float, int]] = {
    "m²": (("建筑面积（万 m²）", "Floor area (10⁴ m²)"), 1e-4, 1),
    "ha": (("用地面积（公顷）", "Land area (ha)"), 1.0, 1),
    "count": (("数量", "Counts"), 1.0, 0),
    "share": (("比例（%）", "Shares (%)"), 100.0, 1),
}
#: ``cluster`` of rows not broken down by cluster.
ALL_CLUSTERS = "(all)"
#: Statuses of the ``potential`` contiguity selection.
POTENTIAL_STATUSES: tuple[str, ...] = ("low_efficiency", "reserve", "available")
#: Statuses of the ``supply`` contiguity selection (land released for industry).
SUPPLY_STATUSES: tuple[str, ...] = ("available",)
#: Statuses built to the template in the capacity rule (besides 工业上楼 and targets): those
#: of :data:`analysis.capacity.REDEVELOP_RULE`, the rule the capacity page uses too.
REDEVELOP_STATUSES: tuple[str, ...] = REDEVELOP_RULE.statuses

_M2_PER_HA = 10_000.0

_SELECTIONS = {
    "potential": ("连片潜力", "contiguity potential"),
    "supply": ("可供应连片", "released land"),
}
_CONTIGUITY_MEASURES = {
    # measure: (summary key, zh, en, unit)
    "total_area_ha": ("total_area_ha", "所选用地面积", "selected land area", "ha"),
    "km2_area_ha": (
        None,
        "平方公里级连片面积（≥100 公顷）",
        "area in km-scale blocks (≥ 100 ha)",
        "ha",
    ),
    "km2_block_count": ("block_count_km2", "平方公里级连片数", "km-scale blocks", "count"),
    "ge10ha_area_ha": (None, "≥10 公顷连片面积", "area in blocks ≥ 10 ha", "ha"),
    "ge10ha_block_count": (None, "≥10 公顷连片数", "blocks ≥ 10 ha", "count"),
    "largest_block_ha": ("largest_block_area_ha", "最大连片面积", "largest block", "ha"),
    "m_eff_ha": ("m_eff_ha", "有效网格尺寸 m_eff", "effective mesh size m_eff", "ha"),
}
_CAPACITY_MEASURES = {
    "gfa_current_m2": ("现状建筑面积", "current GFA", "m²"),
    "gfa_max_m2": ("容量（最大建筑面积）", "GFA capacity", "m²"),
    "gfa_increment_m2": ("建筑面积增量", "GFA increment", "m²"),
    "redeveloped_area_ha": ("改造/新建用地面积", "land built to the template", "ha"),
}
_CLUSTER_MEASURES = {
    "gfa_fit_m2": ("适合该集群的新增楼面", "new floor space suited to the cluster", "m²"),
    "guided_gfa_max_m2": ("导向该集群地块的容量", "GFA capacity of parcels guided to it", "m²"),
    "guided_gfa_increment_m2": (
        "导向该集群地块的增量",
        "GFA increment of parcels guided to it",
        "m²",
    ),
}
_FIT_MEASURES = {
    "n_enterprises": ("企业数", "enterprises", "count"),
    "fit_share_count": ("导向符合度（按企业数）", "guidance fit by count", "share"),
    "fit_share_output": ("导向符合度（按产值）", "guidance fit by output", "share"),
    "guided_land_ha": ("已定导向集群的用地面积", "land with a guided cluster", "ha"),
    "guided_land_fit_share": ("导向用地符合度（按面积）", "guided land fitting the park", "share"),
}


def _catalogue() -> dict[str, tuple[str, str, str]]:
    table: dict[str, tuple[str, str, str]] = {}
    for sel, (sel_zh, sel_en) in _SELECTIONS.items():
        for measure, (_key, zh, en, unit) in _CONTIGUITY_MEASURES.items():
            table[f"{sel}_{measure}"] = (f"{sel_zh}：{zh}", f"{sel_en}: {en}", unit)
    for group in (_CAPACITY_MEASURES, _CLUSTER_MEASURES, _FIT_MEASURES):
        table.update(group)
    return table


#: Every indicator code → (Chinese label, English label, unit), in display order.
INDICATORS: dict[str, tuple[str, str, str]] = _catalogue()
#: The indicators a comparison leads with.
HEADLINE_INDICATORS: tuple[str, ...] = (
    "supply_km2_area_ha",
    "supply_ge10ha_area_ha",
    "supply_m_eff_ha",
    "potential_km2_area_ha",
    "potential_m_eff_ha",
    "gfa_max_m2",
    "gfa_increment_m2",
    "fit_share_count",
    "fit_share_output",
)


@dataclass(frozen=True)
class Indicators:
    """Indicators of one LayerSet.

    Attributes
    ----------
    contiguity : DataFrame
        One row per (``selection``, ``park_id``): ``selection`` (``potential``/``supply``),
        ``park_id`` (:data:`DISTRICT` first, then the parks), and the measures
        ``total_area_ha``, ``km2_area_ha``, ``km2_block_count``, ``ge10ha_area_ha``,
        ``ge10ha_block_count``, ``largest_block_ha``, ``m_eff_ha``.
    capacity : DataFrame
        One row per ``park_id`` (parks, ``(none)``, :data:`DISTRICT`): ``gfa_current_m2``,
        ``gfa_max_m2``, ``gfa_increment_m2``, ``redeveloped_area_ha``,
        ``n_redeveloped``.
    capacity_by_cluster : DataFrame
        One row per (``cluster``, ``park_id``): ``gfa_fit_m2``, ``guided_gfa_max_m2``,
        ``guided_gfa_increment_m2``. ``cluster`` holds suitability keys (``chip``,
        ``chip:fab``, …); the guided columns are 0 on sub-type keys.
    guidance_fit : DataFrame
        One row per guided park: ``n_enterprises``, ``fit_share_count``,
        ``fit_share_output``, ``guided_land_ha``, ``guided_land_fit_share``.
    parcel_capacity : GeoDataFrame
        The per-parcel capacity under the scenario rule (for maps of what changed).
    settings : dict
        The parameters used, so two results can be checked for comparability.
    """

    contiguity: pd.DataFrame
    capacity: pd.DataFrame
    capacity_by_cluster: pd.DataFrame
    guidance_fit: pd.DataFrame
    parcel_capacity: gpd.GeoDataFrame
    settings: dict = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Every figure as one tidy row: ``indicator``, ``park_id``, ``cluster``, ``value``,
        ``unit``, ``label_zh``, ``label_en`` (order: :data:`INDICATORS`, then park order)."""
        parts = []
        for sel in _SELECTIONS:
            rows = self.contiguity[self.contiguity["selection"] == sel]
            parts.append(_long(rows, list(_CONTIGUITY_MEASURES), prefix=f"{sel}_"))
        parts.append(_long(self.capacity, list(_CAPACITY_MEASURES)))
        parts.append(_long(self.capacity_by_cluster, list(_CLUSTER_MEASURES), by_cluster=True))
        parts.append(_long(self.guidance_fit, list(_FIT_MEASURES)))
        table = pd.concat(parts, ignore_index=True)
        meta = pd.DataFrame.from_dict(
            INDICATORS, orient="index", columns=["label_zh", "label_en", "unit"]
        )
        table = table.join(meta, on="indicator")
        return table[["indicator", "park_id", "cluster", "value", "unit", "label_zh", "label_en"]]


def _long(
    frame: pd.DataFrame, measures: list[str], *, prefix: str = "", by_cluster: bool = False
) -> pd.DataFrame:
    keys = ["park_id", "cluster"] if by_cluster else ["park_id"]
    long = frame.melt(id_vars=keys, value_vars=measures, var_name="indicator", value_name="value")
    if not by_cluster:
        long["cluster"] = ALL_CLUSTERS
    long["indicator"] = prefix + long["indicator"]
    long["value"] = long["value"].astype(float)
    return long[["indicator", "park_id", "cluster", "value"]]


def scenario_indicators(
    layers: LayerSet,
    *,
    standards: Standards | None = None,
    guidance: ParkGuidance | Mapping | str | Path | None = None,
    tolerance_m: float = TOLERANCE_M,
    statuses: Iterable[str] = POTENTIAL_STATUSES,
    supply_statuses: Iterable[str] = SUPPLY_STATUSES,
    redevelop_statuses: Iterable[str] = REDEVELOP_STATUSES,
    far_mode: Literal["base", "upper"] = REDEVELOP_RULE.far_mode,
    highrise_far_mode: Literal["base", "upper"] = REDEVELOP_RULE.highrise_far_mode,
) -> Indicators:
    """Contiguity, floor capacity and guidance fit of a LayerSet, by the fixed rules above.

    Parameters
    ----------
    layers : LayerSet
        Needs ``parcels``; ``constraints`` (barriers), ``parks`` (the rows of the per-park
        tables) and ``enterprises`` (guidance fit) are used when present.
    standards : Standards, optional
        FAR and floor-band standards; the bundled ones by default.
    guidance : ParkGuidance, mapping, path or None
        Park guidance table; the bundled ``park_guidance.yaml`` by default.
    tolerance_m : float
        Largest gap (m) between parcels of one contiguous block.
    statuses : iterable of str
        Statuses of the ``potential`` contiguity selection.
    supply_statuses : iterable of str
        Statuses of the ``supply`` contiguity selection.
    redevelop_statuses : iterable of str
        Statuses built to the template in the capacity rule.
    far_mode, highrise_far_mode : {"base", "upper"}
        FAR built to by ordinary redevelopment and by parcels marked 工业上楼.

    Returns
    -------
    Indicators

    Raises
    ------
    InputError
        No parcel layer; unknown status codes; bad FAR modes; errors of the analyses.
    """
    if getattr(layers, "parcels", None) is None:
        raise InputError(
            "没有地块图层，无法计算情景指标。",
            "No parcel layer: the scenario indicators need parcels.",
        )
    potential = _status_codes(statuses, "statuses")
    supply = _status_codes(supply_statuses, "supply_statuses")
    rebuild = _status_codes(redevelop_statuses, "redevelop_statuses")
    for name, mode in (("far_mode", far_mode), ("highrise_far_mode", highrise_far_mode)):
        if mode not in FAR_MODES:
            raise InputError(
                f"{name} 应为 {' 或 '.join(FAR_MODES)}，实为「{mode}」。",
                f"{name} must be one of {', '.join(FAR_MODES)}, got {mode!r}.",
            )
    std = standards if standards is not None else load_standards()
    guide = resolve_park_guidance(guidance)
    parcels = layers.parcels
    park_ids = (
        [str(p) for p in layers.parks["park_id"]]
        if layers.parks is not None
        else sorted(parcels["park_id"].dropna().astype(str).unique())
    )

    contiguity = pd.concat(
        [
            _contiguity(parcels, layers.constraints, codes, sel, park_ids, tolerance_m)
            for sel, codes in (("potential", potential), ("supply", supply))
        ],
        ignore_index=True,
    )
    result = parcel_capacity(
        parcels,
        std,
        redevelop_statuses=rebuild,
        far_mode=far_mode,
        highrise_far_mode=highrise_far_mode,
    )
    capacity = _capacity(result, park_ids, std)
    by_cluster = _capacity_by_cluster(result, park_ids, std)
    fit = _guidance_fit(layers, parcels, guide, park_ids)
    settings = {
        "tolerance_m": float(tolerance_m),
        "statuses": potential,
        "supply_statuses": supply,
        "redevelop_statuses": rebuild,
        "far_mode": far_mode,
        "highrise_far_mode": highrise_far_mode,
    }
    return Indicators(contiguity, capacity, by_cluster, fit, result, settings)


def _status_codes(statuses: Iterable[str], name: str) -> tuple[str, ...]:
    return tuple(
        code_param(statuses, STATUS, name, "地块状态", allow_empty=True, in_code_order=False)
    )


# --- contiguity ---------------------------------------------------------------------------


def _contiguity(
    parcels: gpd.GeoDataFrame,
    constraints: gpd.GeoDataFrame | None,
    codes: tuple[str, ...],
    selection: str,
    park_ids: list[str],
    tolerance_m: float,
) -> pd.DataFrame:
    if codes:
        summary = contiguous_blocks(
            parcels, tolerance_m=tolerance_m, statuses=codes, barriers=constraints
        ).summary
    else:
        summary = {"by_park": {}}
    rows = [{"selection": selection, "park_id": DISTRICT, **_contiguity_figures(summary)}]
    for park in park_ids:
        figures = _contiguity_figures(summary["by_park"].get(park, {}))
        rows.append({"selection": selection, "park_id": park, **figures})
    return pd.DataFrame(rows)


def _contiguity_figures(summary: Mapping) -> dict[str, float]:
    get = lambda key: float(summary.get(key) or 0.0)  # noqa: E731 — absent park: zeros
    return {
        "total_area_ha": get("total_area_ha"),
        "km2_area_ha": get("km2_area_ha"),
        "km2_block_count": get("block_count_km2"),
        "ge10ha_area_ha": get("km2_area_ha") + get("large_area_ha"),
        "ge10ha_block_count": get("block_count_km2") + get("block_count_large"),
        "largest_block_ha": get("largest_block_area_ha"),
        "m_eff_ha": get("m_eff_ha"),
    }


# --- capacity -----------------------------------------------------------------------------


def parcel_capacity(
    parcels: gpd.GeoDataFrame,
    standards: Standards | None = None,
    *,
    redevelop_statuses: Iterable[str] = REDEVELOP_STATUSES,
    far_mode: Literal["base", "upper"] = REDEVELOP_RULE.far_mode,
    highrise_far_mode: Literal["base", "upper"] = REDEVELOP_RULE.highrise_far_mode,
) -> gpd.GeoDataFrame:
    """Per-parcel capacity under the scenario rule: :func:`analysis.capacity.rule_capacity`
    with :data:`~analysis.capacity.REDEVELOP_RULE`, or the rule these arguments make.

    Parcels are rebuilt when their status is in ``redevelop_statuses``, they are marked
    ``highrise`` or they have a ``far_target``; those marked ``highrise`` are computed with
    ``highrise_far_mode``, the others with ``far_mode``. Columns as ``floor_capacity``.
    """
    rule = RedevelopRule(
        statuses=_status_codes(redevelop_statuses, "redevelop_statuses"),
        far_mode=far_mode,
        highrise_far_mode=highrise_far_mode,
    )
    return rule_capacity(parcels, standards, rule=rule)


def _capacity(result: gpd.GeoDataFrame, park_ids: list[str], std: Standards) -> pd.DataFrame:
    summary = capacity_summary(result, standards=std).set_index("park_id")
    area = result["area_m2"].where(result["redeveloped"].astype(bool), 0.0)
    industrial = _industrial(result)
    park = _park_key(result)
    redeveloped_ha = area[industrial].groupby(park[industrial]).sum() / _M2_PER_HA
    groups = [*park_ids, NO_GROUP]
    table = pd.DataFrame(index=pd.Index(groups, name="park_id"))
    for column in ("gfa_current_m2", "gfa_max_m2", "gfa_increment_m2", "n_redeveloped"):
        table[column] = (
            summary[column].reindex(groups, fill_value=0).astype(float)
            if column in summary.columns
            else 0.0
        )
    table["redeveloped_area_ha"] = redeveloped_ha.reindex(groups, fill_value=0.0)
    table.loc[DISTRICT] = table.sum()
    return table.reset_index()[
        [
            "park_id",
            "gfa_current_m2",
            "gfa_max_m2",
            "gfa_increment_m2",
            "redeveloped_area_ha",
            "n_redeveloped",
        ]
    ]


def _industrial(result: pd.DataFrame) -> pd.Series:
    return result["land_use"].isin(INDUSTRIAL_LAND_USES) & (result["status"] != "non_industrial")


def _park_key(result: pd.DataFrame) -> pd.Series:
    park = result["park_id"] if "park_id" in result.columns else pd.Series(None, index=result.index)
    return park.astype(object).where(park.notna(), NO_GROUP).astype(str)


def _capacity_by_cluster(
    result: gpd.GeoDataFrame, park_ids: list[str], std: Standards
) -> pd.DataFrame:
    groups = [*park_ids, NO_GROUP]
    frame = result.loc[_industrial(result)]
    park = _park_key(frame)
    entries = [e for e in std.highrise.suitability if e.column in frame.columns]
    keys = [e.key for e in entries]
    # groups × keys tables, then the district row, then one long table.
    fit = frame[[e.column for e in entries]].groupby(park).sum()
    fit = fit.reindex(groups, fill_value=0.0).to_numpy(dtype=float)
    guided = (
        frame["guided_cluster"].astype(object)
        if "guided_cluster" in frame.columns
        else pd.Series(None, index=frame.index, dtype=object)
    )
    has = guided.notna()

    def by_guided(column: str) -> np.ndarray:
        sums = frame.loc[has, column].groupby([park[has], guided[has]]).sum()
        table = sums.unstack(fill_value=0.0) if len(sums) else pd.DataFrame()
        # Sub-type keys (chip:fab) never match a guided cluster code and stay 0.
        return table.reindex(index=groups, columns=keys, fill_value=0.0).to_numpy(dtype=float)

    values = {
        "gfa_fit_m2": fit,
        "guided_gfa_max_m2": by_guided("gfa_max_m2"),
        "guided_gfa_increment_m2": by_guided("gfa_increment_m2"),
    }
    rows = [*groups, DISTRICT]
    return pd.DataFrame(
        {
            "cluster": np.repeat(np.asarray(keys, dtype=object), len(rows)),
            "park_id": np.tile(np.asarray(rows, dtype=object), len(keys)),
            **{
                name: np.vstack([table, table.sum(axis=0)]).T.ravel()
                for name, table in values.items()
            },
        }
    )


# --- guidance fit -------------------------------------------------------------------------


def _guidance_fit(
    layers: LayerSet, parcels: gpd.GeoDataFrame, guide: ParkGuidance, park_ids: list[str]
) -> pd.DataFrame:
    guided_parks = [p for p in park_ids if p in guide.parks]
    table = pd.DataFrame({"park_id": guided_parks})
    if layers.enterprises is not None and len(layers.enterprises) and guided_parks:
        firms = layers.enterprises
        parks = layers.parks
        if parks is not None:
            parks = parks[parks["park_id"].astype(str).isin(guided_parks)]
        if "park_id" in firms.columns:
            # Firms of parks the guidance table lacks count as outside the guided parks.
            firms = firms.assign(
                park_id=firms["park_id"].where(
                    firms["park_id"].astype(str).isin(guided_parks), None
                )
            )
        fit = park_guidance_fit(firms, parks, guide).set_index("park_id")
        table["n_enterprises"] = fit["n_enterprises"].reindex(guided_parks).to_numpy(float)
        table["fit_share_count"] = fit["fit_share_count"].reindex(guided_parks).to_numpy()
        table["fit_share_output"] = fit["fit_share_output"].reindex(guided_parks).to_numpy()
    else:
        table["n_enterprises"] = 0.0
        table["fit_share_count"] = np.nan
        table["fit_share_output"] = np.nan

    cluster = (
        parcels["guided_cluster"].astype(object)
        if "guided_cluster" in parcels.columns
        else pd.Series(None, index=parcels.index, dtype=object)
    )
    has = cluster.notna().to_numpy()
    area = (
        pd.to_numeric(parcels["area_m2"], errors="coerce").fillna(0.0).to_numpy()
        if "area_m2" in parcels.columns
        else np.zeros(len(parcels))
    )
    park = (
        parcels["park_id"].astype(object).to_numpy()
        if "park_id" in parcels.columns
        else np.full(len(parcels), None, dtype=object)
    )
    land, share = [], []
    for park_id in guided_parks:
        mine = has & (park == park_id)
        fits = mine & cluster.isin(guide.guided(park_id)).to_numpy()
        total = float(area[mine].sum())
        land.append(total / _M2_PER_HA)
        share.append(float(area[fits].sum()) / total if total > 0 else np.nan)
    table["guided_land_ha"] = land
    table["guided_land_fit_share"] = share
    return table


# --- comparison ---------------------------------------------------------------------------


def compare_indicators(a: Indicators, b: Indicators) -> pd.DataFrame:
    """Two sets of indicators side by side, one tidy row per figure.

    Parameters
    ----------
    a, b : Indicators
        Typically the baseline (or a reference scenario) and the scenario judged.

    Returns
    -------
    DataFrame
        ``indicator``, ``park_id``, ``cluster``, ``label_zh``, ``label_en``, ``unit``,
        ``value_a``, ``value_b``, ``difference`` (b − a) and ``relative_change``
        (difference / |a|; NaN where a is 0 or missing). A figure present in one set only
        (a park missing from the other) has NaN on the other side.

    Raises
    ------
    InputError
        When the two were computed with different settings (tolerance, statuses, FAR
        modes): their figures would not compare.
    """
    if a.settings != b.settings:
        raise InputError(
            "两组指标的计算参数不同（容差、地块状态或容积率规则），不能直接比较。请用相同参数重新计算。",
            "The two sets of indicators were computed with different settings (tolerance, "
            "statuses or FAR rules) and do not compare; compute them with the same settings.",
        )
    keys = ["indicator", "park_id", "cluster"]
    left = a.table().rename(columns={"value": "value_a"})
    right = b.table().rename(columns={"value": "value_b"})
    merged = left.merge(right[[*keys, "value_b"]], on=keys, how="outer", sort=False)
    missing = merged["label_zh"].isna()
    if missing.any():
        meta = pd.DataFrame.from_dict(
            INDICATORS, orient="index", columns=["label_zh", "label_en", "unit"]
        )
        fill = meta.reindex(merged.loc[missing, "indicator"]).to_numpy()
        merged.loc[missing, ["label_zh", "label_en", "unit"]] = fill
    merged["difference"] = merged["value_b"] - merged["value_a"]
    base = merged["value_a"].abs()
    merged["relative_change"] = merged["difference"] / base.where(base > 0)
    order = {code: i for i, code in enumerate(INDICATORS)}
    merged["_order"] = merged["indicator"].map(order)
    merged = merged.sort_values("_order", kind="stable").drop(columns="_order")
    return merged[
        [
            *keys,
            "label_zh",
            "label_en",
            "unit",
            "value_a",
            "value_b",
            "difference",
            "relative_change",
        ]
    ].reset_index(drop=True)
