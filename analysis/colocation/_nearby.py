"""Firms by name: those that sit where the plan does not guide their cluster, and those
around one anchor firm.

Method
------
- **Off-guidance firms** (:func:`off_guidance_firms`): a firm's park is given by the one
  park rule (its ``park_id``, else :func:`layers.zoning.assign_parks`). It is *off
  guidance* when its cluster is not among the clusters ``park_guidance.yaml`` guides into
  that park; a firm outside every park is always off guidance (no park guides anything
  there). For each such firm the nearest park that does guide its cluster is found:
  ``d = min over guiding parks P of dist(firm, P)``, the Euclidean distance in EPSG:4547
  metres from the point to the park polygon (0 when the point lies inside it — a firm in
  both a park and the belt belongs to the park, yet the belt may guide its cluster).
- **Firms around an anchor** (:func:`firms_around`): every other firm within the largest
  radius, by straight-line distance in EPSG:4547, with the smallest ring that holds it and
  its supply-chain role towards the anchor: ``same_cluster``; ``supplier`` when its
  cluster is one of the anchor cluster's suppliers in ``park_guidance.yaml``; ``other``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.colocation._common import _labels, _point_xy_m, _require_columns, _require_frame
from analysis.colocation._placement import _firm_parks
from analysis.standards import ParkGuidance, resolve_park_guidance
from geo.crs import to_metric_geometries
from geo.errors import InputError

__all__ = [
    "OTHER_ROLE",
    "SAME_CLUSTER",
    "SUPPLIER",
    "firms_around",
    "off_guidance_firms",
    "off_guidance_totals",
]

SAME_CLUSTER = "same_cluster"
SUPPLIER = "supplier"
OTHER_ROLE = "other"

_WHAT = "企业图层 enterprises "
_FIRM_COLUMNS = ("ent_id", "name", "cluster", "output_10k_cny", "is_above_scale", "is_anchor")


def _firm_fields(enterprises: pd.DataFrame, pos: np.ndarray) -> dict[str, np.ndarray]:
    """The descriptive columns of the firms at ``pos`` (None where a column is absent)."""
    out = {}
    for col in _FIRM_COLUMNS:
        if col in enterprises.columns:
            out[col] = enterprises[col].to_numpy(dtype=object)[pos]
        else:
            out[col] = np.full(len(pos), None, dtype=object)
    return out


def off_guidance_firms(
    enterprises: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame,
    guidance: ParkGuidance | Mapping | str | Path | None = None,
) -> pd.DataFrame:
    """Every firm whose cluster the plan does not guide where it sits, with the nearest park
    that does guide it.

    Parameters
    ----------
    enterprises : GeoDataFrame
        Points with a CRS, ``cluster`` and ``output_10k_cny`` (产值, 万元); ``park_id`` when
        known (else found by location), ``ent_id``, ``name``, ``is_above_scale``,
        ``is_anchor`` when present.
    parks : GeoDataFrame
        Parks layer (``park_id``, polygons, a CRS); every park must have guidance.
    guidance : ParkGuidance, mapping, path or None
        None loads ``data/standards/park_guidance.yaml``.

    Returns
    -------
    DataFrame
        One row per off-guidance firm, indexed like ``enterprises``, in layer order:
        ``ent_id``, ``name``, ``cluster``, ``park_id`` (None outside every park),
        ``output_10k_cny``, ``is_above_scale``, ``is_anchor``, ``nearest_park_id`` (the
        nearest park guiding the firm's cluster; None when no park guides it) and
        ``nearest_park_distance_m`` (metres to that park's outline, 0 inside; NaN when
        none).

    Raises
    ------
    InputError
        Missing columns, non-point firms, a park without guidance.
    """
    _require_frame(enterprises, _WHAT)
    _require_frame(parks, "园区图层 parks ")
    _require_columns(parks, ["park_id"], "园区图层 parks ")
    guide = resolve_park_guidance(guidance)
    labels = _labels(enterprises, "cluster", _WHAT)
    park_of = _firm_parks(enterprises, parks, _WHAT)
    park_ids = [str(p) for p in parks["park_id"]]
    guided = {p: set(guide.guided(p)) for p in park_ids}
    here = np.array(
        [
            p is not None and c in guided.get(str(p), ())
            for p, c in zip(park_of, labels, strict=True)
        ]
    )
    pos = np.flatnonzero(~here)

    xy = _point_xy_m(enterprises.iloc[pos], _WHAT) if len(pos) else np.zeros((0, 2))
    points = shapely.points(xy)
    outlines = to_metric_geometries(parks.geometry.to_numpy(), parks.crs)
    # (firms × parks) distances, masked to the parks guiding each firm's cluster.
    dist = shapely.distance(points[:, None], outlines[None, :]).reshape(len(pos), len(park_ids))
    guides = np.array(
        [[labels[i] in guided[p] for p in park_ids] for i in pos], dtype=bool
    ).reshape(dist.shape)
    masked = np.where(guides, dist, np.inf)
    best = masked.argmin(axis=1) if len(park_ids) else np.zeros(len(pos), dtype=int)
    best_d = masked[np.arange(len(pos)), best] if len(park_ids) else np.full(len(pos), np.inf)
    found = np.isfinite(best_d)

    fields = _firm_fields(enterprises, pos)
    fields["cluster"] = labels[pos]
    table = pd.DataFrame(
        {
            **{k: fields[k] for k in ("ent_id", "name", "cluster")},
            "park_id": park_of[pos],
            **{k: fields[k] for k in ("output_10k_cny", "is_above_scale", "is_anchor")},
            "nearest_park_id": np.where(
                found, np.asarray(park_ids, dtype=object)[best] if park_ids else None, None
            ),
            "nearest_park_distance_m": np.where(found, best_d, np.nan),
        },
        index=enterprises.index[pos],
    )
    table["output_10k_cny"] = pd.to_numeric(table["output_10k_cny"], errors="coerce")
    # Object columns, so "outside every park" / "no guiding park" stay None, not NaN.
    for col in ("park_id", "nearest_park_id"):
        table[col] = pd.Series(table[col].to_numpy(dtype=object), index=table.index, dtype=object)
        table.loc[table[col].isna(), col] = None
    return table


def off_guidance_totals(table: pd.DataFrame) -> pd.DataFrame:
    """Totals of :func:`off_guidance_firms` per cluster × park (``park_id`` None = outside
    every park): ``n_firms``, ``n_above_scale`` and ``output_10k_cny`` (万元), most firms
    first."""
    frame = table.assign(
        park_id=table["park_id"].astype(object).where(table["park_id"].notna(), ""),
        above=table["is_above_scale"].fillna(False).astype(bool),
    )
    grouped = frame.groupby(["cluster", "park_id"], sort=False)
    out = pd.DataFrame(
        {
            "n_firms": grouped.size(),
            "n_above_scale": grouped["above"].sum().astype(int),
            "output_10k_cny": grouped["output_10k_cny"].sum(),
        }
    ).reset_index()
    out["park_id"] = pd.Series([p or None for p in out["park_id"]], dtype=object)
    return out.sort_values(
        ["n_firms", "output_10k_cny"], ascending=False, kind="stable"
    ).reset_index(drop=True)


def firms_around(
    enterprises: gpd.GeoDataFrame,
    anchor: str,
    radius_m: Sequence[float] = (1000, 3000, 5000),
    *,
    guidance: ParkGuidance | Mapping | str | Path | None = None,
) -> pd.DataFrame:
    """The firms within rings around one firm, by name, with their supply-chain role.

    Parameters
    ----------
    enterprises : GeoDataFrame
        Points with a CRS, ``ent_id`` and ``cluster``.
    anchor : str
        ``ent_id`` of the firm at the centre (any firm, not only flagged anchors).
    radius_m : sequence of float, default (1000, 3000, 5000)
        Ring radii in metres (EPSG:4547 straight-line distance).
    guidance : ParkGuidance, mapping, path or None
        Supplies the anchor cluster's suppliers; None loads the bundled table.

    Returns
    -------
    DataFrame
        One row per other firm within the largest radius, nearest first, indexed like
        ``enterprises``: ``ent_id``, ``name``, ``cluster``, ``role`` (:data:`SAME_CLUSTER`,
        :data:`SUPPLIER` or :data:`OTHER_ROLE`), ``distance_m``, ``ring_m`` (the smallest
        radius holding the firm), ``output_10k_cny``, ``is_above_scale``, ``is_anchor``.

    Raises
    ------
    InputError
        An unknown ``anchor``, non-positive radii, missing columns, non-point firms.
    """
    _require_frame(enterprises, _WHAT)
    _require_columns(enterprises, ["ent_id"], _WHAT)
    labels = _labels(enterprises, "cluster", _WHAT)
    radii = np.asarray(sorted({float(r) for r in np.atleast_1d(radius_m)}), dtype=float)
    if radii.size == 0 or not np.all(np.isfinite(radii)) or np.any(radii <= 0):
        raise InputError(
            f"半径应为正数（米），而非 {list(radius_m)}。",
            f"Radii must be positive numbers of metres, not {list(radius_m)}.",
        )
    ids = enterprises["ent_id"].astype(str).to_numpy()
    hit = np.flatnonzero(ids == str(anchor))
    if len(hit) == 0:
        raise InputError(f"找不到企业编号：{anchor}。", f"No enterprise with ent_id {anchor}.")
    centre = int(hit[0])
    xy = _point_xy_m(enterprises, _WHAT)
    dist = np.hypot(*(xy - xy[centre]).T)
    pos = np.flatnonzero(dist <= radii[-1])
    pos = pos[pos != centre]
    pos = pos[np.argsort(dist[pos], kind="stable")]
    suppliers = set(resolve_park_guidance(guidance).suppliers(labels[centre]))
    role = np.where(
        labels[pos] == labels[centre],
        SAME_CLUSTER,
        np.where(np.isin(labels[pos], list(suppliers)), SUPPLIER, OTHER_ROLE),
    )
    fields = _firm_fields(enterprises, pos)
    table = pd.DataFrame(
        {
            "ent_id": fields["ent_id"],
            "name": fields["name"],
            "cluster": labels[pos],
            "role": role.astype(object),
            "distance_m": dist[pos],
            "ring_m": radii[np.searchsorted(radii, dist[pos], side="left")],
            "output_10k_cny": pd.to_numeric(
                pd.Series(fields["output_10k_cny"]), errors="coerce"
            ).to_numpy(dtype=float),
            "is_above_scale": fields["is_above_scale"],
            "is_anchor": fields["is_anchor"],
        },
        index=enterprises.index[pos],
    )
    return table
