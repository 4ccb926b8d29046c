"""工业上楼 in 3D: the building envelopes of a capacity result in Streamlit's own deck.gl.

:func:`massing_section` draws the envelopes of :func:`analysis.massing.building_envelopes`
with ``st.pydeck_chart``: one extruded polygon per floor band from its base to its top
height, coloured by band (or, for one chosen cluster, the bands that suit it), the existing
floor area as a lighter grey mass, a plain-text tooltip (floors, heights, GFA of the band),
and camera presets per park. There is no basemap (``map_provider=None``): the view draws
only the data it is given, so nothing is requested from outside the machine. A download
button offers the envelopes as GeoJSON with ``height_m``, ``base_m`` and the band
attributes, written by the one GeoJSON writer (:func:`geo.io.write_geojson`).

The record and camera helpers (:func:`deck_records`, :func:`camera_presets`) are plain
functions of their inputs, so they can be tested without a browser.
"""

from __future__ import annotations

import hashlib
import math

import geopandas as gpd
import numpy as np
import pydeck as pdk
import shapely
import streamlit as st

from analysis.massing import EXISTING, NEW
from analysis.standards import Standards
from geo.errors import InputError
from layers.catalog import LayerSet, layer_fingerprint
from ui import cache
from ui.common import md_escape, park_name, publish_result, show_input_error
from ui.i18n import band_label, fit_key_label, t
from ui.maps import (
    BAND_COLORS,
    CLUSTER_COLORS,
    EXISTING_COLOR,
    OTHER_BAND_COLOR,
    UNSUITED_COLOR,
)
from ui.widgets import choice

__all__ = [
    "camera_presets",
    "deck_records",
    "massing_deck",
    "massing_section",
]

#: Map style that tells Streamlit's deck.gl front end to draw no basemap at all. Without it
#: (``map_style=None``) Streamlit 1.67 fills in a Carto basemap fetched from the internet for
#: every MapView; its front end drops this marker and skips that default. The browser test
#: (tests/e2e/test_massing.py) checks that no request leaves the machine.
NO_BASEMAP = "__MAP_STYLE__"
_BY_BAND = "__band__"
_ALL_PARKS = "__all__"


def _hex_rgba(color: str, alpha: int = 235) -> list[int]:
    color = color.lstrip("#")
    return [int(color[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def deck_records(
    envelopes: gpd.GeoDataFrame,
    *,
    color_by: str = _BY_BAND,
    show_existing: bool = True,
    band_labels: dict[str, str] | None = None,
    existing_label: str = "现状建筑面积",
    precision: int = 6,
) -> list[dict]:
    """One JSON-ready record per polygon part of each envelope, for a deck.gl PolygonLayer.

    Each record has ``polygon`` (the exterior ring as ``[lon, lat, base_m]`` triples, so the
    extrusion starts at the band's base), ``thickness_m``, ``color`` (RGBA) and the
    tooltip fields ``parcel``, ``band``, ``floors``, ``base``, ``top``, ``gfa_wan`` (万 m²).
    ``color_by`` is :data:`_BY_BAND` (colour per band) or a suitability key: bands whose
    ``fits`` list it take the cluster's colour, the others :data:`UNSUITED_COLOR`. Bands are
    named by ``band_labels`` (key → label), the existing mass by ``existing_label``.
    """
    labels = band_labels or {}
    frame = envelopes if show_existing else envelopes[envelopes["mass"] == NEW]
    if not len(frame):
        return []
    parts, row_of = shapely.get_parts(frame.geometry.to_numpy(), return_index=True)
    rings = shapely.get_exterior_ring(parts)
    coords, vertex_of = shapely.get_coordinates(rings, return_index=True)
    coords = np.round(coords, precision)
    cuts = np.flatnonzero(np.diff(vertex_of)) + 1
    ring_coords = np.split(coords, cuts)
    columns = {
        c: frame[c].to_numpy()
        for c in ("parcel_id", "mass", "band", "floors", "base_m", "height_m", "gfa_m2", "fits")
    }
    cluster_color = (
        _hex_rgba(CLUSTER_COLORS.get(color_by.partition(":")[0], "#9e9e9e"))
        if color_by != _BY_BAND
        else None
    )
    records = []
    for part, ring in zip(row_of[np.unique(vertex_of)], ring_coords, strict=True):
        mass = columns["mass"][part]
        band = str(columns["band"][part])
        base = float(columns["base_m"][part])
        top = float(columns["height_m"][part])
        if mass == EXISTING:
            color = EXISTING_COLOR
            band_text = existing_label
            floors = f"{float(columns['floors'][part]):.1f}"
        else:
            if cluster_color is None:
                color = BAND_COLORS.get(band, OTHER_BAND_COLOR)
            else:
                fits = str(columns["fits"][part]).split(",")
                color = cluster_color if color_by in fits else UNSUITED_COLOR
            band_text = labels.get(band, band)
            floors = f"{int(columns['floors'][part])}"
        records.append(
            {
                "polygon": [[x, y, base] for x, y in ring.tolist()],
                "thickness_m": top - base,
                "color": color,
                "parcel": str(columns["parcel_id"][part]),
                "band": band_text,
                "floors": floors,
                "base": f"{base:.1f}",
                "top": f"{top:.1f}",
                "gfa_wan": f"{float(columns['gfa_m2'][part]) / 1e4:,.2f}",
            }
        )
    return records


def camera_presets(
    envelopes: gpd.GeoDataFrame, names: dict[str, str], district_label: str
) -> dict[str, dict]:
    """A camera (``latitude``, ``longitude``, ``zoom``, ``pitch``, ``bearing``) over the
    whole set and over each park's envelopes, keyed by the label shown.

    The zoom fits the larger of the lon/lat spans in a ~640 px wide view:
    ``zoom = log2(360 × 640 / 256 / span°)``, capped at 17.
    """

    def view(frame: gpd.GeoDataFrame) -> dict:
        minx, miny, maxx, maxy = frame.total_bounds
        span = max(maxx - minx, (maxy - miny) * 1.3, 1e-4)
        zoom = min(math.log2(360.0 * 640.0 / 256.0 / span), 17.0)
        return {
            "latitude": float((miny + maxy) / 2 - 0.1 * (maxy - miny)),
            "longitude": float((minx + maxx) / 2),
            "zoom": round(zoom, 2),
            "pitch": 50.0,
            "bearing": 0.0,
        }

    presets: dict[str, dict] = {}
    if len(envelopes):
        presets[district_label] = view(envelopes)
        for park_id in sorted(envelopes["park_id"].dropna().astype(str).unique()):
            part = envelopes[envelopes["park_id"].astype(str) == park_id]
            presets[names.get(park_id, park_id)] = view(part)
    return presets


def massing_deck(records: list[dict], camera: dict) -> pdk.Deck:
    """The deck: one extruded PolygonLayer, no basemap, a plain-text tooltip."""
    layer = pdk.Layer(
        "PolygonLayer",
        data=records,
        id="massing",
        get_polygon="polygon",
        get_elevation="thickness_m",
        get_fill_color="color",
        get_line_color=[90, 90, 90, 120],
        extruded=True,
        wireframe=False,
        filled=True,
        pickable=True,
        auto_highlight=True,
        material={"ambient": 0.45, "diffuse": 0.6, "shininess": 24},
    )
    tooltip = {
        "text": t(
            "地块 {parcel}\n{band}\n层数 {floors}\n高度 {base}–{top} m\n建筑面积 {gfa_wan} 万 m²",
            "Parcel {parcel}\n{band}\nFloors {floors}\nHeight {base}–{top} m\n"
            "GFA {gfa_wan} × 10⁴ m²",
        )
    }
    return pdk.Deck(
        layers=[layer],
        initial_view_state=pdk.ViewState(**camera),
        map_provider=None,
        map_style=NO_BASEMAP,
        tooltip=tooltip,
    )


def _capacity_key(capacity: gpd.GeoDataFrame, standards: Standards) -> str:
    cols = [c for c in capacity.columns if c == "parcel_id" or c.startswith(("gfa_", "foot"))]
    cols += ["redeveloped", capacity.geometry.name]
    digest = hashlib.blake2b(digest_size=8)
    digest.update(layer_fingerprint(capacity[cols]).encode())
    digest.update(cache.standards_key(standards).encode())
    return digest.hexdigest()


def _legend(standards: Standards, color_by: str) -> None:
    if color_by == _BY_BAND:
        items = [
            (BAND_COLORS.get(b.key, OTHER_BAND_COLOR), band_label(b))
            for b in standards.highrise.bands
        ]
    else:
        items = [
            (
                _hex_rgba(CLUSTER_COLORS.get(color_by.partition(":")[0], "#9e9e9e")),
                t("适合", "suits"),
            ),
            (UNSUITED_COLOR, t("不适合", "does not suit")),
        ]
    items.append((EXISTING_COLOR, t("现状建筑面积（浅灰）", "existing floor area (light grey)")))
    st.caption(
        " · ".join(
            f"<span style='color:rgb({c[0]},{c[1]},{c[2]})'>■</span> {md_escape(label)}"
            for c, label in items
        ),
        unsafe_allow_html=True,
    )


def massing_section(
    layers: LayerSet,
    capacity: gpd.GeoDataFrame,
    standards: Standards,
    *,
    key: str,
    download: bool = True,
) -> None:
    """The 3D view of a capacity result, with colour, camera and existing-mass controls and
    (``download``) the GeoJSON export of the envelopes; ``key`` prefixes the widget keys."""
    st.subheader(t("工业上楼三维体量", "High-rise industry in 3D"))
    try:
        fp = _capacity_key(capacity, standards)
        with st.spinner(t("正在生成建筑体量…", "Building the envelopes…")):
            envelopes = cache.massing_envelopes(fp, capacity, standards)
    except InputError as exc:
        show_input_error(exc)
        return
    if not len(envelopes):
        st.info(
            t("没有改造地块，无建筑体量可显示。", "No parcel is rebuilt: nothing to show in 3D.")
        )
        return
    names = {p: park_name(p, layers) for p in envelopes["park_id"].dropna().astype(str).unique()}
    district = t("全部改造地块", "all rebuilt parcels")
    presets = camera_presets(envelopes, names, district)
    fit_keys = [e.key for e in standards.highrise.suitability]
    c1, c2, c3 = st.columns([2, 2, 1])
    # Options are codes and their labels follow the language (ui.widgets.choice).
    labels = {v: k for k, v in names.items()} | {district: _ALL_PARKS}
    camera_code = choice(
        c1.selectbox,
        t("视角", "Camera"),
        [labels[label] for label in presets],
        f"{key}_massing_camera",
        format_func=lambda code: district if code == _ALL_PARKS else names[code],
    )
    camera = district if camera_code == _ALL_PARKS else names[camera_code]
    # Labels made now, in this run's language (a format function must not look it up later).
    color_labels = {_BY_BAND: t("按楼层分段", "by floor band")} | {
        k: t(f"适合：{fit_key_label(k, standards)}", f"suits: {fit_key_label(k, standards)}")
        for k in fit_keys
    }
    color_by = choice(
        c2.selectbox,
        t("着色", "Colour"),
        list(color_labels),
        f"{key}_massing_color",
        format_func=color_labels.get,
    )
    show_existing = c3.toggle(t("现状体量", "Existing"), value=True, key=f"{key}_massing_existing")
    band_labels = {b.key: band_label(b) for b in standards.highrise.bands}
    records = deck_records(
        envelopes,
        color_by=color_by,
        show_existing=show_existing,
        band_labels=band_labels,
        existing_label=t("现状建筑面积", "existing floor area"),
    )
    st.pydeck_chart(
        massing_deck(records, presets[camera]),
        height=560,
        key=f"{key}_massing_deck",
    )
    _legend(standards, color_by)
    n_parcels = envelopes.loc[envelopes["mass"] == NEW, "parcel_id"].nunique()
    st.caption(
        t(
            f"{n_parcels:,} 个改造地块；建筑占地 = 建筑覆盖率 × 地块面积，由地块向内缩进得到，"
            "位于地块之内；高度按楼层分段的层高累加。无底图，数据不离开本机。",
            f"{n_parcels:,} rebuilt parcels; footprint = coverage × parcel area, the parcel "
            "shrunk inwards, so it lies inside the parcel; heights add up the band floor "
            "heights. No basemap: no data leaves the machine.",
        )
    )
    publish_result(
        "massing_envelopes", ("工业上楼建筑体量", "High-rise building envelopes"), envelopes
    )
    if download:
        text = cache.massing_geojson(fp, envelopes)
        st.download_button(
            t("下载建筑体量 GeoJSON", "Download envelopes (GeoJSON)"),
            data=text.encode("utf-8"),
            file_name="massing_envelopes.geojson",
            mime="application/geo+json",
            on_click="ignore",
            key=f"{key}_massing_download",
            help=t(
                "每个楼层分段一个面：height_m 顶部高度、base_m 底部高度（m）、band 分段、"
                "floors 层数、gfa_m2 建筑面积；mass=existing 为现状建筑面积。",
                "One polygon per floor band: height_m top, base_m base (m), band, floors, "
                "gfa_m2; mass=existing is today's floor area.",
            ),
        )
