"""Pieces shared by the capacity and cluster pages: labels in the chosen language, cached
analysis runs and their map payloads, and legends for binned values.

Analyses are cached here, at the UI edge, keyed on the content fingerprint of the layers
they read (``LayerSet.fingerprint``) plus their parameters; the LayerSet and the standards
are passed as underscore arguments so Streamlit does not hash them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from analysis import colocation as co
from analysis.capacity import REDEVELOP_ALL, floor_capacity
from analysis.standards import FloorBand, Standards, load_standards
from geo.errors import InputError
from layers import map as lmap
from layers.catalog import LayerSet
from layers.schema import CLUSTER
from ui.common import lang, park_label, t
from ui.resources import publish_payload

#: The city's yearly 工业上楼 programme, m² (深府函〔2023〕20号: ≥ 2,000万 m² a year, 5 years).
CITY_PROGRAMME_M2_PER_YEAR = 20_000_000.0
#: Colour of parcels with nothing to show (not redeveloped, non-industrial).
NO_VALUE_COLOR = "#e0e0e0"
LOCAL_TYPE_COLORS = {
    co.COLOCATED: "#d7191c",
    co.ISOLATED: "#2c7bb6",
    co.NOT_SIGNIFICANT: "#fdd835",
}
LOCAL_TYPE_LABELS = {
    co.COLOCATED: ("显著共位", "co-located"),
    co.ISOLATED: ("显著隔离", "isolated"),
    co.NOT_SIGNIFICANT: ("不显著", "not significant"),
}
B_POINT_COLOR = "#757575"


# --------------------------------------------------------------------------- labels


def cluster_label(code: str) -> str:
    return CLUSTER.label(code, lang())


def choice(
    widget: Callable,
    label: str,
    options: Sequence,
    key: str,
    *,
    format_func: Callable[[object], str],
    default: object = None,
    **kwargs,
) -> object:
    """A radio or selectbox whose option labels follow the language and whose choice
    survives a switch of language.

    Streamlit remembers a radio's or selectbox's choice by its label, so relabelling the
    options would lose it: the widget gets a key per language, and the choice itself is
    kept under ``key``.
    """
    options = list(options)
    current = st.session_state.get(key, default)
    index = options.index(current) if current in options else 0
    value = widget(
        label,
        options=options,
        index=index,
        format_func=format_func,
        key=f"{key}_{lang()}",
        **kwargs,
    )
    st.session_state[key] = value
    return value


def cluster_list_label(codes: str | Sequence[str]) -> str:
    """Comma-separated cluster codes ("car, chip") as labels in the chosen language."""
    if isinstance(codes, str):
        codes = [c.strip() for c in codes.split(",") if c.strip()]
    return t("、", ", ").join(cluster_label(c) for c in codes)


def tally_label(text: str) -> str:
    """``"traditional:12, other:5"`` → ``"传统产业 12、其他 5"``."""
    parts = []
    for item in (text or "").split(","):
        code, _, count = item.strip().partition(":")
        if code:
            parts.append(f"{cluster_label(code)} {count}".strip())
    return t("、", ", ").join(parts)


def fit_key_label(key: str, standards: Standards) -> str:
    """Label of a suitability key: the cluster's label, with its sub-type when it has one."""
    cluster, _, sub_type = key.partition(":")
    if not sub_type:
        return cluster_label(cluster)
    if lang() == "zh":
        entry = standards.highrise.fit(key) if key in standards.highrise.fit_keys else None
        if entry is not None and entry.label_zh:
            return entry.label_zh
        return f"{cluster_label(cluster)}·{sub_type}"
    return f"{cluster_label(cluster)} ({sub_type.replace('_', ' ')})"


def band_label(band: FloorBand) -> str:
    """A floor band's name: its Chinese label, or the floors it spans."""
    if lang() == "zh" and band.label_zh:
        return band.label_zh
    first, last = band.first_floor, band.last_floor
    if last is None:
        return t(f"{first} 层及以上", f"floors {first} and up")
    if first == last:
        return t(f"第 {first} 层", "ground floor" if first == 1 else f"floor {first}")
    return t(f"{first}–{last} 层", f"floors {first}–{last}")


@st.cache_resource(show_spinner=False)
def _guidance() -> co.ParkGuidance | None:
    try:
        return co.load_park_guidance()
    except InputError:
        return None


def park_name(park_id: object, layers: LayerSet) -> str:
    """Park name in the chosen language ("园区外" for none); English from the guidance table."""
    if lang() == "en" and isinstance(park_id, str):
        guide = _guidance()
        if guide is not None and park_id in guide.parks:
            return guide.parks[park_id].name_en
    if park_id == "(none)":
        park_id = None
    return park_label(park_id, layers)


def wan_m2(value_m2: float) -> str:
    """Floor area as 万 m² (10⁴ m²) text."""
    return f"{value_m2 / 1e4:,.1f}"


# --------------------------------------------------------------------------- charts


def value_colors(
    values: np.ndarray, bins: Sequence[float], palette: Sequence[str] = lmap.SEQUENTIAL
) -> list[str]:
    """Binned colours; values ≤ 0 or missing get :data:`NO_VALUE_COLOR`."""
    colors = lmap.binned_colors(values, bins, palette)
    empty = ~(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0) > 0)
    return [NO_VALUE_COLOR if e else c for c, e in zip(colors, empty, strict=True)]


def bins_legend(
    bins: Sequence[float],
    *,
    scale: float = 1e4,
    unit: str = "",
    palette: Sequence[str] = lmap.SEQUENTIAL,
    none_label: str | None = None,
) -> list[tuple[str, str]]:
    """Legend items matching :func:`value_colors` (values shown divided by ``scale``)."""
    items = []
    if none_label:
        items.append((NO_VALUE_COLOR, none_label))
    edges = list(bins)
    for i, lo in enumerate(edges):
        color = palette[min(i + 1, len(palette) - 1)]
        if i + 1 < len(edges):
            text = f"{lo / scale:g} – {edges[i + 1] / scale:g}"
        else:
            text = f"≥ {lo / scale:g}"
        items.append((color, f"{text} {unit}".strip()))
    return items


# --------------------------------------------------------------------------- standards


def standards_key(standards: Standards) -> str:
    """A content hash of the standards, to key cached results on."""
    text = json.dumps(standards.to_dicts(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@st.cache_resource(show_spinner=False)
def default_standards() -> Standards:
    return load_standards()


# --------------------------------------------------------------------------- capacity


@st.cache_data(show_spinner=False, max_entries=16)
def capacity_result(
    fingerprint: str,
    std_key: str,
    far_mode: str,
    coverage: float | None,
    height_cap_m: float,
    scenario: str,
    _layers: LayerSet,
    _standards: Standards,
) -> gpd.GeoDataFrame:
    """:func:`analysis.capacity.floor_capacity` on the active parcels, cached."""
    return floor_capacity(
        _layers.parcels,
        _standards,
        far_mode=far_mode,
        coverage=coverage,
        height_cap_m=height_cap_m,
        redevelop=REDEVELOP_ALL if scenario == "all" else None,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def capacity_payload(
    fingerprint: str,
    std_key: str,
    params: tuple,
    value_col: str,
    lang_code: str,
    system: str,
    _layers: LayerSet,
    _standards: Standards,
) -> tuple[dict, str, list[float]]:
    """Parcels coloured by a capacity column with capacity tooltips, the URL it is served
    at, and the bins used."""
    result = capacity_result(fingerprint, std_key, *params, _layers, _standards)
    values = result[value_col].to_numpy(dtype=float)
    bins = lmap.nice_bins(values, n=5)
    dash = "—"

    def whole(col: str) -> list[str]:
        arr = result[col].to_numpy(dtype=float)
        return [f"{v:,.0f}" if v > 0 else dash for v in arr]

    far = result["far_allowed"].to_numpy(dtype=float)
    height = result["height_m"].to_numpy(dtype=float)
    floors = result["floors"].to_numpy()
    payload = lmap.parcels_payload(
        result,
        _layers.parks,
        lang=lang_code,
        display_system=system,
        colors=value_colors(values, bins),
        extra={
            "far_allowed_txt": [f"{v:.2f}" if v > 0 else dash for v in far],
            "floors_txt": [str(int(f)) if f > 0 else dash for f in floors],
            "height_txt": [f"{h:.1f}" if h > 0 else dash for h in height],
            "gfa_max_txt": whole("gfa_max_m2"),
            "gfa_inc_txt": whole("gfa_increment_m2"),
        },
    )
    return payload, publish_payload(payload), bins


CAPACITY_TOOLTIP = (
    *(row for row in lmap.PARCEL_TOOLTIP if row[0] != "name"),
    ("far_allowed_txt", ("允许容积率", "FAR allowed")),
    ("floors_txt", ("层数", "Floors")),
    ("height_txt", ("建筑高度(m)", "Height (m)")),
    ("gfa_max_txt", ("可建建筑面积(m²)", "GFA max (m²)")),
    ("gfa_inc_txt", ("新增建筑面积(m²)", "GFA increment (m²)")),
)


# --------------------------------------------------------------------------- colocation


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
    categories: tuple[str, ...],
    _layers: LayerSet,
) -> pd.DataFrame:
    return co.colocation_quotients(
        _layers.enterprises, k=k, permutations=permutations, seed=seed, categories=list(categories)
    )


@st.cache_data(show_spinner=False, max_entries=16)
def local_table(
    fingerprint: str, a: str, b: str, k: int, permutations: int, seed: int, _layers: LayerSet
) -> gpd.GeoDataFrame:
    return co.local_colocation(_layers.enterprises, a, b, k=k, permutations=permutations, seed=seed)


@st.cache_data(show_spinner=False, max_entries=16)
def local_payloads(
    fingerprint: str,
    a: str,
    b: str,
    k: int,
    permutations: int,
    seed: int,
    lang_code: str,
    system: str,
    _layers: LayerSet,
) -> tuple[tuple, tuple]:
    """(payload, URL) of the A points (coloured by co-location type) and of the B points."""
    result = local_table(fingerprint, a, b, k, permutations, seed, _layers)
    firms = _layers.enterprises
    names = firms["name"].reindex(result.index) if "name" in firms.columns else None
    kinds = result["colocation_type"].to_numpy(dtype=object)
    zh = lang_code == "zh"
    type_text = [
        (LOCAL_TYPE_LABELS[k][0 if zh else 1] if k in LOCAL_TYPE_LABELS else "—") for k in kinds
    ]
    a_payload = lmap.geojson_payload(
        result,
        ["lclq", "p_value"],
        colors=[LOCAL_TYPE_COLORS.get(k, "#9e9e9e") for k in kinds],
        display_system=system,
        extra={
            "name": names.to_numpy(dtype=object) if names is not None else result.index,
            "cluster_label": [CLUSTER.label(a, lang_code)] * len(result),
            "type_label": type_text,
        },
    )
    b_firms = firms[firms["cluster"] == b]
    if a == b:
        b_firms = b_firms.iloc[:0]
    b_payload = lmap.geojson_payload(
        b_firms,
        ["name"],
        colors=[B_POINT_COLOR] * len(b_firms),
        display_system=system,
        extra={"cluster_label": [CLUSTER.label(b, lang_code)] * len(b_firms)},
    )
    return (a_payload, publish_payload(a_payload)), (b_payload, publish_payload(b_payload))


LOCAL_TOOLTIP = (
    ("name", ("企业名称", "Enterprise")),
    ("cluster_label", ("产业集群", "Cluster")),
    ("type_label", ("共位类型", "Type")),
    ("lclq", ("局部共位商", "Local CLQ")),
    ("p_value", ("p 值", "p-value")),
)


@st.cache_data(show_spinner=False, max_entries=8)
def anchor_table(fingerprint: str, radii_m: tuple[float, ...], _layers: LayerSet) -> pd.DataFrame:
    return co.anchor_proximity(_layers.enterprises, radius_m=radii_m)
