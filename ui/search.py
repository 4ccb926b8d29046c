"""Find a parcel or a firm by what a planner types: the search box of the maps.

Pure lookup, without Streamlit: :func:`find_features` matches the query against parcel
ids, parcel names and firm names — a case-insensitive substring after Unicode NFKC
folding (full-width letters and digits match their ASCII forms), surrounding blanks
ignored — and returns the matches best first: an exact id or name before one that starts
with the query, before one that only contains it; then parcels before firms, then by
label. Each match carries its WGS84 bounds, so the page can frame it (``maps.frame_view``)
and draw it on top of the other layers.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

__all__ = ["MAX_MATCHES", "Match", "find_features", "fold"]

#: At most this many matches are listed.
MAX_MATCHES = 50


@dataclass(frozen=True)
class Match:
    """One feature found: its layer ("parcels" or "enterprises"), id, name, the text that
    matched, the match rank (0 exact, 1 prefix, 2 substring) and its WGS84 bounds."""

    kind: str
    feature_id: str
    name: str
    matched: str
    rank: int
    bounds: tuple[float, float, float, float]

    @property
    def label(self) -> str:
        """ "id · name" (or the id alone when the feature has no name)."""
        return f"{self.feature_id} · {self.name}" if self.name else self.feature_id


def fold(text: object) -> str:
    """The form compared: NFKC, lower case (casefold), surrounding blanks removed."""
    return unicodedata.normalize("NFKC", str(text)).casefold().strip()


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("")


def _rank(folded: pd.Series, query: str) -> pd.Series:
    """0 exact, 1 prefix, 2 substring, 3 no match."""
    rank = pd.Series(3, index=folded.index)
    rank[folded.str.contains(query, regex=False)] = 2
    rank[folded.str.startswith(query)] = 1
    rank[folded == query] = 0
    return rank


def _matches(
    gdf: gpd.GeoDataFrame | None, kind: str, id_field: str, name_fields: list[str], query: str
) -> list[Match]:
    if gdf is None or not len(gdf) or id_field not in gdf.columns:
        return []
    ids = _text(gdf[id_field])
    names = _text(gdf["name"]) if "name" in gdf.columns else pd.Series("", index=gdf.index)
    best = pd.Series(3, index=gdf.index)
    matched = pd.Series("", index=gdf.index, dtype="string")
    for field, values in [(id_field, ids)] + [(f, names) for f in name_fields if f in gdf]:
        rank = _rank(values.map(fold), query)
        better = rank < best
        best[better] = rank[better]
        matched[better] = field
    hits = best[best < 3].index
    if not len(hits):
        return []
    bounds = gdf.geometry.loc[hits].bounds
    return [
        Match(
            kind,
            str(ids[i]),
            str(names[i]),
            str(matched[i]),
            int(best[i]),
            tuple(float(v) for v in bounds.loc[i, ["minx", "miny", "maxx", "maxy"]]),
        )
        for i in hits
        if not bounds.loc[i].isna().any()
    ]


def find_features(
    query: str,
    parcels: gpd.GeoDataFrame | None,
    enterprises: gpd.GeoDataFrame | None = None,
    *,
    limit: int = MAX_MATCHES,
) -> list[Match]:
    """Parcels (by ``parcel_id`` or ``name``) and firms (by ``name``, or ``ent_id``) whose
    text contains ``query``, best first (see the module docstring); [] for a blank query.
    Geometries are in WGS84 (the layers' system)."""
    wanted = fold(query)
    if not wanted:
        return []
    found = _matches(parcels, "parcels", "parcel_id", ["name"], wanted) + _matches(
        enterprises, "enterprises", "ent_id", ["name"], wanted
    )
    order = {"parcels": 0, "enterprises": 1}
    found.sort(key=lambda m: (m.rank, order[m.kind], m.label))
    return found[:limit]
