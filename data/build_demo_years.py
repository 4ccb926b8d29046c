"""The demo's second year of enterprises (示意数据 — illustrative, not official).

The demo's ``enterprises`` layer is the latest list, :data:`LATER_YEAR`. This module draws
the list of the year before (:data:`EARLIER_YEAR`) from it, from its own seed so the later
list and every other layer stay as they are:

* firms new in the later year are absent from the earlier list — likelier where the plan
  guides their cluster (e.g. 新能源 and 半导体 in 高新南, 智能网联汽车 in 高新北), never an
  anchor firm;
* firms closed since are in the earlier list only — mostly 传统产业 and 其他 firms in the
  parks, placed a few tens of metres from a firm of the same park;
* a few firms moved (their earlier point is another firm's site), a few were renamed (same
  统一社会信用代码, an older name);
* 产值 of the earlier year is the later one divided by a growth factor drawn around a rate
  per cluster (:data:`GROWTH`); 规上 follows the 2000万元 threshold.

Every firm carries a synthetic 18-character ``credit_code`` (示意, not a real code) and
its ``year``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

LATER_YEAR = 2025
EARLIER_YEAR = 2024
#: Name of the earlier year's layer in the demo GeoPackage.
EARLIER_LAYER = f"enterprises_{EARLIER_YEAR}"
YEAR_SEED = 20262024

#: Assumed yearly output growth per cluster (illustrative).
GROWTH = {
    "car": 0.14,
    "energy": 0.18,
    "chip": 0.10,
    "ai": 0.08,
    "pharma": 0.06,
    "equipment": 0.05,
    "photonics": 0.09,
    "lowalt": 0.20,
    "cellgene": 0.12,
    "traditional": -0.08,
    "other": -0.02,
}
#: (cluster, park) pairs where new firms are likelier: the plan's guidance at work.
_BOOSTED = {
    ("energy", "gaoxin_south"),
    ("chip", "gaoxin_south"),
    ("ai", "gaoxin_south"),
    ("car", "gaoxin_north"),
    ("equipment", "gaoxin_north"),
    ("pharma", "jinsha_bihu"),
    ("lowalt", "corridor"),
    ("cellgene", "corridor"),
}
_P_NEW = 0.04
_P_NEW_BOOSTED = 0.16
_N_CLOSED = 64
_N_MOVED = 14
_N_RENAMED = 8
_ABOVE_SCALE_10K_CNY = 2000.0


def _credit_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Synthetic 18-character codes: 9144 0310 (Shenzhen, 坪山) + 10 seeded characters."""
    alphabet = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    tails = rng.choice(alphabet, size=(n, 10))
    codes = np.array(["914403" + "10" + "".join(t) for t in tails], dtype=object)
    # Draws are few among 31^10; make them unique in any case.
    _, first = np.unique(codes, return_index=True)
    dup = np.setdiff1d(np.arange(n), first)
    for i in dup:
        codes[i] = codes[i][:-4] + f"{i:04d}"
    return codes


def _park_of(parks: gpd.GeoDataFrame, geom: np.ndarray, corridor_id: str) -> np.ndarray:
    """A firm's park by its location: the belt first, then the parks over it."""
    park_id = np.full(len(geom), None, dtype=object)
    order = [corridor_id] + [p for p in parks.park_id if p != corridor_id]
    for pid in order:
        zone = parks.loc[parks.park_id == pid, "geometry"].iloc[0]
        park_id[shapely.contains(zone, geom)] = pid
    return park_id


def two_years(
    later: gpd.GeoDataFrame, parks: gpd.GeoDataFrame, corridor_id: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The later list with ``credit_code`` and ``year``, and the earlier list drawn from it.

    Both in the CRS of ``later`` (metres); the earlier list has the same columns.
    """
    rng = np.random.default_rng(YEAR_SEED)
    later = later.copy()
    n = len(later)
    codes = _credit_codes(rng, n + _N_CLOSED)
    later["credit_code"] = codes[:n]
    later["year"] = LATER_YEAR

    # New since the earlier year: absent from its list.
    boosted = np.array(
        [(c, p) in _BOOSTED for c, p in zip(later.cluster, later.park_id, strict=True)]
    )
    p_new = np.where(boosted, _P_NEW_BOOSTED, _P_NEW)
    is_new = (rng.random(n) < p_new) & ~later.is_anchor.to_numpy(dtype=bool)
    earlier = later.loc[~is_new].copy()
    earlier["year"] = EARLIER_YEAR

    # Output a year before: later output / (1 + growth), growth drawn per firm.
    rate = earlier.cluster.map(GROWTH).fillna(0.0).to_numpy()
    spread = np.where(earlier.is_anchor.to_numpy(dtype=bool), 0.04, 0.15)
    growth = np.clip(rng.normal(rate, spread), -0.5, 1.0)
    output = np.round(earlier.output_10k_cny.to_numpy() / (1.0 + growth), 1)
    earlier["output_10k_cny"] = output
    earlier["is_above_scale"] = earlier.is_above_scale.to_numpy(dtype=bool) & (
        output >= _ABOVE_SCALE_10K_CNY
    ) | earlier.is_anchor.to_numpy(dtype=bool)

    # Moved: the earlier point is the site of another firm, a few metres off.
    smes = np.flatnonzero(~earlier.is_anchor.to_numpy(dtype=bool))
    moved = rng.choice(smes, size=_N_MOVED, replace=False)
    sites = rng.choice(len(later), size=_N_MOVED, replace=False)
    geom = earlier.geometry.to_numpy().copy()
    site_xy = shapely.get_coordinates(later.geometry.to_numpy()[sites])
    geom[moved] = shapely.points(site_xy + rng.normal(0.0, 15.0, size=(_N_MOVED, 2)))
    earlier = earlier.set_geometry(gpd.GeoSeries(geom, index=earlier.index, crs=later.crs))

    # Renamed since: the earlier name is the older one.
    others = np.setdiff1d(smes, moved)
    renamed = rng.choice(others, size=_N_RENAMED, replace=False)
    names = earlier.name.to_numpy(dtype=object).copy()
    names[renamed] = [str(s).replace("有限公司", "实业有限公司", 1) for s in names[renamed]]
    earlier["name"] = names

    # Closed since: in the earlier list only, near a firm of the same park.
    closed = _closed_firms(rng, later, codes[n:])
    earlier = pd.concat([earlier, closed], ignore_index=True)
    earlier = gpd.GeoDataFrame(earlier, geometry="geometry", crs=later.crs)
    earlier["park_id"] = _park_of(parks, earlier.geometry.to_numpy(), corridor_id)
    return later, earlier.reset_index(drop=True)


def _closed_firms(
    rng: np.random.Generator, later: gpd.GeoDataFrame, codes: np.ndarray
) -> gpd.GeoDataFrame:
    in_parks = np.flatnonzero(later.park_id.notna().to_numpy())
    near = rng.choice(in_parks, size=len(codes), replace=False)
    xy = shapely.get_coordinates(later.geometry.to_numpy()[near])
    xy = xy + rng.uniform(-40.0, 40.0, size=xy.shape)
    clusters = rng.choice(
        ["traditional", "other", "equipment", "ai", "car"],
        size=len(codes),
        p=[0.5, 0.2, 0.12, 0.1, 0.08],
    )
    words = {
        "traditional": "家具",
        "other": "贸易",
        "equipment": "五金",
        "ai": "电子",
        "car": "汽配",
    }
    output = np.round(rng.lognormal(np.log(700.0), 0.8, size=len(codes)), 1)
    return gpd.GeoDataFrame(
        {
            "ent_id": [f"X{k + 1:04d}" for k in range(len(codes))],
            "name": [f"深圳示意{words[c]}有限公司X{k + 1:03d}" for k, c in enumerate(clusters)],
            "cluster": clusters,
            "sub_type": None,
            "is_above_scale": output >= _ABOVE_SCALE_10K_CNY,
            "output_10k_cny": output,
            "is_anchor": False,
            "park_id": None,
            "credit_code": codes,
            "year": EARLIER_YEAR,
        },
        geometry=shapely.points(xy),
        crs=later.crs,
    )
