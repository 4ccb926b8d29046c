"""Which parcels a selection gesture selects: a click, a drawn box with a filter, an
attribute query, typed ids; and the attribute table that shows the selection.

Method. Every gesture gives a list of parcel ids (the *hit*) and a *mode*:

- ``replace`` (替换): the selection becomes the hit; a click on the only selected parcel
  clears it (a click toggles that one parcel);
- ``add`` (添加/累加): the hit is added to the selection; a click toggles the clicked
  parcel in or out and leaves the others.

Shift-click (add to the selection in desktop GIS) cannot be used: streamlit-folium returns
the last clicked object's position, not the keys held during the click, so the mode is an
explicit choice on the page.

A drawn box or polygon hits the parcels it touches (``layers.scenario.select_parcels``) and
then keeps those that pass a :class:`ParcelFilter` (status, land use and park; an empty
choice means any), so a box over a block of 低效 land does not take the built parcels
around it. An attribute query is the same filter over the whole layer, with area (ha),
current FAR and 工业上楼 ranges. Ids come back in layer order.

The attribute table lists the selected parcels first (then, unless only the selection is
shown, the others in layer order) with a 已选 column; the page ticks the selected rows of
the table, and rows ticked or unticked in the table change the selection
(:func:`from_table`). The module reads no Streamlit and no session.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.scenario import select_parcels
from layers.schema import LAND_USE, STATUS

__all__ = [
    "MODES",
    "OUTSIDE_PARK",
    "TABLE_COLUMNS",
    "ParcelFilter",
    "attribute_table",
    "box_hits",
    "click",
    "combine",
    "from_table",
    "parse_ids",
    "query",
]

#: Selection modes: the hit replaces the selection, or is added to it.
MODES = ("replace", "add")
#: Park choice standing for the parcels outside every park (no ``park_id``).
OUTSIDE_PARK = "__outside__"
#: Columns of :func:`attribute_table`, in order.
TABLE_COLUMNS = (
    "selected",
    "parcel_id",
    "name",
    "park",
    "status",
    "land_use",
    "area_ha",
    "far_current",
    "highrise",
)
_ID_SEPARATORS = re.compile(r"[,，、;；\s]+")


@dataclass(frozen=True)
class ParcelFilter:
    """Which parcels pass: each choice empty (or None) means any.

    ``parks`` are park ids, :data:`OUTSIDE_PARK` for parcels outside every park; the ranges
    are closed intervals ``(low, high)`` with None for an open end; ``highrise`` is True
    (工业上楼 only), False (not) or None (any).
    """

    statuses: tuple[str, ...] = ()
    land_uses: tuple[str, ...] = ()
    parks: tuple[str, ...] = ()
    area_ha: tuple[float | None, float | None] = (None, None)
    far_current: tuple[float | None, float | None] = (None, None)
    highrise: bool | None = None

    def is_any(self) -> bool:
        """True when the filter lets every parcel pass."""
        return self == ParcelFilter()

    def mask(self, parcels: pd.DataFrame) -> np.ndarray:
        """Boolean array: which rows of ``parcels`` pass."""
        keep = np.ones(len(parcels), dtype=bool)
        if self.statuses:
            keep &= parcels["status"].isin(self.statuses).to_numpy()
        if self.land_uses:
            keep &= parcels["land_use"].isin(self.land_uses).to_numpy()
        if self.parks:
            park = parcels["park_id"] if "park_id" in parcels else pd.Series(None, parcels.index)
            inside = park.isin([p for p in self.parks if p != OUTSIDE_PARK]).to_numpy()
            if OUTSIDE_PARK in self.parks:
                inside = inside | (park.isna() | (park.astype(str) == "")).to_numpy()
            keep &= inside
        keep &= _within(_area_ha(parcels), self.area_ha)
        keep &= _within(_column(parcels, "far_current"), self.far_current)
        if self.highrise is not None:
            flag = _column(parcels, "highrise", fill=0.0) > 0
            keep &= flag == self.highrise
        return keep


def _column(parcels: pd.DataFrame, name: str, fill: float = np.nan) -> np.ndarray:
    if name not in parcels:
        return np.full(len(parcels), fill)
    return pd.to_numeric(parcels[name], errors="coerce").astype(float).fillna(fill).to_numpy()


def _area_ha(parcels: pd.DataFrame) -> np.ndarray:
    return _column(parcels, "area_m2") / 1e4


def _within(values: np.ndarray, bounds: tuple[float | None, float | None]) -> np.ndarray:
    """Values inside the closed interval; a missing value passes only an open interval."""
    low, high = bounds
    keep = np.ones(len(values), dtype=bool)
    with np.errstate(invalid="ignore"):
        if low is not None:
            keep &= values >= low
        if high is not None:
            keep &= values <= high
    return keep


def query(parcels: pd.DataFrame, where: ParcelFilter) -> list[str]:
    """Ids of the parcels that pass ``where``, in layer order."""
    return parcels["parcel_id"].astype(str)[where.mask(parcels)].tolist()


def box_hits(parcels: gpd.GeoDataFrame, area, where: ParcelFilter = ParcelFilter()) -> list[str]:
    """Ids of the parcels a drawn box or polygon (WGS84) touches that pass ``where``."""
    touched = set(select_parcels(parcels, area))
    passing = parcels["parcel_id"].astype(str)[where.mask(parcels)]
    return [p for p in passing if p in touched]


def combine(selection: Iterable[str], hit: Iterable[str], mode: str) -> list[str]:
    """The selection after a box, query or typed ids hit ``hit`` (sorted ids)."""
    _check_mode(mode)
    hit = set(hit)
    return sorted(hit if mode == "replace" else set(selection) | hit)


def click(selection: Iterable[str], parcel_id: str, mode: str) -> list[str]:
    """The selection after a click on ``parcel_id``: that one parcel, toggled.

    ``replace``: the clicked parcel alone, or nothing when it was the only one selected;
    ``add``: the clicked parcel toggled in or out of the selection.
    """
    _check_mode(mode)
    current = set(selection)
    if mode == "replace":
        return [] if current == {parcel_id} else [parcel_id]
    return sorted(current ^ {parcel_id})


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")


def parse_ids(text: str) -> list[str]:
    """Ids typed in a box: separated by commas (either width), 、, semicolons or spaces;
    in the order typed, once each."""
    return list(dict.fromkeys(p for p in _ID_SEPARATORS.split(text or "") if p))


def attribute_table(
    parcels: pd.DataFrame,
    selection: Sequence[str],
    *,
    only_selected: bool = False,
    lang: str = "zh",
    park_label: Callable[[Iterable[object]], list[str]] | None = None,
) -> pd.DataFrame:
    """The attribute table: selected parcels first, then (unless ``only_selected``) the
    others, each part in layer order; columns :data:`TABLE_COLUMNS` with codes shown as
    labels in ``lang``. ``park_label`` turns park ids into names (default: the ids).

    The index is 0..n-1, the row positions the page's dataframe selection refers to.
    """
    chosen = parcels["parcel_id"].astype(str).isin(set(selection)).to_numpy()
    order = np.flatnonzero(chosen)
    if not only_selected:
        order = np.concatenate([order, np.flatnonzero(~chosen)])
    rows = parcels.iloc[order]
    parks = rows["park_id"] if "park_id" in rows else pd.Series(None, rows.index)
    status = STATUS.labels(lang)
    land_use = LAND_USE.labels(lang)
    return pd.DataFrame(
        {
            "selected": chosen[order],
            "parcel_id": rows["parcel_id"].astype(str).to_numpy(),
            "name": _plain(rows["name"] if "name" in rows else [None] * len(rows)),
            "park": (park_label or _plain)(parks.tolist()),
            "status": [status.get(c, str(c)) for c in rows["status"]],
            "land_use": [land_use.get(c, str(c)) for c in rows["land_use"]],
            "area_ha": np.round(_area_ha(rows), 2),
            "far_current": np.round(_column(rows, "far_current"), 2),
            "highrise": _column(rows, "highrise", fill=0.0) > 0,
        },
        columns=list(TABLE_COLUMNS),
    )


def _plain(values: Iterable[object]) -> list[str]:
    return ["" if v is None or v != v else str(v) for v in values]  # v != v: NaN


def from_table(
    selection: Sequence[str], table_ids: Sequence[str], ticked_rows: Iterable[int]
) -> list[str]:
    """The selection after the table's ticked rows changed: parcels listed in the table
    are selected exactly when their row is ticked; those not listed keep their state."""
    listed = set(table_ids)
    ticked = {table_ids[i] for i in ticked_rows if 0 <= i < len(table_ids)}
    return sorted((set(selection) - listed) | ticked)
