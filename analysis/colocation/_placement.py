"""Where clusters sit: location quotients per park, the fit of each park to its planned
clusters, and how many firms of an anchor's own cluster and supply chain lie near it.

Firms are given the park that contains them by the one park rule (:mod:`layers.zoning`)
when they carry no ``park_id``; distances for anchor proximity are measured in EPSG:4547.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from analysis.colocation._common import (
    _category_order,
    _labels,
    _point_xy_m,
    _require_columns,
    _require_frame,
)
from analysis.standards import ParkGuidance, resolve_park_guidance
from geo.errors import InputError
from geo.values import is_blank
from layers.schema import CLUSTER
from layers.zoning import assign_parks

__all__ = ["anchor_proximity", "location_quotients", "park_guidance_fit"]

# --------------------------------------------------------------------------------------
# Location quotients and guidance fit
# --------------------------------------------------------------------------------------


def _weights(df: pd.DataFrame, weight: str | None, what: str) -> np.ndarray:
    if weight is None:
        return np.ones(len(df))
    _require_columns(df, [weight], what)
    values = pd.to_numeric(df[weight], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if len(bad):
        rows = ", ".join(str(p + 1) for p in bad[:10])
        raise InputError(
            f"{what}第 {rows} 行的「{weight}」不是非负数值，请修正。",
            f"{what} rows {rows} have a missing, non-numeric or negative '{weight}'; fix them.",
        )
    return values


def _firm_parks(enterprises: pd.DataFrame, parks: gpd.GeoDataFrame | None, what: str) -> np.ndarray:
    """Park id of each firm (None outside every park): its ``park_id`` when the column
    exists, else found by location with the one park rule (:func:`layers.zoning.assign_parks`)."""
    if "park_id" in enterprises.columns:
        values = enterprises["park_id"].to_numpy(dtype=object)
        return np.array([None if is_blank(v) else v for v in values], dtype=object)
    if parks is None:
        raise InputError(
            "企业图层没有 park_id 字段，需提供园区图层以按位置判断所属园区。",
            "The enterprises have no park_id column; supply the parks layer so their "
            "park can be found by location.",
        )
    ent = _require_frame(enterprises, what)
    return np.array([None if is_blank(v) else v for v in assign_parks(ent, parks)], dtype=object)


def location_quotients(
    enterprises: pd.DataFrame,
    by: str = "park_id",
    weight: str | None = None,
    *,
    category_col: str = "cluster",
) -> pd.DataFrame:
    """Location quotient of each cluster in each park against the whole district.

    ``LQ_{c,p} = (e_{c,p} / e_p) / (E_c / E)``, where e counts enterprises (or sums
    ``weight``, e.g. 产值 ``output_10k_cny``) in park p and E over every row given — the
    district, including enterprises outside any park (``by`` empty). LQ > 1: the cluster
    is more concentrated in the park than in the district.

    Parameters
    ----------
    enterprises : DataFrame or GeoDataFrame
        With ``category_col`` and ``by`` columns.
    by : str, default "park_id"
        Grouping column; rows where it is empty count in the district totals only.
    weight : str, optional
        Non-negative column to weight by (e.g. ``"output_10k_cny"``); None counts firms.
    category_col : str, default "cluster"

    Returns
    -------
    DataFrame
        Wide: one row per park (index named ``by``, in order of appearance), one column
        per cluster present in the district (schema order). NaN where a park has no
        enterprises (or zero total weight). For a tidy table use ``.stack()``.
    """
    what = "企业图层 enterprises "
    _require_columns(enterprises, [category_col, by], what)
    labels = _labels(enterprises, category_col, what)
    w = _weights(enterprises, weight, what)
    order = _category_order(labels)
    frame = pd.DataFrame(
        {
            by: enterprises[by].to_numpy(),
            "category": pd.Categorical(labels, categories=order),
            "w": w,
        }
    )
    district = frame.groupby("category", observed=False)["w"].sum()
    total = district.sum()
    parks = frame.dropna(subset=[by])
    park_order = list(dict.fromkeys(parks[by]))
    table = parks.pivot_table(
        index=by, columns="category", values="w", aggfunc="sum", fill_value=0.0, observed=False
    )
    table = table.reindex(index=park_order, columns=order, fill_value=0.0)
    park_total = table.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = table.div(park_total.where(park_total > 0), axis=0)
        lq = share.div((district / total).reindex(order), axis=1)
    lq.index.name = by
    lq.columns = pd.Index(order, name=category_col)
    return lq.astype(float)


def park_guidance_fit(
    enterprises: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    guidance: ParkGuidance | Mapping | str | Path | None = None,
    *,
    output_col: str = "output_10k_cny",
) -> pd.DataFrame:
    """Share of each park's enterprises that belong to the clusters the plan guides there.

    An enterprise's park is its ``park_id`` when the column exists (empty = outside every
    park); otherwise it is found by location in ``parks`` (a firm in both a park and the
    belt counts for the park).

    Parameters
    ----------
    enterprises : GeoDataFrame
        With ``cluster`` and ``output_col`` (产值, 万元), and ``park_id`` or a CRS.
    parks : GeoDataFrame or None
        Parks layer (``park_id``, ``name``, ``kind``); sets the rows and their names. When
        None, the parks of the guidance table are reported.
    guidance : ParkGuidance, mapping, path or None
        The guidance table; None loads ``data/standards/park_guidance.yaml``.
    output_col : str, default "output_10k_cny"

    Returns
    -------
    DataFrame
        One row per park: ``park_id``, ``park_name``, ``kind``, ``guided_clusters``
        (codes, comma-separated), ``n_enterprises``, ``n_guided``, ``fit_share_count``
        (0–1), ``output_10k_cny``, ``output_guided_10k_cny``, ``fit_share_output`` (0–1),
        ``n_unguided`` and ``unguided_clusters`` — clusters present but not guided with
        their counts, most numerous first, as ``"traditional:12, other:5"``. Shares are NaN
        for a park without enterprises.

    Raises
    ------
    InputError
        A park without guidance (naming it), enterprises whose ``park_id`` is not in the
        parks layer, missing columns.
    """
    what = "企业图层 enterprises "
    _require_columns(enterprises, ["cluster", output_col], what)
    guide = resolve_park_guidance(guidance)
    labels = _labels(enterprises, "cluster", what)
    output = _weights(enterprises, output_col, what)
    park_of = _firm_parks(enterprises, parks, what)

    if parks is not None:
        _require_columns(parks, ["park_id"], "园区图层 parks ")
        park_ids = [str(p) for p in parks["park_id"]]
        names = (
            dict(zip(park_ids, parks["name"].astype(str), strict=True))
            if "name" in parks.columns
            else {}
        )
        kinds = (
            dict(zip(park_ids, parks["kind"].astype(str), strict=True))
            if "kind" in parks.columns
            else {}
        )
    else:
        park_ids, names, kinds = list(guide.parks), {}, {}
    guided = {p: guide.guided(p) for p in park_ids}

    present = pd.Series(park_of).dropna().astype(str)
    stray = sorted(set(present) - set(park_ids))
    if stray:
        raise InputError(
            f"企业的 park_id 含园区图层中不存在的编号：{', '.join(stray)}。"
            f"请修正企业数据或补充园区。",
            f"Enterprises refer to park_id(s) not in the parks layer: {', '.join(stray)}. "
            f"Fix the enterprise data or add the parks.",
        )

    frame = pd.DataFrame({"park_id": park_of, "cluster": labels, "output": output})
    frame = frame.dropna(subset=["park_id"])
    frame["park_id"] = frame["park_id"].astype(str)
    guided_pairs = pd.MultiIndex.from_tuples(
        [(p, c) for p in park_ids for c in guided[p]], names=["park_id", "cluster"]
    )
    frame["is_guided"] = pd.MultiIndex.from_frame(frame[["park_id", "cluster"]]).isin(guided_pairs)
    grouped = frame.groupby("park_id")
    n_total = grouped.size().reindex(park_ids, fill_value=0)
    n_guided = grouped["is_guided"].sum().reindex(park_ids, fill_value=0)
    out_total = grouped["output"].sum().reindex(park_ids, fill_value=0.0)
    out_guided = (frame["output"] * frame["is_guided"]).groupby(frame["park_id"]).sum()
    out_guided = out_guided.reindex(park_ids, fill_value=0.0)

    unguided = frame.loc[~frame["is_guided"]]
    tallies = unguided.groupby(["park_id", "cluster"]).size().reset_index(name="n")
    tallies["rank"] = (
        tallies["cluster"]
        .map({c: i for i, c in enumerate(CLUSTER.codes)})
        .fillna(len(CLUSTER.codes))
    )
    tallies = tallies.sort_values(["park_id", "n", "rank"], ascending=[True, False, True])
    tallies["text"] = tallies["cluster"] + ":" + tallies["n"].astype(str)
    unguided_text = tallies.groupby("park_id")["text"].agg(", ".join)
    unguided_n = tallies.groupby("park_id")["n"].sum()

    with np.errstate(divide="ignore", invalid="ignore"):
        share_count = np.where(n_total > 0, n_guided / n_total.where(n_total > 0), np.nan)
        share_output = np.where(out_total > 0, out_guided / out_total.where(out_total > 0), np.nan)
    return pd.DataFrame(
        {
            "park_id": park_ids,
            "park_name": [names.get(p) or guide.parks[p].name_zh for p in park_ids],
            "kind": [kinds.get(p) or guide.parks[p].kind for p in park_ids],
            "guided_clusters": [", ".join(guided[p]) for p in park_ids],
            "n_enterprises": n_total.to_numpy(dtype=int),
            "n_guided": n_guided.to_numpy(dtype=int),
            "fit_share_count": np.asarray(share_count, dtype=float),
            "output_10k_cny": out_total.to_numpy(dtype=float),
            "output_guided_10k_cny": out_guided.to_numpy(dtype=float),
            "fit_share_output": np.asarray(share_output, dtype=float),
            "n_unguided": unguided_n.reindex(park_ids, fill_value=0).to_numpy(dtype=int),
            "unguided_clusters": unguided_text.reindex(park_ids, fill_value="").to_numpy(),
        }
    )


# --------------------------------------------------------------------------------------
# Anchor proximity
# --------------------------------------------------------------------------------------


def anchor_proximity(
    enterprises: gpd.GeoDataFrame,
    anchors: Sequence[str] | None = None,
    radius_m: Sequence[float] = (1000, 3000, 5000),
    *,
    guidance: ParkGuidance | Mapping | str | Path | None = None,
) -> pd.DataFrame:
    """Firms of each anchor's own cluster and of its supply chain within given radii.

    Parameters
    ----------
    enterprises : GeoDataFrame
        Point layer with a CRS and ``cluster``; ``ent_id`` when anchors are named,
        ``is_anchor`` when they are not.
    anchors : sequence of str, optional
        ``ent_id`` of the anchor firms; default: the rows with ``is_anchor`` true.
    radius_m : sequence of float, default (1000, 3000, 5000)
        Radii in metres (EPSG:4547 straight-line distance).
    guidance : ParkGuidance, mapping, path or None
        Supplies each cluster's supply-chain clusters; None loads the bundled table.

    Returns
    -------
    DataFrame
        Tidy, one row per anchor and radius, anchors in input order: ``ent_id``, ``name``
        (when present), ``cluster``, ``supply_clusters`` (comma-separated codes),
        ``radius_m``, ``n_same_cluster`` and ``n_supply_chain`` (firms within the radius,
        the anchor itself excluded, other anchors included), ``median_same_cluster_m``
        and ``median_supply_chain_m`` (median distance in metres of those firms; NaN when
        none). Empty (same columns) when no firm is flagged as an anchor.

    Raises
    ------
    InputError
        CRS-less or non-point input, unknown anchor ids, a non-positive radius, or no
        ``is_anchor`` column when ``anchors`` is not given.
    """
    what = "企业图层 enterprises "
    enterprises = _require_frame(enterprises, what)
    labels = _labels(enterprises, "cluster", what)
    radii = np.asarray(sorted({float(r) for r in np.atleast_1d(radius_m)}), dtype=float)
    if radii.size == 0 or not np.all(np.isfinite(radii)) or np.any(radii <= 0):
        raise InputError(
            f"半径应为正数（米），而非 {radius_m}。",
            f"Radii must be positive numbers of metres, not {radius_m}.",
        )
    guide = resolve_park_guidance(guidance)
    if anchors is None:
        _require_columns(enterprises, ["is_anchor"], what)
        anchor_pos = np.flatnonzero(enterprises["is_anchor"].fillna(False).to_numpy(dtype=bool))
    else:
        _require_columns(enterprises, ["ent_id"], what)
        ids = enterprises["ent_id"].astype(str).to_numpy()
        first = pd.Series(np.arange(len(ids))).groupby(ids).first()
        wanted = [str(a) for a in anchors]
        unknown = [a for a in wanted if a not in first.index]
        if unknown:
            raise InputError(
                f"找不到龙头企业编号：{', '.join(unknown)}。",
                f"No enterprise with ent_id {', '.join(unknown)}.",
            )
        anchor_pos = first.loc[wanted].to_numpy()
    xy = _point_xy_m(enterprises, what)

    anchor_cluster = labels[anchor_pos]
    supply = [guide.suppliers(c) for c in anchor_cluster]
    columns = [
        "ent_id",
        "name",
        "cluster",
        "supply_clusters",
        "radius_m",
        "n_same_cluster",
        "n_supply_chain",
        "median_same_cluster_m",
        "median_supply_chain_m",
    ]
    if len(anchor_pos) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})

    hits = cKDTree(xy).query_ball_point(xy[anchor_pos], r=float(radii[-1]))
    sizes = np.fromiter((len(h) for h in hits), dtype=np.intp, count=len(hits))
    owner = np.repeat(np.arange(len(anchor_pos)), sizes)
    other = np.concatenate([np.asarray(h, dtype=np.intp) for h in hits])
    keep = other != anchor_pos[owner]
    owner, other = owner[keep], other[keep]
    dist = np.hypot(*(xy[other] - xy[anchor_pos[owner]]).T)
    same = labels[other] == anchor_cluster[owner]
    supply_pairs = pd.MultiIndex.from_tuples(
        [(i, c) for i, cs in enumerate(supply) for c in cs], names=["a", "c"]
    )
    in_supply = pd.MultiIndex.from_arrays([owner, labels[other]]).isin(supply_pairs)

    pairs = pd.DataFrame({"owner": owner, "dist": dist, "same": same, "supply": in_supply})
    rows = []
    for radius in radii:
        within = pairs[pairs["dist"] <= radius]
        stats = {}
        for flag in ("same", "supply"):
            g = within[within[flag]].groupby("owner")["dist"]
            stats[flag] = (
                g.size().reindex(range(len(anchor_pos)), fill_value=0),
                g.median().reindex(range(len(anchor_pos))),
            )
        rows.append(
            pd.DataFrame(
                {
                    "anchor": np.arange(len(anchor_pos)),
                    "radius_m": radius,
                    "n_same_cluster": stats["same"][0].to_numpy(dtype=int),
                    "n_supply_chain": stats["supply"][0].to_numpy(dtype=int),
                    "median_same_cluster_m": stats["same"][1].to_numpy(dtype=float),
                    "median_supply_chain_m": stats["supply"][1].to_numpy(dtype=float),
                }
            )
        )
    table = pd.concat(rows).sort_values(["anchor", "radius_m"], kind="stable")
    pos = anchor_pos[table["anchor"].to_numpy()]
    ent = enterprises.iloc[pos]
    table.insert(
        0, "ent_id", ent["ent_id"].to_numpy() if "ent_id" in ent.columns else ent.index.to_numpy()
    )
    table.insert(
        1, "name", ent["name"].to_numpy() if "name" in ent.columns else np.full(len(ent), None)
    )
    table.insert(2, "cluster", labels[pos])
    table.insert(3, "supply_clusters", [", ".join(supply[i]) for i in table["anchor"].to_numpy()])
    return table.drop(columns="anchor").reset_index(drop=True)[columns]
