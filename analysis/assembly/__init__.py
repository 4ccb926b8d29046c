"""整备建议 (land assembly): which parcels to take into 土地整备 so that land joins into one
contiguous block of at least a target area, at the least cost.

The problem
-----------
Parcels are joined by the contiguity rule of :func:`analysis.contiguity.contiguous_blocks`
(a gap of at most ``tolerance_m`` that no barrier cuts; :func:`analysis.contiguity.
parcel_links`). *Free* parcels (by default 低效 / 储备 / 可供应) cost nothing; others can be
assembled at a cost (existing floor space, firms and their 产值 …, see
:func:`assembly_cost`, part by part in :func:`assembly_cost_parts`); *excluded* parcels
(在建, 非工业 by default, and anything outside ``within``) can never be taken. The answer is a set ``added`` of non-free parcels such that
one connected block of free ∪ added parcels reaches ``target_ha``, with the least total
cost.

Free parcels that touch each other are contracted first into one node (their block, at
no cost), so the graph the solvers see has one node per free block and one per costly
parcel (:mod:`analysis.assembly._graph`). A block lies inside one connected component of
that graph; components too small for the target are dropped, and when none is left the
target is unreachable: the error names the largest reachable area, how many separate
groups the allowed land forms, and the largest block even excluded land would give — so
the planner sees whether gaps and barriers or the excluded statuses are the limit. A
chosen set of nodes is connected; every free block next to it joins the real block as well
(it only adds area), so the reported block is the connected component of free ∪ added that
holds the chosen nodes.

Exact where it can be: a single-commodity-flow MILP, solved part by part and root case by
root case (each free block as the root, or none) with HiGHS (``highspy``; the best cost so
far as its objective cut-off, :mod:`analysis.assembly._highs`), after dropping parts, cases
and nodes that cannot beat the heuristic's cost and tightening the LP with node-separator
and area-cover cuts (:mod:`analysis.assembly._exact`); ``gap`` is ``(cost − lower bound) /
cost``, 0 when proven minimal. Fast where it must be: grow along
the cheapest joins (shortest paths over parcel costs), then prune
(:mod:`analysis.assembly._heuristic`); it is also the exact model's incumbent and its
fallback when the time limit ends it. ``method="auto"`` solves exactly when the parts
that can hold the block have at most :data:`EXACT_MAX_NODES` nodes in all.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis._params import code_param, number_param
from analysis.assembly._costs import (
    COST_PARTS,
    DEFAULT_COST_WEIGHTS,
    assembly_cost,
    assembly_cost_parts,
    firms_on_parcels,
)
from analysis.assembly._exact import exact as _solve_exact
from analysis.assembly._graph import Graph, component_of, contract, feasible_parts, largest_part_m2
from analysis.assembly._heuristic import heuristic as _grow_and_prune
from analysis.contiguity import TOLERANCE_M, parcel_links
from geo.crs import require_crs
from geo.errors import InputError
from layers.schema import STATUS

__all__ = [
    "COST_PARTS",
    "DEFAULT_COST_WEIGHTS",
    "DEFAULT_EXCLUDED_STATUSES",
    "DEFAULT_FREE_STATUSES",
    "EXACT_MAX_NODES",
    "TRUNK_ROAD_WIDTH_M",
    "Assembly",
    "across_trunk_roads",
    "assemble_block",
    "assembly_cost",
    "assembly_cost_parts",
    "firms_on_parcels",
    "largest_reachable_ha",
]

DEFAULT_FREE_STATUSES: tuple[str, ...] = ("low_efficiency", "reserve", "available")
DEFAULT_EXCLUDED_STATUSES: tuple[str, ...] = ("under_construction", "non_industrial")
#: ``method="auto"`` solves exactly up to this many graph nodes, and heuristically above.
EXACT_MAX_NODES = 1500
#: Widest trunk road, metres: the gap tolerance when assembling across trunk roads. An
#: assumption taken from the base data's road grid (主干道 40–60 m between red lines); no
#: standard is cited. Junctions and slip-road corners are wider, but a parcel facing a
#: junction faces a straight road stretch as well.
TRUNK_ROAD_WIDTH_M = 60.0
_M2_PER_HA = 10_000.0


@dataclass(frozen=True)
class Assembly:
    """A proposed block.

    Attributes
    ----------
    parcel_ids : tuple of str
        Every parcel of the block (free and added), sorted.
    added : tuple of str
        The parcels to assemble (not free today), sorted.
    area_ha : float
        Area of the whole block, hectares.
    cost : float
        Total cost of the added parcels, in the units of ``cost``.
    optimal : bool
        True when the exact model proved the cost minimal.
    gap : float
        Relative optimality gap (0 when optimal; ``nan`` for the heuristic alone).
    method : str
        ``"exact"`` or ``"heuristic"``.
    seconds : float
        Time spent solving.
    """

    parcel_ids: tuple[str, ...]
    added: tuple[str, ...]
    area_ha: float
    cost: float
    optimal: bool
    gap: float
    method: str
    seconds: float


# --------------------------------------------------------------------------- public


def across_trunk_roads(
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None,
) -> tuple[float, gpd.GeoDataFrame | gpd.GeoSeries | None]:
    """The contiguity parameters of 土地整备 that takes in the roads inside a block.

    A km-scale assembly is crossed by urban roads, so trunk roads stop being barriers and the
    gap tolerance becomes the widest trunk road (:data:`TRUNK_ROAD_WIDTH_M`); water and the
    ecological control line stay barriers. The rule itself is unchanged
    (:func:`analysis.contiguity.parcel_links`); only its parameters are.

    Returns
    -------
    (tolerance_m, barriers)
        The tolerance in metres and the barriers without the ``trunk_road`` rows (a layer
        without a ``kind`` column is returned as it is).
    """
    if barriers is None or "kind" not in getattr(barriers, "columns", ()):
        return TRUNK_ROAD_WIDTH_M, barriers
    return TRUNK_ROAD_WIDTH_M, barriers[barriers["kind"].astype(object) != "trunk_road"]


def largest_reachable_ha(
    parcels: gpd.GeoDataFrame,
    *,
    excluded_statuses: Iterable[str] = DEFAULT_EXCLUDED_STATUSES,
    tolerance_m: float = TOLERANCE_M,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    within: shapely.Geometry | gpd.GeoSeries | gpd.GeoDataFrame | None = None,
) -> float:
    """Area of the largest block any assembly can form under the given rule, hectares:
    the largest connected set of allowed parcels (the limit :func:`assemble_block` reports
    when a target is out of reach)."""
    excluded_codes = code_param(
        excluded_statuses, STATUS, "excluded_statuses", "不纳入的地块状态", allow_empty=True
    )
    i, j, area_m2 = parcel_links(parcels, tolerance_m=tolerance_m, barriers=barriers)
    status = parcels["status"].astype(object).to_numpy()
    allowed = ~np.isin(status, excluded_codes) & _inside(parcels, within)
    n = len(parcels)
    graph = contract(n, i, j, area_m2, np.zeros(n), np.zeros(n, dtype=bool), allowed)
    return largest_part_m2(graph)[0] / _M2_PER_HA


def assemble_block(
    parcels: gpd.GeoDataFrame,
    *,
    target_ha: float,
    cost: pd.Series | str,
    free_statuses: Iterable[str] = DEFAULT_FREE_STATUSES,
    excluded_statuses: Iterable[str] = DEFAULT_EXCLUDED_STATUSES,
    tolerance_m: float = TOLERANCE_M,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    within: shapely.Geometry | gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    method: Literal["auto", "exact", "heuristic"] = "auto",
    time_limit_s: float = 10.0,
) -> Assembly:
    """The cheapest set of parcels to assemble into one block of at least ``target_ha``.

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels with ``parcel_id`` and ``status`` (any CRS); ``area_m2`` used when present.
    target_ha : float
        Smallest block area wanted, hectares (> 0).
    cost : Series or str
        Cost of assembling each parcel (aligned with ``parcels``), or the name of a column;
        finite and ≥ 0. Free parcels cost 0 whatever is given.
    free_statuses, excluded_statuses : iterable of str
        Status codes (or labels) of land that is free today, and of land never taken.
    tolerance_m, barriers
        The contiguity rule, as in :func:`analysis.contiguity.contiguous_blocks`.
    within : polygon, optional
        Only parcels whose representative point lies inside it take part (e.g. a park);
        given in the parcels' CRS when a bare geometry, else reprojected.
    method : {"auto", "exact", "heuristic"}
        ``auto`` solves exactly when the parts of the graph that can hold the block have at
        most :data:`EXACT_MAX_NODES` nodes in all, else by the heuristic alone.
    time_limit_s : float
        Time limit of the whole call with the exact solver (the heuristic's time counts),
        seconds; when it ends the search, ``gap`` says how far from proven the cost is.

    Returns
    -------
    Assembly

    Raises
    ------
    InputError
        Bad parameters or costs; no allowed set reaches the target (the message names the
        largest reachable area).
    """
    started = time.perf_counter()
    target_ha = number_param(target_ha, "target_ha", "目标面积", strict=True)
    time_limit_s = number_param(time_limit_s, "time_limit_s", "求解时限", strict=True)
    if method not in ("auto", "exact", "heuristic"):
        raise InputError(
            f"求解方法「{method}」无效，可选 auto、exact、heuristic。",
            f"Unknown method '{method}'; use auto, exact or heuristic.",
        )
    free_codes = code_param(
        free_statuses, STATUS, "free_statuses", "无需成本的地块状态", allow_empty=True
    )
    excluded_codes = code_param(
        excluded_statuses, STATUS, "excluded_statuses", "不纳入的地块状态", allow_empty=True
    )
    i, j, area_m2 = parcel_links(parcels, tolerance_m=tolerance_m, barriers=barriers)
    costs = _costs(parcels, cost)
    status = parcels["status"].astype(object).to_numpy()
    free = np.isin(status, free_codes)
    allowed = ~np.isin(status, excluded_codes) & _inside(parcels, within)
    graph = contract(len(parcels), i, j, area_m2, costs, free, allowed)
    target_m2 = target_ha * _M2_PER_HA
    parts = feasible_parts(graph, target_m2)
    if not parts:
        everything = contract(len(parcels), i, j, area_m2, costs, free, _inside(parcels, within))
        raise _unreachable(graph, everything, target_ha, tolerance_m, len(excluded_codes) > 0)

    size = sum(len(p) for p in parts)
    solve_exactly = method == "exact" or (method == "auto" and size <= EXACT_MAX_NODES)
    chosen = _grow_and_prune(graph, target_m2)
    optimal, gap, used = False, math.nan, "heuristic"
    if solve_exactly:
        left = time_limit_s - (time.perf_counter() - started)
        outcome = _solve_exact(graph, target_m2, max(left, 0.0), chosen)
        if outcome.chosen is not None:
            improved = chosen is None or outcome.cost < graph.cost[chosen].sum() - 1e-9
            chosen = outcome.chosen
            gap = max(outcome.cost - outcome.bound, 0.0) / max(outcome.cost, 1e-12)
            optimal = gap <= 1e-9
            gap = 0.0 if optimal else gap
            used = "exact" if optimal or improved else "heuristic"
    if chosen is None:  # only when the heuristic failed and the solver found nothing in time
        raise InputError(
            "在求解时限内没有找到可行的整备方案，请延长时限或缩小范围。",
            "No feasible assembly was found within the time limit; allow more time or "
            "search a smaller area.",
        )
    return _assembly(parcels, graph, chosen, area_m2, costs, free, used, optimal, gap, started)


def _assembly(parcels, graph, chosen, area_m2, costs, free, used, optimal, gap, started):
    """The block (chosen nodes and every free block joined to them) as an :class:`Assembly`."""
    block_nodes = component_of(graph, chosen, int(np.flatnonzero(chosen)[0]))
    positions = np.concatenate([graph.members[v] for v in block_nodes])
    ids = parcels["parcel_id"].astype(str).to_numpy(dtype=object)
    added = positions[~free[positions]]
    return Assembly(
        parcel_ids=tuple(sorted(ids[positions])),
        added=tuple(sorted(ids[added])),
        area_ha=float(area_m2[positions].sum() / _M2_PER_HA),
        cost=float(costs[added].sum()),
        optimal=bool(optimal),
        gap=float(gap),
        method=used,
        seconds=time.perf_counter() - started,
    )


def _unreachable(
    graph: Graph, everything: Graph, target_ha: float, tolerance_m: float, has_excluded: bool
) -> InputError:
    """The error for a target no allowed set reaches: the largest reachable area and why."""
    largest_m2, groups = largest_part_m2(graph)
    largest, all_ha = largest_m2 / _M2_PER_HA, largest_part_m2(everything)[0] / _M2_PER_HA
    zh = (
        f"在允许的地块中最多只能连成 {largest:,.1f} 公顷，达不到目标 {target_ha:,.1f} 公顷："
        f"允许的地块分成 {groups} 个互不相连的片，片与片之间的间隙大于 {tolerance_m:g} 米或被"
        "屏障（主干道、水系、生态控制线）隔开"
    )
    en = (
        f"The allowed parcels join into at most {largest:,.1f} ha, short of the "
        f"{target_ha:,.1f} ha target: they fall into {groups} separate groups, apart by gaps "
        f"wider than {tolerance_m:g} m or by barriers (trunk roads, water, the ecological "
        "control line)"
    )
    if has_excluded:
        zh += f"；即使纳入不可整备状态的地块，最大也只有 {all_ha:,.1f} 公顷"
        en += f"; even with the excluded statuses the largest block would be {all_ha:,.1f} ha"
    return InputError(
        zh + "。请降低目标、扩大范围或允许更多地块状态。",
        en + ". Lower the target, widen the area or allow more statuses.",
    )


def _costs(parcels: gpd.GeoDataFrame, cost: pd.Series | str) -> np.ndarray:
    if isinstance(cost, str):
        if cost not in parcels.columns:
            raise InputError(
                f"地块图层没有成本字段「{cost}」。",
                f"The parcel layer has no cost column '{cost}'.",
            )
        cost = parcels[cost]
    if not isinstance(cost, pd.Series) or not cost.index.equals(parcels.index):
        raise InputError(
            "整备成本应为与地块图层同索引的序列（或字段名）。",
            "The cost must be a Series indexed like the parcels (or a column name).",
        )
    values = pd.to_numeric(cost, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if len(bad):
        shown = ", ".join(str(r + 1) for r in bad[:10])
        raise InputError(
            f"整备成本应为不小于 0 的有限数值，第 {shown} 行不是。",
            f"Costs must be finite numbers ≥ 0; rows {shown} are not.",
        )
    return values


def _inside(parcels: gpd.GeoDataFrame, within) -> np.ndarray:
    if within is None:
        return np.ones(len(parcels), dtype=bool)
    if isinstance(within, gpd.GeoDataFrame | gpd.GeoSeries):
        require_crs(within, "范围 within")
        area = shapely.union_all(np.asarray(within.to_crs(parcels.crs).geometry.array))
    else:
        area = within
    points = shapely.point_on_surface(np.asarray(parcels.geometry.array))
    return shapely.contains(area, points)
