"""Which park each parcel or firm belongs to (所属园区), found from the parks layer.

Parcel and enterprise files from other systems often carry no park code, and a new parks
layer (a revised boundary) changes which parcels fall in which park. The per-park tables of
the contiguity, capacity and cluster analyses group by ``park_id``, so the code is derived
here from location, with one rule for every layer:

- a **point** (an enterprise) belongs to a park that contains it;
- a **polygon** (a parcel) belongs to the park that covers the largest part of it, when
  that part is at least ``min_share`` of the parcel (by default half): a parcel straddling
  a boundary goes with its larger side, and one that only grazes a park stays outside;
- where a park and the 产业带 (a zone of kind ``corridor``) overlap, the park wins: it is
  the planning unit there, the belt is the wider frame. Between two parks the larger
  overlap wins, and on a tie the park listed first.

Areas are measured in EPSG:4547.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import require_crs, to_metric_geometries
from geo.errors import InputError

#: ``kind`` of a park zone that yields to the parks it overlaps.
CORRIDOR_KIND = "corridor"
#: Smallest share of a parcel's area that must lie in a park for the parcel to belong to it.
PARK_MIN_SHARE = 0.5

__all__ = [
    "CORRIDOR_KIND",
    "PARK_MIN_SHARE",
    "ParkZones",
    "assign_parks",
    "has_park_ids",
    "unknown_park_ids",
]


def _check_share(min_share: float) -> None:
    if not 0.0 < min_share <= 1.0:
        raise InputError(
            f"最小占比 min_share 应在 (0, 1] 之间，收到 {min_share}。",
            f"min_share must lie in (0, 1]; got {min_share}.",
        )


@dataclass(frozen=True)
class ParkZones:
    """The parks layer prepared for assignment: metric outlines, ids and the belt flag.

    Build it once with :meth:`from_layer` and assign many geometries with :meth:`assign`
    (a scenario assigns each drawn or merged parcel this way, an import a whole layer);
    both go through the same rule, so a parcel gets the same park either way.
    """

    geoms_metric: np.ndarray
    park_ids: np.ndarray
    is_corridor: np.ndarray
    min_share: float = PARK_MIN_SHARE

    @classmethod
    def from_layer(cls, parks: gpd.GeoDataFrame, *, min_share: float = PARK_MIN_SHARE) -> ParkZones:
        """Prepare ``parks`` (``park_id`` and, optionally, ``kind``; any CRS) for assignment."""
        require_crs(parks, "园区图层 parks ")
        if "park_id" not in parks.columns:
            raise InputError(
                "园区图层缺少 park_id 字段，无法判断所属园区。",
                "The parks layer has no park_id column, so parks cannot be assigned.",
            )
        _check_share(min_share)
        kinds = (
            parks["kind"].astype(object).to_numpy()
            if "kind" in parks.columns
            else np.full(len(parks), None, dtype=object)
        )
        return cls(
            geoms_metric=to_metric_geometries(parks.geometry.to_numpy(), parks.crs),
            park_ids=parks["park_id"].astype(object).to_numpy(),
            is_corridor=kinds == CORRIDOR_KIND,
            min_share=min_share,
        )

    def assign(self, geoms_metric: np.ndarray) -> np.ndarray:
        """Park id of each geometry (in EPSG:4547), or None outside every park.

        Points take a park that contains them; polygons the park that covers the largest
        share of their area when that share is at least ``min_share``; parks before the
        belt, then the larger share, then the park listed first.
        """
        geoms = np.asarray(geoms_metric, dtype=object)
        values = np.full(len(geoms), None, dtype=object)
        if len(geoms) == 0 or len(self.geoms_metric) == 0:
            return values
        types = shapely.get_type_id(geoms)
        points = np.isin(types, (0, 4))  # Point, MultiPoint
        polygons = np.isin(types, (3, 6))  # Polygon, MultiPolygon
        blank = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if (~(points | polygons | blank)).any():
            raise InputError(
                "只能为点（企业）或面（地块）判断所属园区，图层中有线要素。",
                "Parks can be assigned to points (firms) or polygons (parcels) only; the layer "
                "holds lines.",
            )
        tree = shapely.STRtree(self.geoms_metric)
        feat_pos, zone_pos = tree.query(geoms, predicate="intersects")
        if len(feat_pos) == 0:
            return values
        feature_area = shapely.area(geoms[feat_pos])
        overlap = np.where(
            polygons[feat_pos],
            shapely.area(shapely.intersection(geoms[feat_pos], self.geoms_metric[zone_pos])),
            1.0,
        )
        share = np.divide(overlap, feature_area, out=np.ones_like(overlap), where=feature_area > 0)
        keep = np.where(polygons[feat_pos], share >= self.min_share - 1e-9, True)
        feat_pos, zone_pos, share = feat_pos[keep], zone_pos[keep], share[keep]
        # Best candidate first: parks before the belt, then the larger share, then list order.
        order = np.lexsort((zone_pos, -share, self.is_corridor[zone_pos], feat_pos))
        feat_pos, zone_pos = feat_pos[order], zone_pos[order]
        first = np.r_[True, feat_pos[1:] != feat_pos[:-1]] if len(feat_pos) else np.zeros(0, bool)
        values[feat_pos[first]] = self.park_ids[zone_pos[first]]
        return values


def assign_parks(
    features: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame,
    *,
    min_share: float = PARK_MIN_SHARE,
) -> pd.Series:
    """Park id of each feature, from where it lies.

    Parameters
    ----------
    features : GeoDataFrame
        Parcels (polygons) or enterprises (points), with a CRS. Lines are not accepted.
    parks : GeoDataFrame
        Parks layer with ``park_id`` and, optionally, ``kind`` (``park`` / ``corridor``).
    min_share : float, default :data:`PARK_MIN_SHARE` (0.5)
        For polygons, the smallest share (0–1] of a parcel's area that must lie in a park
        for the parcel to belong to it.

    Returns
    -------
    Series
        Indexed like ``features``, dtype object: the park id, or None outside every park.

    Raises
    ------
    InputError
        A layer without CRS, a parks layer without ``park_id``, line geometries, or a
        ``min_share`` outside (0, 1].
    """
    require_crs(features, "要素图层 features ")
    zones = ParkZones.from_layer(parks, min_share=min_share)
    geoms = to_metric_geometries(features.geometry.to_numpy(), features.crs)
    return pd.Series(zones.assign(geoms), index=features.index, dtype=object, name="park_id")


def has_park_ids(features: gpd.GeoDataFrame) -> bool:
    """Whether ``features`` carry any park code (a ``park_id`` column with a value)."""
    if "park_id" not in features.columns:
        return False
    ids = features["park_id"]
    return bool((ids.notna() & (ids.astype(str).str.strip() != "")).any())


def unknown_park_ids(features: gpd.GeoDataFrame, parks: gpd.GeoDataFrame) -> list[str]:
    """Park codes used by ``features`` that the parks layer does not define, sorted."""
    if "park_id" not in features.columns or "park_id" not in parks.columns:
        return []
    known = set(parks["park_id"].astype(str))
    used = {str(p) for p in features["park_id"].dropna() if str(p).strip()}
    return sorted(used - known)
