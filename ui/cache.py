"""Every cached computation of the app, in one place.

Two kinds of cache, both Streamlit's:

- ``st.cache_resource`` for objects shared by the whole server process and never copied:
  the startup layers, the hillshade, the default standards, the park guidance table, the
  scenario store, applied scenarios and their indicators, and the once-per-process pruning
  of the payload files.
- ``st.cache_data`` for analysis results and map payloads, keyed on the content
  fingerprint of the layers they read (``LayerSet.fingerprint(kind, ...)``,
  ``layer_fingerprint``) plus their parameters and, for payloads, the language and the
  display coordinate system. The LayerSet, the standards and other large inputs are passed
  as underscore arguments, which Streamlit does not hash: the fingerprint stands for them.
  ``max_entries`` bounds each cache (a few layer states × parameter sets). Caches whose
  entries are whole per-parcel frames or payloads (capacity results and payloads,
  contiguity runs, local co-location) keep only :data:`BIG_ENTRIES` entries: for a
  100 000-parcel import one capacity state is ~60 MB, so 16 would hold about 1 GB.

Payloads are published as files of the static cache (``ui.static_cache``) and cached as
their URL. The functions take the language as an argument, never read the session; this
module imports no Streamlit component, so ``ui.serve`` can fill the 总览 caches before
the server starts (a component imported then would never render).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import streamlit as st
from PIL import Image

from analysis import colocation as co
from analysis.assembly import assembly_cost_parts, firms_on_parcels
from analysis.capacity import REDEVELOP_RULE, rule_capacity
from analysis.contiguity import ContiguityResult, contiguous_blocks
from analysis.indicators import compare_indicators, scenario_indicators
from analysis.standards import ParkGuidance, Standards, load_park_guidance, load_standards
from geo.errors import InputError
from geo.raster import Hillshade, hillshade_overlay
from layers.catalog import LayerSet, load_demo, load_layerset
from layers.database import database_url
from layers.scenario import AppliedScenario, Scenario, apply
from layers.schema import STATUS
from layers.store import ScenarioStore, open_store, store_location
from layers.team import (
    GuardedScenarioStore,
    TeamStore,
    existing_team_file,
    sso_configured,
    team_file,
)
from ui import maps
from ui.imports import earlier_enterprise_lists, load_imported_layers, rezone
from ui.selection import attribute_table
from ui.static_cache import (
    STATIC_CACHE,
    STATIC_CACHE_MAX_AGE_DAYS,
    prune_cache_dir,
    publish,
    publish_payload,
    publish_tiles,
)

__all__ = [
    "DATA_ENV",
    "DEM_ENV",
    "TILE_MIN_FEATURES_ENV",
    "anchor_table",
    "applied",
    "applied_saved",
    "assembly_costs",
    "attribute_arrow",
    "blocks_url",
    "chain_key",
    "colocation_table",
    "compared_indicators",
    "context_payloads",
    "default_standards",
    "enterprises_tiles_url",
    "enterprises_urls",
    "firm_parcels",
    "guidance_fit",
    "hillshade",
    "local_payloads",
    "local_table",
    "location_quotients",
    "parcels_tiles_url",
    "parcels_url",
    "park_guidance",
    "prune_static_cache",
    "rezoned_park_ids",
    "rule_capacity_payload",
    "rule_capacity_result",
    "run_contiguity",
    "scenario_indicators_of",
    "scenario_parcels_url",
    "standards_key",
    "startup_layers",
    "store_at",
    "team_store_at",
    "the_store",
    "the_team",
    "tile_min_features",
    "warm_map_payloads",
]

#: A GeoPackage (one layer per kind: parcels, enterprises, parks, ...) the app opens with
#: instead of the demo, and optionally its DEM GeoTIFF.
#: Entries kept by the caches of per-parcel frames and payloads (see the module notes).
BIG_ENTRIES = 4
DATA_ENV = "LANDPLAN_DATA"
DEM_ENV = "LANDPLAN_DEM"


# --------------------------------------------------------------------------- process-wide


@st.cache_resource(show_spinner=False)
def prune_static_cache() -> int:
    """Prune the payload cache once per server process, before this process has handed out
    any URL (a URL cached by ``st.cache_data`` is never re-checked, so files must not vanish
    while the process runs)."""
    return prune_cache_dir(STATIC_CACHE, STATIC_CACHE_MAX_AGE_DAYS * 86400)


@st.cache_resource(show_spinner=False)
def startup_layers() -> tuple[LayerSet, InputError | None]:
    """The layers every new session starts with, read once per server process.

    The GeoPackage named by ``LANDPLAN_DATA`` (with the DEM of ``LANDPLAN_DEM``) when set,
    else the bundled 示意数据. When that file cannot be used, the demo is returned with the
    error, for the page to show.
    """
    path = os.environ.get(DATA_ENV, "").strip()
    if not path:
        return load_demo(), None
    dem = os.environ.get(DEM_ENV, "").strip()
    try:
        return load_layerset(Path(path), Path(dem) if dem else None), None
    except InputError as exc:
        return load_demo(), exc


@st.cache_resource(show_spinner=False)
def hillshade(path: str) -> tuple[Hillshade, str]:
    """The DEM hillshade and the URL of its PNG."""
    shade = hillshade_overlay(path)
    buffer = io.BytesIO()
    Image.fromarray(shade.rgba).save(buffer, format="PNG")
    return shade, publish(buffer.getvalue(), ".png")


@st.cache_resource(show_spinner=False)
def default_standards() -> Standards:
    """The standards shipped with the app (the capacity page edits a copy)."""
    return load_standards()


@st.cache_resource(show_spinner=False)
def park_guidance() -> ParkGuidance | None:
    """The park guidance table (guided clusters, English park names); None when it cannot
    be read (the pages then fall back to the parks layer's names)."""
    try:
        return load_park_guidance()
    except InputError:
        return None


def standards_key(standards: Standards) -> str:
    """A content hash of the standards, to key cached results on."""
    text = json.dumps(standards.to_dicts(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


# --------------------------------------------------------------------------- map payloads


def context_payloads(layers: LayerSet, lang_code: str, system: str) -> tuple:
    """GeoJSON payloads of the boundary, parks, corridor axis and constraints (each None
    when the layer is absent) in ``system`` with labels in ``lang_code``."""
    fingerprint = layers.fingerprint("boundary", "parks", "corridor_axis", "constraints")
    return _context_payloads(fingerprint, lang_code, system, layers)


def parcels_url(layers: LayerSet, color_by: str, lang_code: str, system: str) -> str:
    """URL of the parcels GeoJSON coloured by ``color_by`` (status or land_use)."""
    return _parcels_url(layers.fingerprint("parcels", "parks"), color_by, lang_code, system, layers)


def enterprises_urls(layers: LayerSet, lang_code: str, system: str) -> tuple[str, str]:
    """URLs of the GeoJSON of the other firms and of the anchor firms."""
    return _enterprises_urls(layers.fingerprint("enterprises", "parks"), lang_code, system, layers)


def warm_map_payloads(layers: LayerSet) -> None:
    """Build what the 总览 map needs by default (Chinese, no online basemap, parcels by
    status), so the first visitor finds it ready."""
    system = maps.BASEMAPS["none"][2]
    context_payloads(layers, "zh", system)
    if layers.parcels is not None:
        if len(layers.parcels) >= tile_min_features():
            parcels_tiles_url(layers, "status", "zh", system)
        else:
            parcels_url(layers, "status", "zh", system)
    if layers.enterprises is not None:
        enterprises_urls(layers, "zh", system)
        if len(layers.enterprises) >= tile_min_features():
            enterprises_tiles_url(layers, "zh", system)


@st.cache_data(show_spinner=False, max_entries=32)
def _context_payloads(fingerprint: str, lang_code: str, system: str, _layers: LayerSet):
    return maps.context_payloads(
        _layers.boundary,
        _layers.parks,
        _layers.corridor_axis,
        _layers.constraints,
        lang=lang_code,
        display_system=system,
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _parcels_url(
    fingerprint: str, color_by: str, lang_code: str, system: str, _layers: LayerSet
) -> str:
    payload = maps.parcels_payload(
        _layers.parcels, _layers.parks, color_by=color_by, lang=lang_code, display_system=system
    )
    return publish_payload(payload)


@st.cache_data(show_spinner=False, max_entries=16)
def _enterprises_urls(
    fingerprint: str, lang_code: str, system: str, _layers: LayerSet
) -> tuple[str, str]:
    firms = _layers.enterprises
    others, anchors = (
        publish_payload(
            maps.enterprises_payload(part, _layers.parks, lang=lang_code, display_system=system)
        )
        for part in (firms[~firms.is_anchor], firms[firms.is_anchor])
    )
    return others, anchors


# --------------------------------------------------------------------------- imports


@st.cache_data(show_spinner=False, max_entries=4)
def rezoned_park_ids(fingerprint: str, _layers: LayerSet, _parks) -> dict[str, pd.Series]:
    """:func:`ui.imports.rezone`, worked out once per pending import (the page reruns on
    every click while it waits for confirmation); key: :func:`ui.imports.rezone_key`."""
    return rezone(_layers, _parks)


# --------------------------------------------------------------------------- contiguity


@st.cache_data(show_spinner=False, max_entries=BIG_ENTRIES)
def run_contiguity(
    fingerprint: str,
    statuses: tuple[str, ...],
    land_uses: tuple[str, ...],
    tolerance_m: float,
    use_barriers: bool,
    min_block_area_ha: float,
    outline: str,
    _layers: LayerSet,
) -> ContiguityResult:
    """:func:`analysis.contiguity.contiguous_blocks` on the active parcels (fingerprint of
    the parcels and constraints), cached."""
    return contiguous_blocks(
        _layers.parcels,
        tolerance_m=tolerance_m,
        statuses=list(statuses),
        land_uses=list(land_uses),
        barriers=_layers.constraints if use_barriers else None,
        min_block_area_ha=min_block_area_ha,
        outline=outline,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def blocks_url(key: tuple, lang_code: str, system: str, _blocks, _layers: LayerSet) -> str:
    """URL of the blocks of a contiguity run (``key``: its :func:`run_contiguity` key)."""
    payload = maps.blocks_payload(_blocks, _layers.parks, lang=lang_code, display_system=system)
    return publish_payload(payload)


# --------------------------------------------------------------------------- capacity


@st.cache_data(show_spinner=False, max_entries=BIG_ENTRIES)
def rule_capacity_result(
    fingerprint: str,
    std_key: str,
    far_mode: str,
    coverage: float | None,
    height_cap_m: float | None,
    scope: str,
    _layers: LayerSet,
    _standards: Standards,
) -> gpd.GeoDataFrame:
    """Capacity of ``_layers``' parcels under the app's redevelopment rule, cached.

    ``fingerprint`` stands for the parcels (and parks): for a scenario it must name the
    scenario too. ``scope`` "rule": the parcels :data:`~analysis.capacity.REDEVELOP_RULE`
    rebuilds; "all": every industrial parcel (theoretical capacity), at the same FARs.
    ``far_mode`` "rule": the rule's FARs; "base" or "upper": every rebuilt parcel built to
    that FAR.
    """
    rule = REDEVELOP_RULE if far_mode == "rule" else REDEVELOP_RULE.at_far(far_mode)
    if scope == "all":
        rule = replace(rule, statuses=tuple(STATUS.codes))
    return rule_capacity(
        _layers.parcels, _standards, rule=rule, coverage=coverage, height_cap_m=height_cap_m
    )


@st.cache_data(show_spinner=False, max_entries=BIG_ENTRIES)
def rule_capacity_payload(
    fingerprint: str,
    std_key: str,
    params: tuple,
    value_col: str,
    lang_code: str,
    system: str,
    _layers: LayerSet,
    _standards: Standards,
) -> tuple[dict, str, list[float]]:
    """:func:`rule_capacity_result`'s parcels coloured by a capacity column with capacity
    tooltips, the URL it is served at, and the bins used."""
    result = rule_capacity_result(fingerprint, std_key, *params, _layers, _standards)
    payload, bins = maps.capacity_payload(
        result, _layers.parks, value_col, lang=lang_code, display_system=system
    )
    return payload, publish_payload(payload), bins


# --------------------------------------------------------------------------- colocation


@st.cache_data(show_spinner=False, max_entries=8)
def firm_parcels(fingerprint: str, _layers: LayerSet) -> pd.DataFrame:
    """Which firm stands on which parcel (positions), for ``fingerprint`` = the parcels' and
    enterprises' fingerprint."""
    return firms_on_parcels(_layers.parcels, _layers.enterprises)


@st.cache_data(show_spinner=False, max_entries=8)
def assembly_costs(
    fingerprint: str, weights: tuple[tuple[str, float], ...], _layers: LayerSet
) -> pd.DataFrame:
    """The 整备 cost of each parcel, part by part, under ``weights`` (key, value pairs)."""
    return assembly_cost_parts(_layers.parcels, _layers.enterprises, dict(weights))


@st.cache_data(show_spinner=False, max_entries=8)
def guidance_fit(fingerprint: str, _layers: LayerSet) -> pd.DataFrame:
    return co.park_guidance_fit(_layers.enterprises, _layers.parks)


@st.cache_data(show_spinner=False, max_entries=8)
def location_quotients(fingerprint: str, weight: str | None, _layers: LayerSet) -> pd.DataFrame:
    return co.location_quotients(_layers.enterprises, weight=weight)


@st.cache_data(show_spinner=False, max_entries=16)
def colocation_table(
    fingerprint: str,
    k: int,
    permutations: int,
    seed: int,
    alpha: float,
    categories: tuple[str, ...],
    _layers: LayerSet,
) -> pd.DataFrame:
    """Global co-location quotients, significant at ``alpha``."""
    return co.colocation_quotients(
        _layers.enterprises,
        k=k,
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        categories=list(categories),
    )


@st.cache_data(show_spinner=False, max_entries=BIG_ENTRIES)
def local_table(
    fingerprint: str,
    a: str,
    b: str,
    k: int,
    permutations: int,
    seed: int,
    alpha: float,
    _layers: LayerSet,
) -> gpd.GeoDataFrame:
    """Local co-location quotients of the A firms towards B, significant at ``alpha``."""
    return co.local_colocation(
        _layers.enterprises, a, b, k=k, permutations=permutations, seed=seed, alpha=alpha
    )


@st.cache_data(show_spinner=False, max_entries=BIG_ENTRIES)
def local_payloads(
    fingerprint: str,
    a: str,
    b: str,
    k: int,
    permutations: int,
    seed: int,
    alpha: float,
    lang_code: str,
    system: str,
    _layers: LayerSet,
) -> tuple[tuple, tuple]:
    """(payload, URL) of the A points (coloured by co-location type) and of the B points."""
    result = local_table(fingerprint, a, b, k, permutations, seed, alpha, _layers)
    a_payload, b_payload = maps.local_colocation_payloads(
        result, _layers.enterprises, a, b, lang=lang_code, display_system=system
    )
    return (a_payload, publish_payload(a_payload)), (b_payload, publish_payload(b_payload))


@st.cache_data(show_spinner=False, max_entries=8)
def anchor_table(fingerprint: str, radii_m: tuple[float, ...], _layers: LayerSet) -> pd.DataFrame:
    return co.anchor_proximity(_layers.enterprises, radius_m=radii_m)


# --------------------------------------------------------------------------- clusters by firm and year


@st.cache_data(show_spinner=False, max_entries=8)
def off_guidance(fingerprint: str, _layers: LayerSet) -> pd.DataFrame:
    """Firms not in a park guiding their cluster, with the nearest park that does."""
    return co.off_guidance_firms(_layers.enterprises, _layers.parks)


@st.cache_data(show_spinner=False, max_entries=16)
def firms_around(
    fingerprint: str, anchor: str, radii_m: tuple[float, ...], _layers: LayerSet
) -> pd.DataFrame:
    """The firms within ``radii_m`` of the firm ``anchor``, nearest first."""
    return co.firms_around(_layers.enterprises, anchor, radii_m)


@st.cache_data(show_spinner=False, max_entries=8)
def year_lists(path: str, mtime: float) -> dict[str, gpd.GeoDataFrame]:
    """Earlier enterprise lists kept in a GeoPackage as layers ``enterprises_<year>``."""
    return earlier_enterprise_lists(Path(path))


@st.cache_data(show_spinner=False, max_entries=8)
def kept_enterprises(import_id: str, mtime: float) -> gpd.GeoDataFrame | None:
    """The enterprises layer of a kept import (None when it has none)."""
    return load_imported_layers(import_id).enterprises


@st.cache_data(show_spinner=False, max_entries=8)
def year_comparison(
    before_fp: str, after_fp: str, _before, _after, _parks
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(firm changes, per cluster × park, guidance fit per park) between two lists."""
    return (
        co.match_firms(_before, _after, _parks),
        co.cluster_park_change(_before, _after, _parks),
        co.fit_change(_before, _after, _parks),
    )


# --------------------------------------------------------------------------- scenarios


@st.cache_resource(show_spinner=False)
def store_at(location: str) -> ScenarioStore:
    """The scenario store at a GeoPackage path or database URL, one per process."""
    return open_store(location)


def the_store() -> ScenarioStore:
    """The scenario store of the deployment (the shared database, else the workspace's);
    with accounts, as the signed-in user may use it (:class:`~layers.team.GuardedScenarioStore`)."""
    store = store_at(store_location())
    team = the_team()
    if team is None:
        return store
    from ui.signin import current_user

    return GuardedScenarioStore(store, team, current_user())


@st.cache_resource(show_spinner=False)
def team_store_at(location: str, is_url: bool) -> TeamStore:
    """The team store at a database URL or an SQLite path, one per process."""
    return TeamStore.postgres(location) if is_url else TeamStore.sqlite(location)


def the_team() -> TeamStore | None:
    """The deployment's team store when sign-in is configured (an enabled account, or
    single sign-on), else None: one local user. Makes no file."""
    url = database_url()
    if url is None and existing_team_file() is None and not sso_configured():
        return None
    team = team_store_at(url or str(team_file()), url is not None)
    return team if team.has_accounts() or sso_configured() else None


def chain_key(scenario: Scenario, store: ScenarioStore) -> str:
    """Fingerprint of a scenario and every scenario it builds on."""
    parts, seen, current = [scenario.fingerprint()], set(), scenario
    while current.base_id and current.base_id not in seen:
        seen.add(current.base_id)
        current = store.open(current.base_id)
        parts.append(current.fingerprint())
    return "-".join(parts)


@st.cache_resource(show_spinner=False, max_entries=16)
def applied(layers_fp: str, key: str, _scenario: Scenario, _layers: LayerSet) -> AppliedScenario:
    """A scenario applied to the layers (``key``: :func:`chain_key`)."""
    return apply(_scenario, _layers, resolve_base=the_store().open)


def applied_saved(scenario_id: str, layers: LayerSet) -> tuple[AppliedScenario, str]:
    """A scenario of the store applied to the layers, and its :func:`chain_key`.

    Raises InputError when the scenario cannot be read (deleted meanwhile, damaged)."""
    store = the_store()
    scenario = store.open(scenario_id)
    key = chain_key(scenario, store)
    return applied(layers.fingerprint(), key, scenario, layers), key


@st.cache_data(show_spinner=False, max_entries=32)
def scenario_parcels_url(
    layers_fp: str,
    key: str,
    lang_code: str,
    system: str,
    _result: AppliedScenario,
    _layers: LayerSet,
) -> str:
    """URL of the scenario's parcels for the map, built once per scenario state."""
    payload = maps.parcels_payload(
        _result.parcels, _layers.parks, lang=lang_code, display_system=system
    )
    return publish_payload(payload)


@st.cache_resource(show_spinner=False, max_entries=16)
def scenario_indicators_of(layers_fp: str, key: str, _layers: LayerSet):
    """:func:`analysis.indicators.scenario_indicators` of a scenario's (or the baseline's)
    layers (``key``: :func:`chain_key`, or "baseline")."""
    return scenario_indicators(_layers)


# --- 工业上楼 massing (3D view) and the scenario report -----------------------------------


@st.cache_data(show_spinner=False, max_entries=BIG_ENTRIES)
def massing_envelopes(key: str, _capacity: gpd.GeoDataFrame, _standards: Standards):
    """Building envelopes of a capacity result (:func:`analysis.massing.building_envelopes`),
    cached on ``key`` (a fingerprint of the result and the standards)."""
    from analysis.massing import building_envelopes

    return building_envelopes(_capacity, _standards)


@st.cache_data(show_spinner=False, max_entries=BIG_ENTRIES)
def massing_geojson(key: str, _envelopes: gpd.GeoDataFrame) -> str:
    """The envelopes as RFC 7946 GeoJSON text (the one GeoJSON writer), cached on ``key``."""
    from geo.io import write_geojson

    return write_geojson(_envelopes)


# --------------------------------------------------------------------------- vector tiles

#: Environment variable overriding :data:`ui.maps.TILE_MIN_FEATURES` (benchmarks compare).
TILE_MIN_FEATURES_ENV = "LANDPLAN_TILE_MIN_FEATURES"


def tile_min_features() -> int:
    """Feature count from which parcels and firms reach the map as vector tiles
    (:data:`ui.maps.TILE_MIN_FEATURES`, or ``$LANDPLAN_TILE_MIN_FEATURES``)."""
    text = os.environ.get(TILE_MIN_FEATURES_ENV, "").strip()
    return int(text) if text.isdigit() else maps.TILE_MIN_FEATURES


def parcels_tiles_url(
    layers: LayerSet, color_by: str, lang_code: str, system: str
) -> tuple[str, maps.Overview | None, str | None]:
    """URL of the parcels as vector tiles (same properties as :func:`parcels_url`), their
    generalised overview and its image's URL (:func:`ui.static_cache.publish_tiles`)."""
    return _parcels_tiles_url(
        layers.fingerprint("parcels", "parks"), color_by, lang_code, system, layers
    )


def enterprises_tiles_url(layers: LayerSet, lang_code: str, system: str) -> str:
    """URL of the firms other than anchor firms as vector tiles."""
    return _enterprises_tiles_url(
        layers.fingerprint("enterprises", "parks"), lang_code, system, layers
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _parcels_tiles_url(
    fingerprint: str, color_by: str, lang_code: str, system: str, _layers: LayerSet
) -> tuple[str, maps.Overview | None, str | None]:
    payload = maps.parcels_payload(
        _layers.parcels, _layers.parks, color_by=color_by, lang=lang_code, display_system=system
    )
    label = maps.parcel_color_rule(color_by)[2]
    return publish_tiles(payload, "parcels", overview_label=label)


@st.cache_data(show_spinner=False, max_entries=8)
def _enterprises_tiles_url(fingerprint: str, lang_code: str, system: str, _layers: LayerSet) -> str:
    firms = _layers.enterprises
    payload = maps.enterprises_payload(
        firms[~firms.is_anchor], _layers.parks, lang=lang_code, display_system=system
    )
    return publish_tiles(payload, "enterprises")[0]


@st.cache_resource(show_spinner=False, max_entries=BIG_ENTRIES)
def attribute_arrow(layers_fp: str, key: str, lang_code: str, headers: dict, _parcels, _park_label):
    """The 情景规划 attribute table of a scenario state (``key``) in layer order, nothing
    selected, as an Arrow table with ``headers`` (:func:`ui.selection.attribute_table`;
    ``_park_label`` names the parks)."""
    table = attribute_table(_parcels, [], lang=lang_code, park_label=_park_label)
    return pa.Table.from_pandas(table.rename(columns=headers), preserve_index=False)


@st.cache_resource(show_spinner=False, max_entries=16)
def compared_indicators(layers_fp: str, key_a: str, key_b: str, _ind_a, _ind_b):
    """:func:`analysis.indicators.compare_indicators` of two scenarios' indicators (keys
    as for :func:`scenario_indicators_of`), computed once per pair of states."""
    return compare_indicators(_ind_a, _ind_b)
