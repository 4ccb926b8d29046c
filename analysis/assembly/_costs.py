"""What it costs to take each parcel into 土地整备, part by part.

The cost of a parcel adds up what stands and works on it::

    cost = w_gfa · gfa_current_m2 / 10⁴        (existing floor space, per 万 m²)
         + w_firm · firms                        (firms on the parcel)
         + w_output · Σ output_10k_cny / 10⁴     (their 产值, per 亿元)
         + w_above · above-scale firms           (规上, on top of w_firm)
         + w_status[status]                      (a base cost by status)

A firm stands on a parcel when its point lies inside the parcel
(:func:`firms_on_parcels`); the same pairs give the firm counts here and the list of firms
a proposal affects on the page. Weights default to :data:`DEFAULT_COST_WEIGHTS`, which are
assumptions for the planners to set; a weight left out counts 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import require_crs
from geo.errors import InputError

__all__ = [
    "COST_PARTS",
    "DEFAULT_COST_WEIGHTS",
    "assembly_cost",
    "assembly_cost_parts",
    "firms_on_parcels",
]

#: Default weights of :func:`assembly_cost` — assumptions, to be set by the planners:
#: per 万 m² of existing floor space, per firm, per 亿元 of annual 产值, extra per 规上 firm,
#: and a base cost per parcel by status (a granted but unbuilt parcel still has a holder).
DEFAULT_COST_WEIGHTS: Mapping[str, float] = {
    "per_10k_m2_gfa": 1.0,
    "per_firm": 2.0,
    "per_100m_cny_output": 1.0,
    "per_above_scale_firm": 3.0,
    "status:built": 1.0,
    "status:granted_unbuilt": 2.0,
}
#: Cost columns of :func:`assembly_cost_parts`, in the order of the formula; ``cost`` is
#: their sum.
COST_PARTS: tuple[str, ...] = (
    "cost_gfa",
    "cost_firms",
    "cost_output",
    "cost_above_scale",
    "cost_status",
)


def firms_on_parcels(parcels: gpd.GeoDataFrame, enterprises: gpd.GeoDataFrame) -> pd.DataFrame:
    """Which firm stands on which parcel: its point lies inside the parcel.

    Returns
    -------
    DataFrame
        Integer columns ``firm`` (position in ``enterprises``) and ``parcel`` (position in
        ``parcels``), one row per pair, ordered by firm; a firm on no parcel has no row.
    """
    require_crs(enterprises, "企业图层 enterprises")
    points = np.asarray(enterprises.to_crs(parcels.crs).geometry.array)
    tree = shapely.STRtree(np.asarray(parcels.geometry.array))
    firm, parcel = tree.query(points, predicate="within")
    order = np.lexsort((parcel, firm))
    return pd.DataFrame({"firm": firm[order], "parcel": parcel[order]}, dtype=np.int64)


def assembly_cost_parts(
    parcels: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame | None = None,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """What stands and works on each parcel, and what each part adds to its cost.

    Returns
    -------
    DataFrame
        Indexed like ``parcels``: the quantities ``gfa_current_m2`` (m²), ``firms``,
        ``output_100m_cny`` (产值, 亿元) and ``above_scale_firms``; the cost parts
        :data:`COST_PARTS` (each its weight times its quantity, ``cost_status`` the base
        cost of the parcel's status); and ``cost``, their sum (≥ 0).
    """
    w = _checked(weights)
    n = len(parcels)
    gfa = pd.Series(parcels.get("gfa_current_m2", 0.0), index=parcels.index)
    gfa = pd.to_numeric(gfa, errors="coerce")
    gfa = np.nan_to_num(gfa.to_numpy(dtype=float), nan=0.0)
    status_cost = np.zeros(n)
    if "status" in parcels.columns:
        status = parcels["status"].astype(object).to_numpy()
        for key, value in w.items():
            if key.startswith("status:"):
                status_cost += np.where(status == key.split(":", 1)[1], value, 0.0)
    firms, output, above = np.zeros(n), np.zeros(n), np.zeros(n)
    if enterprises is not None and len(enterprises):
        pairs = firms_on_parcels(parcels, enterprises)
        firm, parcel = pairs["firm"].to_numpy(), pairs["parcel"].to_numpy()
        value = pd.to_numeric(pd.Series(enterprises.get("output_10k_cny", 0.0)), errors="coerce")
        value = np.nan_to_num(np.broadcast_to(value.to_numpy(dtype=float), len(enterprises)))
        big = np.broadcast_to(
            np.asarray(enterprises.get("is_above_scale", False), bool), value.shape
        )
        firms = np.bincount(parcel, minlength=n).astype(float)
        output = np.bincount(parcel, value[firm] / 1e4, minlength=n)
        above = np.bincount(parcel, big[firm].astype(float), minlength=n)
    table = pd.DataFrame(
        {
            "gfa_current_m2": gfa,
            "firms": firms.astype(np.int64),
            "output_100m_cny": output,
            "above_scale_firms": above.astype(np.int64),
            "cost_gfa": w.get("per_10k_m2_gfa", 0.0) * gfa / 1e4,
            "cost_firms": w.get("per_firm", 0.0) * firms,
            "cost_output": w.get("per_100m_cny_output", 0.0) * output,
            "cost_above_scale": w.get("per_above_scale_firm", 0.0) * above,
            "cost_status": status_cost,
        },
        index=parcels.index,
    )
    table["cost"] = table[list(COST_PARTS)].sum(axis=1)
    return table


def assembly_cost(
    parcels: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame | None = None,
    weights: Mapping[str, float] | None = None,
) -> pd.Series:
    """Cost of taking each parcel into 土地整备 (the formula in the module notes; its parts
    in :func:`assembly_cost_parts`).

    Returns
    -------
    Series
        Indexed like ``parcels``, float, ≥ 0, named ``cost``.
    """
    return assembly_cost_parts(parcels, enterprises, weights)["cost"].rename("cost")


def _checked(weights: Mapping[str, float] | None) -> dict[str, float]:
    """The weights (the defaults when None); every one must be a finite number ≥ 0."""
    w = dict(DEFAULT_COST_WEIGHTS if weights is None else weights)
    bad = [
        k for k, v in w.items() if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0)
    ]
    if bad:
        raise InputError(
            f"整备成本权重应为不小于 0 的数：{bad}。",
            f"Assembly cost weights must be numbers ≥ 0: {bad}.",
        )
    return w
