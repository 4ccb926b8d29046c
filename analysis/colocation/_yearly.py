"""Year by year: how the enterprise list changed between two years — firms new, closed or
moved, firm count and 产值 per cluster per park, location quotients and guidance fit.

Method
------
- **Matching** (:func:`match_firms`): a firm of one year is the same firm in the other
  when they share a key. The key is the 统一社会信用代码 (``credit_code``) when the row has
  one — a stable id that survives a change of name; otherwise the name, plus the address
  when both lists carry an ``address`` column. Names are compared after trimming spaces.
  Within one list the first row of a key is used (a list should not repeat a firm).
- A matched firm has **moved** when its two points are more than ``moved_m`` metres apart
  (EPSG:4547 straight-line distance) and **stayed** otherwise; it is **renamed** when its
  names differ. A key only in the later list is **new**, only in the earlier **closed**.
- **Per cluster per park** (:func:`cluster_park_change`): firm counts and 产值 sums of each
  year grouped by (cluster, park; ``None`` = outside every park), with the count-based
  location quotient (:func:`location_quotients`) of each year and the differences
  (later − earlier).
- **Guidance fit** (:func:`fit_change`): :func:`park_guidance_fit` of each year per park,
  and the change in share (percentage points as a fraction, later − earlier).

A firm's park is given by the one park rule (``park_id``, else the parks layer).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.colocation._common import _labels, _point_xy_m, _require_columns, _require_frame
from analysis.colocation._placement import _firm_parks, location_quotients, park_guidance_fit
from analysis.standards import ParkGuidance
from geo.values import is_blank

__all__ = [
    "CLOSED",
    "MOVED",
    "NEW",
    "STAYED",
    "cluster_park_change",
    "fit_change",
    "match_firms",
]

NEW = "new"
CLOSED = "closed"
MOVED = "moved"
STAYED = "stayed"

_WHAT = ("前一年企业图层 earlier enterprises ", "后一年企业图层 later enterprises ")


def _keys(firms: pd.DataFrame, use_address: bool) -> np.ndarray:
    """The matching key of each row: ``cc:<credit code>`` or ``nm:<name>|<address>``."""
    n = len(firms)
    codes = (
        firms["credit_code"].to_numpy(dtype=object)
        if "credit_code" in firms.columns
        else np.full(n, None, dtype=object)
    )
    names = firms["name"].astype(str).str.strip().to_numpy(dtype=object)
    address = (
        firms["address"].astype(str).str.strip().to_numpy(dtype=object)
        if use_address
        else np.full(n, "", dtype=object)
    )
    return np.array(
        [
            f"nm:{nm}|{ad}" if is_blank(cc) else f"cc:{str(cc).strip()}"
            for cc, nm, ad in zip(codes, names, address, strict=True)
        ],
        dtype=object,
    )


def _side(firms: gpd.GeoDataFrame, parks, what: str, use_address: bool) -> pd.DataFrame:
    _require_frame(firms, what)
    _require_columns(firms, ["name", "cluster"], what)
    xy = _point_xy_m(firms, what)
    output = (
        pd.to_numeric(firms["output_10k_cny"], errors="coerce").to_numpy(dtype=float)
        if "output_10k_cny" in firms.columns
        else np.full(len(firms), np.nan)
    )
    frame = pd.DataFrame(
        {
            "key": _keys(firms, use_address),
            "ent_id": firms["ent_id"].to_numpy(dtype=object)
            if "ent_id" in firms.columns
            else np.full(len(firms), None, dtype=object),
            "name": firms["name"].to_numpy(dtype=object),
            "cluster": _labels(firms, "cluster", what),
            "park_id": _firm_parks(firms, parks, what)
            if parks is not None or "park_id" in firms.columns
            else np.full(len(firms), None, dtype=object),
            "output_10k_cny": output,
            "x_m": xy[:, 0],
            "y_m": xy[:, 1],
        }
    )
    return frame.drop_duplicates("key", keep="first")


def match_firms(
    earlier: gpd.GeoDataFrame,
    later: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None = None,
    *,
    moved_m: float = 100.0,
) -> pd.DataFrame:
    """Firms of two years matched by credit code (else name + address): new, closed, moved.

    Parameters
    ----------
    earlier, later : GeoDataFrame
        Enterprise points with a CRS, ``name`` and ``cluster``; ``credit_code``,
        ``address``, ``ent_id``, ``park_id``, ``output_10k_cny`` when present.
    parks : GeoDataFrame, optional
        Parks layer, used when a list has no ``park_id`` (without either, parks are None).
    moved_m : float, default 100
        A matched firm further than this (metres) from its earlier point has moved.

    Returns
    -------
    DataFrame
        One row per firm of either year, in the later list's order then the closed firms:
        ``key``, ``change`` (:data:`NEW`, :data:`CLOSED`, :data:`MOVED`, :data:`STAYED`),
        ``renamed`` (bool), ``name`` (the later name, else the earlier), ``name_before``,
        ``ent_id_before``, ``ent_id_after``, ``cluster_before``, ``cluster_after``,
        ``park_before``, ``park_after`` (None outside every park or when absent that
        year), ``output_before_10k_cny``, ``output_after_10k_cny`` (万元),
        ``output_change_10k_cny`` (NaN unless both years have it), ``distance_m`` (NaN
        unless matched), and the later (else earlier) point ``x_m``, ``y_m`` (EPSG:4547).
    """
    use_address = "address" in earlier.columns and "address" in later.columns
    a = _side(earlier, parks, _WHAT[0], use_address)
    b = _side(later, parks, _WHAT[1], use_address)
    both = b.merge(a, on="key", how="outer", suffixes=("_after", "_before"), indicator=True)
    order = {k: i for i, k in enumerate(b["key"])}
    both["_order"] = both["key"].map(order).fillna(len(order) + both.index.to_series())
    both = both.sort_values("_order", kind="stable").reset_index(drop=True)
    matched = both["_merge"].to_numpy() == "both"
    dist = np.hypot(
        both["x_m_after"] - both["x_m_before"], both["y_m_after"] - both["y_m_before"]
    ).to_numpy(dtype=float)
    change = np.where(
        both["_merge"] == "left_only",
        NEW,
        np.where(both["_merge"] == "right_only", CLOSED, np.where(dist > moved_m, MOVED, STAYED)),
    )
    renamed = (
        matched
        & (
            both["name_after"].astype(str).str.strip()
            != both["name_before"].astype(str).str.strip()
        ).to_numpy()
    )
    pick = both["_merge"].to_numpy() == "right_only"
    return pd.DataFrame(
        {
            "key": both["key"],
            "change": change.astype(object),
            "renamed": renamed,
            "name": np.where(pick, both["name_before"], both["name_after"]),
            "name_before": both["name_before"],
            "ent_id_before": both["ent_id_before"],
            "ent_id_after": both["ent_id_after"],
            "cluster_before": both["cluster_before"],
            "cluster_after": both["cluster_after"],
            "park_before": both["park_id_before"]
            .astype(object)
            .where(both["park_id_before"].notna(), None),
            "park_after": both["park_id_after"]
            .astype(object)
            .where(both["park_id_after"].notna(), None),
            "output_before_10k_cny": both["output_10k_cny_before"],
            "output_after_10k_cny": both["output_10k_cny_after"],
            "output_change_10k_cny": both["output_10k_cny_after"] - both["output_10k_cny_before"],
            "distance_m": np.where(matched, dist, np.nan),
            "x_m": np.where(pick, both["x_m_before"], both["x_m_after"]),
            "y_m": np.where(pick, both["y_m_before"], both["y_m_after"]),
        }
    )


def _tally(firms: pd.DataFrame, parks, what: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "cluster": _labels(firms, "cluster", what),
            "park_id": _firm_parks(firms, parks, what),
            "output": pd.to_numeric(firms["output_10k_cny"], errors="coerce").fillna(0.0),
        }
    )
    lq = location_quotients(frame, "park_id").stack().rename("lq")
    frame["park_id"] = frame["park_id"].where(frame["park_id"].notna(), "")
    grouped = frame.groupby(["cluster", "park_id"])
    out = pd.DataFrame({"n": grouped.size(), "output": grouped["output"].sum()})
    lq.index = lq.index.set_names(["park_id", "cluster"])
    lq = lq.reorder_levels(["cluster", "park_id"])
    return out.join(lq, how="outer")


def cluster_park_change(
    earlier: pd.DataFrame, later: pd.DataFrame, parks: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Firm count, 产值 and location quotient per cluster per park in two years.

    Parameters
    ----------
    earlier, later : DataFrame or GeoDataFrame
        Enterprises with ``cluster``, ``output_10k_cny`` and ``park_id`` (or a geometry and
        ``parks`` to find it).
    parks : GeoDataFrame, optional

    Returns
    -------
    DataFrame
        One row per (cluster, park) present in either year, ``park_id`` None outside every
        park: ``n_before``, ``n_after``, ``n_change``, ``output_before_10k_cny``,
        ``output_after_10k_cny``, ``output_change_10k_cny`` (万元), ``lq_before``,
        ``lq_after``, ``lq_change`` (count-based LQ; NaN outside the parks or where the
        cluster is absent from the district that year). Largest absolute count change
        first.
    """
    _require_columns(earlier, ["cluster", "output_10k_cny"], _WHAT[0])
    _require_columns(later, ["cluster", "output_10k_cny"], _WHAT[1])
    a = _tally(earlier, parks, _WHAT[0])
    b = _tally(later, parks, _WHAT[1])
    both = a.add_suffix("_before").join(b.add_suffix("_after"), how="outer")
    # A cluster absent from a park has LQ 0 when the park and the cluster exist that year.
    for side in ("before", "after"):
        both[f"n_{side}"] = both[f"n_{side}"].fillna(0).astype(int)
        both[f"output_{side}"] = both[f"output_{side}"].fillna(0.0)
    out = both.reset_index()
    out["park_id"] = pd.Series([p or None for p in out["park_id"]], dtype=object)
    table = pd.DataFrame(
        {
            "cluster": out["cluster"],
            "park_id": out["park_id"],
            "n_before": out["n_before"],
            "n_after": out["n_after"],
            "n_change": out["n_after"] - out["n_before"],
            "output_before_10k_cny": out["output_before"],
            "output_after_10k_cny": out["output_after"],
            "output_change_10k_cny": out["output_after"] - out["output_before"],
            "lq_before": out["lq_before"],
            "lq_after": out["lq_after"],
            "lq_change": out["lq_after"] - out["lq_before"],
        }
    )
    rank = table["n_change"].abs()
    return table.loc[rank.sort_values(ascending=False, kind="stable").index].reset_index(drop=True)


def fit_change(
    earlier: gpd.GeoDataFrame,
    later: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    guidance: ParkGuidance | Mapping | str | Path | None = None,
) -> pd.DataFrame:
    """Guidance fit of each park in two years (:func:`park_guidance_fit`) side by side.

    Returns
    -------
    DataFrame
        One row per park: ``park_id``, ``park_name``, ``n_before``, ``n_after``,
        ``fit_share_count_before``, ``fit_share_count_after``, ``fit_share_count_change``,
        ``fit_share_output_before``, ``fit_share_output_after``,
        ``fit_share_output_change`` (shares 0–1, change later − earlier).
    """
    a = park_guidance_fit(earlier, parks, guidance)
    b = park_guidance_fit(later, parks, guidance)
    out = pd.DataFrame({"park_id": b["park_id"], "park_name": b["park_name"]})
    a = a.set_index("park_id").reindex(b["park_id"])
    b = b.set_index("park_id")
    out["n_before"] = a["n_enterprises"].to_numpy()
    out["n_after"] = b["n_enterprises"].to_numpy()
    for col in ("fit_share_count", "fit_share_output"):
        out[f"{col}_before"] = a[col].to_numpy(dtype=float)
        out[f"{col}_after"] = b[col].to_numpy(dtype=float)
        out[f"{col}_change"] = out[f"{col}_after"] - out[f"{col}_before"]
    return out
