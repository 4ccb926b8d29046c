"""项目选址匹配: which land can take a project — "看中即得、得则可建".

A project enquiry (:class:`Need`: cluster and sub-type, land area, floor space, heavy ground
floor, preferred parks, firms or clusters to sit near, the land statuses it may take) is
answered by :func:`match_sites` with a ranked shortlist of **sites**.

Sites
-----
*Takeable* parcels are industrial (land use M1/M0/W) with a status in ``need.statuses``
(可供应 by default) and no more than :data:`layers.scenario.CONSTRAINT_WARNING_M2` of their
area inside the basic ecological control line (the measure of the scenario warning,
:func:`layers.scenario.eco_line_overlap_m2`). They are linked by the contiguity rule of
:func:`analysis.contiguity.contiguous_blocks` (:func:`analysis.contiguity.parcel_links`: a gap
≤ ``tolerance_m`` that no trunk road, water or eco line cuts) into blocks. A site is

* a single takeable parcel of at least ``land_ha_min``;
* a whole block whose area lies within ``[land_ha_min, land_ha_max]``;
* within a larger block, the smallest connected set grown from a seed parcel that reaches
  ``land_ha_min``: parcels are added in order of their path length from the seed along the
  links (centroid to centroid, :func:`scipy.sparse.csgraph.dijkstra`), so every prefix is
  connected. Seeds are up to :data:`SEEDS_PER_BLOCK` parcels spread over the block
  (farthest-point order from its largest parcel).

Hard requirements
-----------------
A site is out when it is smaller than ``land_ha_min`` or when its floor space cannot host
the project: its buildable GFA on floors that suit the cluster (``gfa_fit_<key>_m2`` of
:func:`analysis.capacity.rule_capacity`, every takeable parcel rebuilt to the base FAR, the
suitability entry of ``cluster:sub_type`` where the standards have one) is below
``gfa_m2`` (or zero when no ``gfa_m2`` is given), or, with ``needs_ground_floor``, its
ground-band GFA is below ``ground_floor_m2`` (or zero).

Score
-----
Each component is in ``[0, 1]``; the total is ``Σ wₖ·sₖ / Σ wₖ`` with the weights of
:class:`Weights` (defaults are assumptions):

``score_park``
    1 when the site's park (the park holding most of its area) guides the cluster
    (``park_guidance.yaml``), else 0; with preferred ``parks``, the mean of that and
    1 / 0 for lying in a preferred park.
``score_area``
    1 within ``[land_ha_min, land_ha_max]``; above the maximum ``land_ha_max / area_ha``.
``score_gfa``
    share of the site's buildable GFA on floors that suit the cluster,
    ``gfa_fit_m2 / gfa_max_m2``.
``score_near``
    mean over the ``near`` targets of ``min(1, within_m / d)``, ``d`` the distance from the
    site's parcels to the nearest firm of the target (1 without targets).
``score_suppliers``
    ``n / n_max``, ``n`` the firms of the cluster's supply chain (``supply_chain`` of
    ``park_guidance.yaml``) within :data:`SUPPLIER_RADIUS_M` of the site's centroid and
    ``n_max`` the most any candidate site has (0 when no site has any).
``score_room``
    room to grow: ``min(1, room_ha / land_ha_min)``, ``room_ha`` the takeable land of the
    site's block beyond the site.

The shortlist keeps the best site first and drops any lower-ranked site sharing a parcel
with a site already listed, so the ``top`` rows are distinct pieces of land. When no site
reaches ``land_ha_min`` the result says so: one row for the largest available block
(``kind = "largest"``) and, when land assembly can reach the area, one for the cheapest
assembly (``kind = "assembly"``, :func:`analysis.assembly.assemble_block` with the costs of
:func:`analysis.assembly.assembly_cost`, the takeable statuses free).

All distances and areas are in EPSG:4547.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from analysis._params import code_param, number_param
from analysis._sites import SEEDS_PER_BLOCK, distinct, grow_sites, site_min, site_park, status_mix
from analysis.assembly import assemble_block, assembly_cost
from analysis.capacity import RedevelopRule, rule_capacity
from analysis.contiguity import TOLERANCE_M, parcel_links
from analysis.standards import (
    ParkGuidance,
    Standards,
    fit_column,
    load_standards,
    resolve_park_guidance,
)
from analysis.standards._validate import Checker
from geo.crs import to_metric_geometries
from geo.errors import InputError
from layers.catalog import LayerSet
from layers.scenario import CONSTRAINT_WARNING_M2, eco_line_overlap_m2
from layers.schema import CLUSTER, INDUSTRIAL_LAND_USES, STATUS

__all__ = [
    "DEFAULT_WEIGHTS",
    "SEEDS_PER_BLOCK",
    "SUPPLIER_RADIUS_M",
    "Near",
    "Need",
    "Weights",
    "match_sites",
    "site_letter",
]

#: Radius around a site's centroid in which supply-chain firms are counted, m (assumption).
SUPPLIER_RADIUS_M = 3000.0
_M2_PER_HA = 10_000.0


@dataclass(frozen=True)
class Near:
    """A firm (``ent_id`` or name, a part of the name is enough) or a cluster (code or
    label) the project should sit within ``within_m`` metres of."""

    target: str
    within_m: float = 3000.0


@dataclass(frozen=True)
class Need:
    """A project's requirements (the enquiry).

    Attributes
    ----------
    cluster : str
        Cluster code or label; ``cluster:sub_type`` (``chip:fab``) selects a sub-type's
        suitability entry where the standards have one.
    land_ha_min, land_ha_max : float
        Land wanted, hectares; the maximum is optional.
    gfa_m2 : float, optional
        Floor space the project needs on floors that suit it, m².
    needs_ground_floor : bool
        The project needs ground-floor (heavy-load) space: at least ``ground_floor_m2``.
    ground_floor_m2 : float
        Ground-floor floor space needed, m² (0: any).
    parks : tuple of str
        Preferred park ids (optional).
    near : tuple of Near
        Firms or clusters to sit close to.
    statuses : tuple of str
        Land statuses the project may take (可供应 by default; 储备, 低效 as options).
    name : str
        Name of the project (used for scenarios).
    """

    cluster: str
    land_ha_min: float
    land_ha_max: float | None = None
    gfa_m2: float | None = None
    needs_ground_floor: bool = False
    ground_floor_m2: float = 0.0
    parks: tuple[str, ...] = ()
    near: tuple[Near, ...] = ()
    statuses: tuple[str, ...] = ("available",)
    name: str = ""

    def with_statuses(self, *statuses: str) -> Need:
        """A copy taking land of ``statuses``."""
        return replace(self, statuses=tuple(statuses))

    def with_land(self, land_ha_min: float, land_ha_max: float | None = None) -> Need:
        """A copy wanting ``land_ha_min`` to ``land_ha_max`` hectares."""
        return replace(self, land_ha_min=land_ha_min, land_ha_max=land_ha_max)


@dataclass(frozen=True)
class Weights:
    """Weights of the score components (any scale; normalised by their sum).

    The defaults are assumptions, to be set by the industrial bureau: park guidance and
    closeness to the named firms count most, area and floor-space fit and suppliers next,
    room to grow least.
    """

    park: float = 0.25
    area: float = 0.15
    gfa: float = 0.15
    near: float = 0.20
    suppliers: float = 0.15
    room: float = 0.10

    def with_weight(self, name: str, value: float) -> Weights:
        """A copy with the weight of component ``name`` set to ``value``."""
        return replace(self, **{name: value})

    def as_dict(self) -> dict[str, float]:
        """The weights by component name."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


DEFAULT_WEIGHTS = Weights()
_COMPONENTS = ("park", "area", "gfa", "near", "suppliers", "room")


# --------------------------------------------------------------------------- the need


@dataclass(frozen=True)
class _Checked:
    cluster: str
    fit_key: str
    statuses: list[str]
    parks: list[str]
    near: list[tuple[str, str, np.ndarray, float]]  # label zh, en, firm positions, within_m
    weights: dict[str, float]


def _check(need: Need, layers: LayerSet, std: Standards, weights: Weights) -> _Checked:
    """Every problem of the need and the weights, in one InputError."""
    c = Checker()
    if not isinstance(need, Need):
        raise InputError("选址需求应为 Need。", "The need must be a Need.")
    if layers is None or layers.parcels is None or not len(layers.parcels):
        c.add("layers.parcels", "没有地块图层", "there is no parcel layer")
    cluster_text, _, sub_type = str(need.cluster).partition(":")
    cluster = CLUSTER.normalise(cluster_text)
    fit_key = None
    if cluster is None:
        c.add(
            "cluster", f"无法识别的产业集群「{need.cluster}」", f"unknown cluster {need.cluster!r}"
        )
    else:
        fit_key = std.fit_key(cluster, sub_type or None)
        if fit_key is None:
            c.add("cluster", "标准中没有该集群的楼层适配", "the standards have no floor fit for it")
    land_min = _number(c, need.land_ha_min, "land_ha_min", "最小用地面积", strict=True)
    land_max = None
    if need.land_ha_max is not None:
        land_max = _number(c, need.land_ha_max, "land_ha_max", "最大用地面积", strict=True)
        if land_min is not None and land_max is not None and land_max < land_min:
            c.add("land_ha_max", "最大面积小于最小面积", "is below land_ha_min")
    if need.gfa_m2 is not None:
        _number(c, need.gfa_m2, "gfa_m2", "建筑面积需求")
    _number(c, need.ground_floor_m2, "ground_floor_m2", "首层面积需求")
    statuses: list[str] = []
    try:
        statuses = code_param(need.statuses, STATUS, "statuses", "可用地块状态")
    except InputError as exc:
        c.add("statuses", exc.zh, exc.en)
    parks = [str(p) for p in need.parks]
    known_parks = set()
    if layers is not None and layers.parcels is not None and "park_id" in layers.parcels:
        known_parks = set(layers.parcels["park_id"].dropna().astype(str))
    unknown = [p for p in parks if p not in known_parks]
    if unknown:
        c.add("parks", f"地块中没有园区 {unknown}", f"no parcels lie in the parks {unknown}")
    near = []
    for k, item in enumerate(need.near):
        where = f"near[{k}]"
        within = _number(
            c, getattr(item, "within_m", None), f"{where}.within_m", "距离", strict=True
        )
        positions = _near_firms(layers, getattr(item, "target", ""))
        if positions is None:
            c.add(
                where,
                f"找不到企业或集群「{getattr(item, 'target', '')}」",
                f"no firm or cluster {getattr(item, 'target', '')!r}",
            )
        elif within is not None:
            near.append(
                (*_near_label(layers.enterprises, item.target, positions), positions, within)
            )
    w = weights.as_dict() if isinstance(weights, Weights) else {}
    for name in _COMPONENTS:
        _number(c, w.get(name), f"weights.{name}", f"权重 {name}")
    if w and all(isinstance(v, float) and v >= 0 for v in w.values()) and sum(w.values()) <= 0:
        c.add("weights", "权重之和应大于 0", "must not all be 0")
    if c.problems:
        n = len(c.problems)
        raise InputError(
            f"选址需求有 {n} 处问题，请修改后重新匹配：",
            f"The siting need has {n} problem(s); fix them and match again:",
            details=c.problems,
        )
    return _Checked(cluster, fit_key, statuses, parks, near, w)


def _number(c: Checker, value: object, name: str, zh: str, *, strict: bool = False) -> float | None:
    try:
        return number_param(value, name, zh, strict=strict)
    except InputError as exc:
        c.add(name, exc.zh, exc.en)
        return None


def _near_label(firms: gpd.GeoDataFrame, target: object, positions: np.ndarray) -> tuple[str, str]:
    """How the reasons name a near target: the firm's name, else the cluster's label."""
    if len(positions) == 1 and "name" in firms:
        name = str(firms["name"].iloc[positions[0]])
        return name, name
    code = CLUSTER.normalise(str(target).strip())
    if code is not None and "cluster" in firms and (firms["cluster"].iloc[positions] == code).all():
        return f"{CLUSTER.label(code, 'zh')}企业", f"{CLUSTER.label(code, 'en')} firms"
    return str(target), str(target)


def _near_firms(layers: LayerSet | None, target: object) -> np.ndarray | None:
    """Positions of the firms a ``near`` target names: an ent_id, a (part of a) name, or a
    cluster; None when it names nothing."""
    firms = None if layers is None else layers.enterprises
    text = str(target or "").strip()
    if firms is None or not len(firms) or not text:
        return None
    ids = firms["ent_id"].astype(str).to_numpy() if "ent_id" in firms else np.array([])
    hit = np.flatnonzero(ids == text)
    if len(hit) == 0 and "name" in firms:
        names = firms["name"].astype(str)
        hit = np.flatnonzero((names == text).to_numpy())
        if len(hit) == 0:
            hit = np.flatnonzero(names.str.contains(text, regex=False).to_numpy())
    if len(hit) == 0:
        code = CLUSTER.normalise(text)
        if code is not None and "cluster" in firms:
            hit = np.flatnonzero((firms["cluster"].astype(str) == code).to_numpy())
    return hit if len(hit) else None


# --------------------------------------------------------------------------- public


def match_sites(
    layers: LayerSet,
    need: Need,
    *,
    standards: Standards | None = None,
    guidance: ParkGuidance | None = None,
    top: int = 10,
    weights: Weights = DEFAULT_WEIGHTS,
    tolerance_m: float = TOLERANCE_M,
) -> pd.DataFrame:
    """Rank the sites that can take a project (see the module notes for the method).

    Parameters
    ----------
    layers : LayerSet
        Parcels (required), enterprises, constraints (eco line and barriers), parks.
    need : Need
        The project's requirements.
    standards : Standards, optional
        FAR table and floor-band suitability; the bundled ones by default.
    guidance : ParkGuidance, optional
        Park guidance and supply chains; the bundled table by default.
    top : int
        Sites listed at most.
    weights : Weights
        Score weights (:data:`DEFAULT_WEIGHTS`, assumptions).
    tolerance_m : float
        Largest gap between parcels of one site, m (the contiguity rule).

    Returns
    -------
    DataFrame
        One row per site, best first: ``rank``, ``site_id`` (A, B, …), ``kind`` (``site``;
        ``largest`` / ``assembly`` when nothing reaches ``land_ha_min``), ``meets_need``,
        ``parcel_ids`` (tuple), ``parcel_count``, ``park_id``, ``area_ha``, ``block_area_ha``,
        ``status_area_ha`` (dict: hectares of each taken status),
        ``room_ha``, ``gfa_max_m2``, ``gfa_fit_m2``, ``gfa_ground_m2``, ``near_m``
        (largest distance to a ``near`` target, NaN without targets), ``n_suppliers``,
        ``score_park`` … ``score_room``, ``score`` (0–1), ``reasons_zh``, ``reasons_en``;
        an assembly row adds ``assembly_added`` (tuple of parcel ids) and ``assembly_cost``.
        Weights used are in ``attrs["weights"]``.

    Raises
    ------
    InputError
        Listing every problem of the need and the weights (unknown cluster, status, park,
        firm; bad numbers); bad layers.
    """
    std = standards if standards is not None else load_standards()
    guide = resolve_park_guidance(guidance)
    checked = _check(need, layers, std, weights)
    tolerance_m = number_param(tolerance_m, "tolerance_m", "连片容差")
    top = int(number_param(top, "top", "列出数量", strict=True))
    parcels = layers.parcels
    min_m2 = float(need.land_ha_min) * _M2_PER_HA
    max_m2 = np.inf if need.land_ha_max is None else float(need.land_ha_max) * _M2_PER_HA

    takeable = _takeable(parcels, checked.statuses, layers.constraints)
    cand = parcels.loc[takeable]
    if len(cand) == 0:
        return _frame([], checked.weights)
    i, j, area_m2 = parcel_links(cand, tolerance_m=tolerance_m, barriers=layers.constraints)
    geoms = to_metric_geometries(shapely.force_2d(np.asarray(cand.geometry.array)), cand.crs)
    xy = shapely.get_coordinates(shapely.centroid(geoms))
    sites, block, block_area = grow_sites(len(cand), i, j, area_m2, xy, min_m2, max_m2)

    cap = _capacity(cand, std, checked.statuses)
    fit_m2 = cap[fit_column(checked.fit_key)].to_numpy(dtype=float)
    ground_col = f"gfa_{std.highrise.bands[0].key}_m2"
    M = sites.members
    site_area = M @ area_m2
    gfa_fit = M @ fit_m2
    gfa_max = M @ cap["gfa_max_m2"].to_numpy(dtype=float)
    gfa_ground = M @ cap[ground_col].to_numpy(dtype=float)
    ok = site_area >= min_m2 - 1e-6
    ok &= gfa_fit >= (float(need.gfa_m2) if need.gfa_m2 else 0.0) - 1e-6
    ok &= gfa_fit > 0
    if need.needs_ground_floor:
        ok &= gfa_ground >= float(need.ground_floor_m2) - 1e-6
        ok &= gfa_ground > 0
    if not ok.any():
        return _shortfall(layers, need, checked, cand, block, block_area, area_m2, tolerance_m)

    keep = np.flatnonzero(ok)
    M = M[keep]
    table = pd.DataFrame(
        {
            "area_ha": site_area[keep] / _M2_PER_HA,
            "block_area_ha": block_area[sites.block[keep]] / _M2_PER_HA,
            "gfa_max_m2": gfa_max[keep],
            "gfa_fit_m2": gfa_fit[keep],
            "gfa_ground_m2": gfa_ground[keep],
        }
    )
    table["room_ha"] = table["block_area_ha"] - table["area_ha"]
    table["park_id"] = site_park(M, cand, area_m2)
    table["status_area_ha"] = status_mix(M, cand, area_m2, checked.statuses)
    table["parcel_count"] = np.diff(M.indptr)
    near_m, near_each = _near_distance(M, geoms, layers, checked.near)
    table["near_m"] = near_m
    centroid = (M @ (xy * area_m2[:, None])) / (M @ area_m2)[:, None]
    table["n_suppliers"] = _supplier_count(centroid, layers, guide.suppliers(checked.cluster))
    _score(table, need, checked, guide, near_each)

    order = np.lexsort((-table["area_ha"].to_numpy(), -np.round(table["score"].to_numpy(), 9)))
    chosen = distinct(M, order, top)
    ids = cand["parcel_id"].astype(str).to_numpy(dtype=object)
    out = table.iloc[chosen].reset_index(drop=True)
    out["parcel_ids"] = [tuple(sorted(ids[M[k].indices])) for k in chosen]
    out["kind"] = "site"
    out["meets_need"] = True
    out["reasons_zh"], out["reasons_en"] = _reasons(out, need, checked, guide, layers)
    return _frame(out, checked.weights)


def _takeable(parcels: gpd.GeoDataFrame, statuses: list[str], constraints) -> np.ndarray:
    """Industrial parcels of ``statuses`` outside the ecological control line."""
    mask = (
        parcels["status"].isin(statuses) & parcels["land_use"].isin(INDUSTRIAL_LAND_USES)
    ).to_numpy(dtype=bool, copy=True)
    return _outside_eco_line(parcels, constraints, mask)


def _outside_eco_line(parcels: gpd.GeoDataFrame, constraints, mask: np.ndarray) -> np.ndarray:
    """``mask`` without the parcels overlapping the eco line by more than
    :data:`layers.scenario.CONSTRAINT_WARNING_M2`."""
    if constraints is not None and mask.any():
        pos = np.flatnonzero(mask)
        geoms = to_metric_geometries(np.asarray(parcels.geometry.array)[pos], parcels.crs)
        inside = eco_line_overlap_m2(geoms, constraints) > CONSTRAINT_WARNING_M2
        mask[pos[inside]] = False
    return mask


def _capacity(cand: gpd.GeoDataFrame, std: Standards, statuses: list[str]) -> pd.DataFrame:
    """Floor capacity with every takeable parcel rebuilt to the base FAR (its highrise or
    target FAR, where set, as the rule says)."""
    rule = RedevelopRule(statuses=tuple(statuses), far_mode="base", highrise_far_mode="upper")
    return rule_capacity(cand, std, rule=rule)


def _near_distance(
    M: csr_matrix, geoms: np.ndarray, layers: LayerSet, near: list
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per site, the distance to each near target (list) and the largest of them."""
    if not near:
        return np.full(M.shape[0], np.nan), []
    firms = layers.enterprises
    points = to_metric_geometries(np.asarray(firms.geometry.array), firms.crs)
    each = []
    for *_, positions, _ in near:
        tree = shapely.STRtree(points[positions])
        idx, dist = tree.query_nearest(geoms, return_distance=True, all_matches=False)
        per_parcel = np.full(len(geoms), np.inf)
        np.minimum.at(per_parcel, idx[0], dist)
        each.append(site_min(M, per_parcel))
    return np.max(np.vstack(each), axis=0), each


def _supplier_count(centroid: np.ndarray, layers: LayerSet, clusters: Iterable[str]) -> np.ndarray:
    firms = layers.enterprises
    clusters = list(clusters)
    if firms is None or not len(firms) or not clusters or len(centroid) == 0:
        return np.zeros(len(centroid), dtype=np.int64)
    chosen = firms[firms["cluster"].isin(clusters)]
    if not len(chosen):
        return np.zeros(len(centroid), dtype=np.int64)
    pts = shapely.get_coordinates(
        to_metric_geometries(np.asarray(chosen.geometry.array), chosen.crs)
    )
    return cKDTree(pts).query_ball_point(centroid, SUPPLIER_RADIUS_M, return_length=True)


def _score(
    table: pd.DataFrame, need: Need, checked: _Checked, guide: ParkGuidance, near_each
) -> None:
    park = table["park_id"].to_numpy(dtype=object)
    guided = np.array(
        [
            p is not None and p in guide.parks and checked.cluster in guide.parks[p].clusters
            for p in park
        ],
        dtype=float,
    )
    if checked.parks:
        preferred = np.isin(park.astype(str), checked.parks).astype(float)
        table["score_park"] = (guided + preferred) / 2
    else:
        table["score_park"] = guided
    area = table["area_ha"].to_numpy()
    table["score_area"] = (
        1.0 if need.land_ha_max is None else np.minimum(1.0, float(need.land_ha_max) / area)
    )
    gmax = table["gfa_max_m2"].to_numpy()
    table["score_gfa"] = np.divide(
        table["gfa_fit_m2"].to_numpy(), gmax, out=np.zeros(len(table)), where=gmax > 0
    )
    if near_each:
        parts = [
            np.minimum(1.0, within / np.maximum(d, 1e-9))
            for (*_, within), d in zip(checked.near, near_each, strict=True)
        ]
        table["score_near"] = np.mean(np.vstack(parts), axis=0)
    else:
        table["score_near"] = 1.0
    n = table["n_suppliers"].to_numpy(dtype=float)
    table["score_suppliers"] = n / n.max() if len(n) and n.max() > 0 else 0.0
    table["score_room"] = np.minimum(1.0, table["room_ha"].to_numpy() / float(need.land_ha_min))
    w = checked.weights
    total = sum(w[k] * table[f"score_{k}"].to_numpy() for k in _COMPONENTS)
    table["score"] = total / sum(w.values())
    if near_each:
        table["near_each_m"] = list(zip(*near_each, strict=True))
    else:
        table["near_each_m"] = [()] * len(table)


# --------------------------------------------------------------------------- output

_COLUMNS = [
    "rank",
    "site_id",
    "kind",
    "meets_need",
    "parcel_ids",
    "parcel_count",
    "park_id",
    "area_ha",
    "block_area_ha",
    "room_ha",
    "gfa_max_m2",
    "gfa_fit_m2",
    "gfa_ground_m2",
    "status_area_ha",
    "near_m",
    "near_each_m",
    "n_suppliers",
    *(f"score_{k}" for k in _COMPONENTS),
    "score",
    "reasons_zh",
    "reasons_en",
]


def site_letter(k: int) -> str:
    """A, B, …, Z, AA, AB, … for the 0-based rank ``k``."""
    letters = string.ascii_uppercase
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = letters[r] + out
    return out


def _frame(rows: pd.DataFrame | list, weights: dict[str, float]) -> pd.DataFrame:
    out = pd.DataFrame(rows).copy() if len(rows) else pd.DataFrame(columns=_COLUMNS)
    out["rank"] = np.arange(1, len(out) + 1)
    out["site_id"] = [site_letter(k) for k in range(len(out))]
    extra = [c for c in out.columns if c not in _COLUMNS]
    out = out.reindex(columns=[*_COLUMNS, *extra])
    out.attrs["weights"] = dict(weights)
    return out


def _ha(x: float) -> str:
    return f"{x:,.1f}"


def _km(m: float) -> str:
    return f"{m / 1000:,.1f}"


def _park_names(park_id: object, guide: ParkGuidance) -> tuple[str, str]:
    if park_id is None or (isinstance(park_id, float) and np.isnan(park_id)):
        return "园区外", "outside the parks"
    g = guide.parks.get(str(park_id))
    return (g.name_zh, g.name_en) if g else (str(park_id), str(park_id))


def _reasons(
    out: pd.DataFrame, need: Need, checked: _Checked, guide: ParkGuidance, layers: LayerSet
) -> tuple[list[str], list[str]]:
    zh_cluster = CLUSTER.label(checked.cluster, "zh")
    en_cluster = CLUSTER.label(checked.cluster, "en")
    want_zh = _ha(need.land_ha_min) + (
        "" if need.land_ha_max is None else f"–{_ha(need.land_ha_max)}"
    )
    zh_all, en_all = [], []
    for row in out.itertuples(index=False):
        pz, pe = _park_names(row.park_id, guide)
        zh, en = [], []
        if row.score_park >= 1 or (not checked.parks and row.score_park > 0):
            zh.append(f"位于{pz}，园区导向{zh_cluster}")
            en.append(f"in {pe}, which the plan guides to {en_cluster}")
        else:
            zh.append(f"位于{pz}（园区导向不含{zh_cluster}）")
            en.append(f"in {pe} (not guided to {en_cluster})")
        if row.parcel_count == 1:
            zh.append(f"单个地块 {_ha(row.area_ha)} 公顷（需 {want_zh}）")
            en.append(f"one parcel of {_ha(row.area_ha)} ha (need {want_zh})")
        else:
            zh.append(f"{row.parcel_count} 个地块连片 {_ha(row.area_ha)} 公顷（需 {want_zh}）")
            en.append(
                f"{row.parcel_count} contiguous parcels, {_ha(row.area_ha)} ha (need {want_zh})"
            )
        if len(row.status_area_ha) > 1:
            mix = row.status_area_ha.items()
            zh.append("其中" + "、".join(f"{STATUS.label(k, 'zh')} {_ha(v)} 公顷" for k, v in mix))
            en.append(
                "of which " + ", ".join(f"{_ha(v)} ha {STATUS.label(k, 'en')}" for k, v in mix)
            )
        zh.append(
            f"适合该产业楼层的建筑面积 {row.gfa_fit_m2 / 1e4:,.1f} 万 m²（占 {row.score_gfa:.0%}）"
        )
        en.append(
            f"{row.gfa_fit_m2:,.0f} m² of floor space on suitable floors ({row.score_gfa:.0%})"
        )
        for (label_zh, label_en, _, within), d in zip(checked.near, row.near_each_m, strict=True):
            zh.append(f"距{label_zh} {_km(d)} km（要求 {_km(within)} km 内）")
            en.append(f"{_km(d)} km from {label_en} (wanted within {_km(within)} km)")
        zh.append(f"{_km(SUPPLIER_RADIUS_M)} km 内上下游企业 {row.n_suppliers} 家")
        en.append(f"{row.n_suppliers} supply-chain firms within {_km(SUPPLIER_RADIUS_M)} km")
        if row.room_ha > 0:
            zh.append(f"相连的可用地还有 {_ha(row.room_ha)} 公顷可扩展")
            en.append(f"{_ha(row.room_ha)} ha more contiguous land to grow into")
        zh_all.append("；".join(zh) + "。")
        en_all.append("; ".join(en) + ".")
    return zh_all, en_all


def _shortfall(
    layers: LayerSet,
    need: Need,
    checked: _Checked,
    cand: gpd.GeoDataFrame,
    block: np.ndarray,
    block_area: np.ndarray,
    area_m2: np.ndarray,
    tolerance_m: float,
) -> pd.DataFrame:
    """No site reaches the need: the largest block, and the cheapest assembly that would."""
    ids = cand["parcel_id"].astype(str).to_numpy(dtype=object)
    biggest = int(np.argmax(block_area))
    members = np.flatnonzero(block == biggest)
    largest_ha = float(block_area[biggest] / _M2_PER_HA)
    park_ids = site_park(
        csr_matrix(
            (np.ones(len(members)), (np.zeros(len(members), dtype=int), members)),
            shape=(1, len(cand)),
        ),
        cand,
        area_m2,
    )
    want = _ha(need.land_ha_min)
    rows = [
        {
            "kind": "largest",
            "meets_need": False,
            "parcel_ids": tuple(sorted(ids[members])),
            "parcel_count": len(members),
            "park_id": park_ids[0],
            "area_ha": largest_ha,
            "block_area_ha": largest_ha,
            "room_ha": 0.0,
            "reasons_zh": f"没有满足需求（至少 {want} 公顷且楼层可承载该产业）的用地；"
            f"所选状态中最大的连片用地为 {_ha(largest_ha)} 公顷。",
            "reasons_en": f"No land meets the need (at least {want} ha with floors that can "
            f"host the cluster); the largest contiguous site of the chosen statuses is "
            f"{_ha(largest_ha)} ha.",
        }
    ]
    # Land inside the eco line is never assembled either.
    parcels = layers.parcels
    parcels = parcels.loc[
        _outside_eco_line(parcels, layers.constraints, np.ones(len(parcels), dtype=bool))
    ]
    try:
        assembly = assemble_block(
            parcels,
            target_ha=float(need.land_ha_min),
            cost=assembly_cost(parcels, layers.enterprises),
            free_statuses=checked.statuses,
            tolerance_m=tolerance_m,
            barriers=layers.constraints,
            time_limit_s=5.0,
        )
    except InputError as exc:
        rows[0]["reasons_zh"] += f"土地整备也无法达到：{exc.zh}"
        rows[0]["reasons_en"] += f" Land assembly cannot reach it either: {exc.en}"
        return _frame(rows, checked.weights)
    pos = parcels["parcel_id"].astype(str).isin(assembly.parcel_ids).to_numpy()
    park = parcels.loc[pos, "park_id"].dropna().astype(str) if "park_id" in parcels else []
    rows.append(
        {
            "kind": "assembly",
            "meets_need": True,
            "parcel_ids": assembly.parcel_ids,
            "parcel_count": len(assembly.parcel_ids),
            "park_id": park.mode().iloc[0] if len(park) else None,
            "area_ha": assembly.area_ha,
            "block_area_ha": assembly.area_ha,
            "room_ha": 0.0,
            "assembly_added": assembly.added,
            "assembly_cost": assembly.cost,
            "reasons_zh": f"成本最低的整备方案：将 {len(assembly.added)} 个地块纳入整备，"
            f"连成 {_ha(assembly.area_ha)} 公顷，整备成本 {assembly.cost:,.1f}。",
            "reasons_en": f"Cheapest land assembly: take {len(assembly.added)} parcel(s) into "
            f"assembly to join {_ha(assembly.area_ha)} ha, at a cost of {assembly.cost:,.1f}.",
        }
    )
    return _frame(rows, checked.weights)
