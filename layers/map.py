"""Folium maps of the layers: styling, legends, tooltips, basemaps, offline assets.

No Streamlit here: functions take plain data (GeoDataFrames, dicts) and return folium
objects or GeoJSON dicts, so the UI can cache the expensive parts (GeoJSON payloads) on the
state of each layer and rebuild the cheap folium wrapper on every rerun.

Offline first: folium's default CDN links are replaced by files installed from npm and
served by the app under ``/app/static/vendor``; with the default basemap ("none") the page
makes no request outside the machine. Every text property shown in a tooltip is
HTML-escaped here, because Leaflet inserts tooltip content as HTML.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.plugins import Draw
from jinja2 import Template

from geo.crs import GCJ02, WGS84, shift_geometries
from layers.schema import CLUSTER, CONSTRAINT_KIND, LAND_USE, STATUS, CodeList

if TYPE_CHECKING:  # rasterio is slow to import and the map only needs the type
    from geo.raster import Hillshade

#: Where the app serves the npm-installed front-end files (Streamlit static serving).
VENDOR_URL = "/app/static/vendor"
LEAFLET_JS = [("leaflet", f"{VENDOR_URL}/leaflet/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", f"{VENDOR_URL}/leaflet/leaflet.css")]
DRAW_JS = [("leaflet_draw_js", f"{VENDOR_URL}/leaflet-draw/leaflet.draw.js")]
DRAW_CSS = [("leaflet_draw_css", f"{VENDOR_URL}/leaflet-draw/leaflet.draw.css")]

#: Basemaps: code → (Chinese label, English label, coordinate system of the tiles).
BASEMAPS: dict[str, tuple[str, str, str]] = {
    "none": ("无底图（离线，山体阴影）", "No basemap (offline, hillshade)", WGS84),
    "osm": ("OpenStreetMap（需联网）", "OpenStreetMap (online)", WGS84),
    "tianditu": ("天地图（需联网和密钥）", "Tianditu (online, needs a key)", WGS84),
    "gaode": ("高德地图（需联网，GCJ-02）", "Gaode (online, GCJ-02)", GCJ02),
}

STATUS_COLORS = {
    "built": "#8c8c8c",
    "under_construction": "#b57edc",
    "granted_unbuilt": "#f2b84b",
    "available": "#43a047",
    "reserve": "#1e88e5",
    "low_efficiency": "#e53935",
    "non_industrial": "#e6e6e6",
}
LAND_USE_COLORS = {"M1": "#a1887f", "M0": "#7e57c2", "W": "#26a69a", "other": "#d0d0d0"}
CLUSTER_COLORS = {
    "car": "#1f77b4",
    "pharma": "#2ca02c",
    "chip": "#d62728",
    "ai": "#9467bd",
    "energy": "#ff7f0e",
    "equipment": "#8c564b",
    "photonics": "#e377c2",
    "lowalt": "#17becf",
    "cellgene": "#bcbd22",
    "traditional": "#7f7f7f",
    "other": "#c7c7c7",
}
SIZE_CLASS_COLORS = {"km2": "#b71c1c", "large": "#fb8c00", "small": "#ffe082"}
SIZE_CLASS_LABELS = {
    "km2": ("平方公里级 (≥100 公顷)", "km-scale (≥ 100 ha)"),
    "large": ("大型 (≥10 公顷)", "large (≥ 10 ha)"),
    "small": ("小型 (<10 公顷)", "small (< 10 ha)"),
}
CONSTRAINT_STYLES = {
    "eco_line": {"color": "#2e7d32", "fillColor": "#a5d6a7", "fillOpacity": 0.35, "weight": 1},
    "block_line_1": {"color": "#0d47a1", "fillOpacity": 0.0, "weight": 2, "dashArray": "6 4"},
    "block_line_2": {"color": "#64b5f6", "fillOpacity": 0.0, "weight": 2, "dashArray": "3 4"},
    "water": {"color": "#1565c0", "fillColor": "#64b5f6", "fillOpacity": 0.7, "weight": 1},
    "trunk_road": {"color": "#f9a825", "fillColor": "#ffe082", "fillOpacity": 0.6, "weight": 0.5},
}
#: Sequential ramp (light → dark) for numeric values such as GFA increments.
SEQUENTIAL = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"]

_TEXT = {
    "boundary": ("行政边界", "Boundaries"),
    "parks": ("园区与产业带", "Parks and corridor"),
    "axis": ("产业带轴线", "Corridor axis"),
    "parcels": ("地块", "Parcels"),
    "enterprises": ("企业", "Enterprises"),
    "anchors": ("龙头企业", "Anchor firms"),
    "constraints": ("约束与屏障", "Constraints and barriers"),
    "hillshade": ("山体阴影", "Hillshade"),
}


def tr(key_or_pair, lang: str = "zh") -> str:
    """Pick the Chinese or English text of a pair or of a key of the map's own labels."""
    zh, en = _TEXT[key_or_pair] if isinstance(key_or_pair, str) else key_or_pair
    return zh if lang == "zh" else en


# --------------------------------------------------------------------------- GeoJSON payloads


def _round_coords(geoms: np.ndarray, decimals: int) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def _json_value(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else round(float(value), 2)
    return html.escape(str(value))


def geojson_payload(
    gdf: gpd.GeoDataFrame,
    fields: Sequence[str] = (),
    *,
    colors: Sequence[str] | None = None,
    display_system: str = WGS84,
    decimals: int = 6,
    extra: Mapping[str, Sequence] | None = None,
) -> dict:
    """A GeoJSON FeatureCollection dict for display.

    Coordinates are rounded to ``decimals`` (6 ≈ 0.1 m) and shifted to ``display_system``
    (GCJ-02 for Gaode tiles). Only ``fields`` are kept as properties, text HTML-escaped;
    ``colors`` becomes the ``_color`` property used by the style functions; ``extra`` adds
    computed properties (also escaped).
    """
    geoms = gdf.to_crs(WGS84).geometry.to_numpy()
    if display_system != WGS84:
        geoms = shift_geometries(geoms, WGS84, display_system)
    geoms = _round_coords(np.asarray(geoms), decimals)
    geo_json = shapely.to_geojson(geoms)
    columns = {f: gdf[f].to_numpy(dtype=object) for f in fields if f in gdf.columns}
    if extra:
        columns.update({k: np.asarray(v, dtype=object) for k, v in extra.items()})
    features = []
    for i, text in enumerate(geo_json):
        if text is None:
            continue
        props = {k: _json_value(v[i]) for k, v in columns.items()}
        if colors is not None:
            props["_color"] = colors[i]
        features.append({"type": "Feature", "geometry": json.loads(text), "properties": props})
    return {"type": "FeatureCollection", "features": features}


def category_colors(
    values: Iterable, palette: Mapping[str, str], default: str = "#9e9e9e"
) -> list[str]:
    """Colour per value from a code → colour table."""
    return [palette.get(v, default) for v in values]


def binned_colors(
    values: Iterable[float], bins: Sequence[float], palette: Sequence[str] = SEQUENTIAL
) -> list[str]:
    """Colour per value by the interval of ``bins`` it falls in (len(palette) == len(bins) + 1)."""
    arr = np.asarray(list(values), dtype=float)
    idx = np.digitize(np.nan_to_num(arr, nan=-np.inf), bins)
    return [palette[min(i, len(palette) - 1)] for i in idx]


def nice_bins(values: Iterable[float], n: int = 5) -> list[float]:
    """Quantile breaks, rounded to two significant digits, for a sequential legend."""
    arr = np.asarray(list(values), dtype=float)
    arr = arr[np.isfinite(arr) & (arr > 0)]
    if len(arr) == 0:
        return [0.0]
    qs = np.quantile(arr, np.linspace(0, 1, n + 1)[1:-1])
    rounded = sorted({float(f"{q:.2g}") for q in qs})
    return [0.0, *[r for r in rounded if r > 0]] if rounded[0] > 0 else rounded


# --------------------------------------------------------------------------- map building


def _use_offline_assets(element, js, css) -> None:
    element.default_js = list(js)
    element.default_css = list(css)


def base_map(
    bounds: tuple[float, float, float, float],
    *,
    basemap: str = "none",
    tianditu_key: str | None = None,
    hillshade: Hillshade | None = None,
    hillshade_url: str | None = None,
    lang: str = "zh",
) -> folium.Map:
    """An empty map fitted to ``bounds`` (west, south, east, north in WGS84 degrees).

    ``basemap`` is a key of :data:`BASEMAPS`. With "none" the background is the DEM
    hillshade (when given) and nothing is fetched from outside the machine.
    """
    if basemap not in BASEMAPS:
        raise ValueError(f"unknown basemap {basemap!r}")
    # Fractional zoom lets the district fill the map instead of snapping a level too far out.
    m = folium.Map(
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        zoom_control=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    _use_offline_assets(m, LEAFLET_JS, LEAFLET_CSS)
    system = BASEMAPS[basemap][2]
    if basemap == "osm":
        folium.TileLayer(
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            attr="© OpenStreetMap contributors",
            name="OpenStreetMap",
            max_zoom=19,
        ).add_to(m)
    elif basemap == "tianditu":
        key = html.escape(tianditu_key or "", quote=True)
        for layer, label in (("vec", "天地图矢量"), ("cva", "天地图注记")):
            folium.TileLayer(
                f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}",
                attr="© 天地图 Tianditu",
                name=label,
                subdomains="01234567",
                max_zoom=18,
            ).add_to(m)
    elif basemap == "gaode":
        folium.TileLayer(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            attr="© 高德地图 AutoNavi",
            name="高德地图",
            subdomains="1234",
            max_zoom=18,
        ).add_to(m)
    if hillshade is not None:
        west, south, east, north = hillshade.bounds
        corners = [[south, west], [north, east]]
        if system != WGS84:
            shifted = shift_geometries(
                np.array([shapely.Point(west, south), shapely.Point(east, north)]), WGS84, system
            )
            corners = [[shifted[0].y, shifted[0].x], [shifted[1].y, shifted[1].x]]
        # With a URL, folium must not encode the full image into the page (it would do so
        # on every rerun); a 1-pixel placeholder is replaced by the URL below.
        image = np.zeros((1, 1, 4), dtype="uint8") if hillshade_url else hillshade.rgba
        overlay = folium.raster_layers.ImageOverlay(
            image,
            bounds=corners,
            name=tr("hillshade", lang),
            opacity=1.0 if basemap == "none" else 0.5,
            interactive=False,
            zindex=1,
        )
        if hillshade_url:
            overlay.url = hillshade_url
        overlay.add_to(m)
    west, south, east, north = bounds
    if system != WGS84:
        pts = shift_geometries(
            np.array([shapely.Point(west, south), shapely.Point(east, north)]), WGS84, system
        )
        west, south, east, north = pts[0].x, pts[0].y, pts[1].x, pts[1].y
    m.fit_bounds([[south, west], [north, east]])
    m.add_child(_FitWhenShown([[south, west], [north, east]]))
    return m


class DataLayer(folium.map.Layer):
    """A GeoJSON layer styled in the browser from each feature's ``_color`` property.

    folium's own GeoJson evaluates a Python style function per feature and embeds the
    results; for thousands of parcels that made the page several times larger and slower
    to build. Here the data is serialised once and styled by a few lines of JavaScript.
    Tooltip values are already HTML-escaped in the payload; labels are escaped here.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson(null, {
            style: function(feature) {
                var s = Object.assign({}, {{ this.style_json }});
                var c = feature.properties._color;
                if (c) { s.fillColor = c; {% if this.point_radius %}if (!{{ this.keep_outline|tojson }}) { s.color = c; }{% endif %} }
                return s;
            },
            {% if this.point_radius %}
            pointToLayer: function(feature, latlng) {
                return L.circleMarker(latlng, {radius: {{ this.point_radius }}});
            },
            {% endif %}
            onEachFeature: function(feature, layer) {
                var fields = {{ this.tooltip_json }};
                if (!fields.length) { return; }
                var rows = [];
                for (var i = 0; i < fields.length; i++) {
                    var v = feature.properties[fields[i][0]];
                    if (v === null || v === undefined || v === "") { continue; }
                    rows.push("<tr><th style='text-align:left;padding-right:6px'>" + fields[i][1]
                              + "</th><td>" + v + "</td></tr>");
                }
                layer.bindTooltip("<table>" + rows.join("") + "</table>", {sticky: true});
            }
        });
        {% if this.url %}
        fetch({{ this.url|tojson }}).then(function(r) { return r.json(); }).then(function(data) {
            {{ this.get_name() }}.addData(data);
            {{ this.get_name() }}.fire("ps:loaded");
        });
        {% else %}
        {{ this.get_name() }}.addData({{ this.data_json }});
        {% endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self,
        payload: dict | None,
        name: str,
        *,
        url: str | None = None,
        style: Mapping[str, object],
        tooltip_fields: Sequence[tuple[str, str]] = (),
        point_radius: float | None = None,
        keep_outline: bool = False,
        show: bool = True,
    ):
        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "DataLayer"
        self.payload = payload
        self.url = url
        # Inline data passes through Jinja when folium renders; "</" cannot appear inside a
        # <script> block (escaped text has no "<" anyway).
        self.data_json = (
            payload_json(payload).replace("</", "<\\/")
            if payload is not None and url is None
            else "null"
        )
        self.style_json = json.dumps(dict(style))
        self.tooltip_json = json.dumps(
            [[f, html.escape(label)] for f, label in tooltip_fields], ensure_ascii=False
        )
        self.point_radius = point_radius
        self.keep_outline = keep_outline


def payload_json(payload: dict) -> str:
    """Compact JSON text of a payload (what is served to the browser)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def add_geojson(
    m: folium.Map,
    payload: dict | None,
    name: str,
    *,
    url: str | None = None,
    tooltip_fields: Sequence[tuple[str, str]] = (),
    style: Mapping[str, object] | None = None,
    point_radius: float | None = None,
    show: bool = True,
) -> DataLayer:
    """Add a payload from :func:`geojson_payload` as a layer coloured by its ``_color``.

    ``tooltip_fields`` are (property, label) pairs; values were escaped when the payload was
    built, labels are escaped here. Points are drawn as circle markers of ``point_radius``
    pixels; a ``color`` in ``style`` then keeps a fixed outline (anchor firms). With ``url``
    the browser fetches the same payload from there instead of receiving it inline, which
    keeps the page small and lets the browser cache it.
    """
    base = {"weight": 0.6, "opacity": 0.9, "fillOpacity": 0.75, "color": "#444444"}
    if point_radius is not None:
        base = {"weight": 1, "opacity": 1.0, "fillOpacity": 0.9}
    base.update(style or {})
    if payload is not None and payload["features"]:
        present = payload["features"][0]["properties"]
        pairs = [(f, label) for f, label in tooltip_fields if f in present]
    else:
        pairs = list(tooltip_fields)
    layer = DataLayer(
        payload,
        name,
        url=url,
        style=base,
        tooltip_fields=pairs,
        point_radius=point_radius,
        keep_outline=point_radius is not None and "color" in (style or {}),
        show=show,
    )
    layer.add_to(m)
    return layer


class _FitWhenShown(MacroElement):
    """Refit the map once its container gets a size: a map first drawn in a hidden tab has
    none, and Leaflet would otherwise fit the bounds into 0 pixels (zooming out to the world).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var el = map.getContainer();
            var fitted = el.clientWidth > 0 && el.clientHeight > 0;
            if (!window.ResizeObserver) { return; }
            new ResizeObserver(function() {
                map.invalidateSize();
                if (!fitted && el.clientWidth > 0 && el.clientHeight > 0) {
                    fitted = true;
                    map.fitBounds({{ this.bounds|tojson }});
                }
            }).observe(el);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "FitWhenShown"
        self.bounds = bounds


class _Legend(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function() {
                var div = L.DomUtil.create('div', 'ps-legend');
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, position: str):
        super().__init__()
        self._name = "Legend"
        self.html = html_text
        self.position = position


def add_legends(
    m: folium.Map,
    sections: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    *,
    position: str = "bottomright",
) -> None:
    """One legend box with several titled sections of (colour, label) items."""
    parts = [
        '<div style="background:rgba(255,255,255,0.92);padding:6px 8px;border-radius:4px;'
        "font:12px/1.35 'WenQuanYi Micro Hei','Microsoft YaHei',sans-serif;"
        'box-shadow:0 1px 4px rgba(0,0,0,0.3);max-height:320px;overflow:auto">'
    ]
    for title, items in sections:
        parts.append(f'<div style="font-weight:bold;margin:2px 0">{html.escape(title)}</div>')
        for color, label in items:
            parts.append(
                '<div><span style="display:inline-block;width:12px;height:12px;margin-right:5px;'
                f'vertical-align:middle;border:1px solid #555;background:{html.escape(color)}"></span>'
                f"{html.escape(label)}</div>"
            )
    parts.append("</div>")
    m.add_child(_Legend("".join(parts), position))


def code_legend(
    codes: CodeList,
    palette: Mapping[str, str],
    lang: str = "zh",
    present: Iterable[str] | None = None,
) -> list[tuple[str, str]]:
    """Legend items for the codes of an enumeration (optionally only those present)."""
    keep = set(present) if present is not None else None
    return [
        (palette.get(c, "#9e9e9e"), codes.label(c, lang))
        for c in codes.codes
        if keep is None or c in keep
    ]


def add_draw_control(m: folium.Map) -> Draw:
    """Polygon and rectangle drawing (for selecting parcels or drawing a new one)."""
    draw = Draw(
        export=False,
        position="topleft",
        draw_options={
            "polyline": False,
            "circle": False,
            "marker": False,
            "circlemarker": False,
            "polygon": {"allowIntersection": False, "showArea": True},
            "rectangle": True,
        },
        edit_options={"edit": False, "remove": True},
    )
    _use_offline_assets(draw, DRAW_JS, DRAW_CSS)
    draw.add_to(m)
    return draw


def add_layer_control(m: folium.Map) -> None:
    folium.LayerControl(collapsed=False, position="topright").add_to(m)


# --------------------------------------------------------------------------- standard layers

PARCEL_TOOLTIP = (
    ("parcel_id", ("地块编号", "Parcel")),
    ("park_name", ("园区", "Park")),
    ("status_label", ("状态", "Status")),
    ("land_use_label", ("用地性质", "Land use")),
    ("area_ha", ("面积(公顷)", "Area (ha)")),
    ("far_current", ("现状容积率", "Current FAR")),
    ("name", ("名称", "Name")),
)
ENTERPRISE_TOOLTIP = (
    ("name", ("企业名称", "Enterprise")),
    ("cluster_label", ("产业集群", "Cluster")),
    ("park_name", ("园区", "Park")),
    ("output_10k_cny", ("产值(万元)", "Output (10k CNY)")),
    ("above_label", ("规上企业", "Above scale")),
)


def tooltip_pairs(spec: Sequence[tuple[str, tuple[str, str]]], lang: str) -> list[tuple[str, str]]:
    return [(field, tr(labels, lang)) for field, labels in spec]


def park_names(parks: gpd.GeoDataFrame | None) -> dict[str, str]:
    if parks is None:
        return {}
    return dict(zip(parks.park_id, parks.name, strict=True))


def parcels_payload(
    parcels: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    *,
    color_by: str = "status",
    lang: str = "zh",
    display_system: str = WGS84,
    colors: Sequence[str] | None = None,
    extra: Mapping[str, Sequence] | None = None,
) -> dict:
    """Parcels for display, coloured by status or land use unless ``colors`` is given."""
    if colors is None:
        palette, column = (
            (LAND_USE_COLORS, "land_use") if color_by == "land_use" else (STATUS_COLORS, "status")
        )
        colors = category_colors(parcels[column], palette)
    names = park_names(parks)
    computed = {
        "park_name": [names.get(p, "—") if p else "—" for p in parcels.park_id],
        "status_label": [STATUS.label(s, lang) for s in parcels.status],
        "land_use_label": [LAND_USE.label(s, lang) for s in parcels.land_use],
        "area_ha": np.round(parcels.area_m2.to_numpy() / 1e4, 2),
    }
    computed.update(extra or {})
    return geojson_payload(
        parcels,
        ["parcel_id", "far_current", "name"],
        colors=colors,
        display_system=display_system,
        extra=computed,
    )


def enterprises_payload(
    enterprises: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    *,
    lang: str = "zh",
    display_system: str = WGS84,
) -> dict:
    names = park_names(parks)
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    return geojson_payload(
        enterprises,
        ["ent_id", "name", "output_10k_cny", "is_anchor"],
        colors=category_colors(enterprises.cluster, CLUSTER_COLORS),
        display_system=display_system,
        extra={
            "cluster_label": [CLUSTER.label(c, lang) for c in enterprises.cluster],
            "park_name": [names.get(p, "—") if p else "—" for p in enterprises.park_id],
            "above_label": [yes if a else no for a in enterprises.is_above_scale],
        },
    )


def constraints_payload(
    constraints: gpd.GeoDataFrame, *, lang: str = "zh", display_system: str = WGS84
) -> dict:
    return geojson_payload(
        constraints,
        ["kind", "name"],
        display_system=display_system,
        extra={"kind_label": [CONSTRAINT_KIND.label(k, lang) for k in constraints.kind]},
    )


def add_constraints(m: folium.Map, payload: dict, lang: str = "zh", *, show: bool = True) -> None:
    def style_function(feature):
        return CONSTRAINT_STYLES.get(feature["properties"]["kind"], {"color": "#555555"})

    layer = folium.GeoJson(
        payload,
        name=tr("constraints", lang),
        style_function=style_function,
        show=show,
        zoom_on_click=False,
    )
    folium.GeoJsonTooltip(
        fields=["kind_label", "name"],
        aliases=[tr(("类型", "Kind"), lang), tr(("名称", "Name"), lang)],
        sticky=True,
    ).add_to(layer)
    layer.add_to(m)


def add_context(
    m: folium.Map,
    boundary_payload: dict | None,
    parks_payload: dict | None,
    axis_payload: dict | None,
    lang: str = "zh",
) -> None:
    """District and street outlines, park and corridor outlines and the corridor axis."""
    if boundary_payload is not None:
        folium.GeoJson(
            boundary_payload,
            name=tr("boundary", lang),
            style_function=lambda f: {
                "color": "#212121" if f["properties"].get("level") == "district" else "#757575",
                "weight": 2.5 if f["properties"].get("level") == "district" else 1,
                "fillOpacity": 0.0,
                "dashArray": None if f["properties"].get("level") == "district" else "4 4",
            },
            tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=[tr(("名称", "Name"), lang)]),
            zoom_on_click=False,
        ).add_to(m)
    if parks_payload is not None:
        folium.GeoJson(
            parks_payload,
            name=tr("parks", lang),
            style_function=lambda f: {
                "color": "#0d47a1" if f["properties"].get("kind") == "park" else "#ef6c00",
                "weight": 2.5,
                "fillOpacity": 0.04,
                "fillColor": "#0d47a1" if f["properties"].get("kind") == "park" else "#ef6c00",
            },
            tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=[tr(("园区", "Park"), lang)]),
            zoom_on_click=False,
        ).add_to(m)
    if axis_payload is not None:
        folium.GeoJson(
            axis_payload,
            name=tr("axis", lang),
            style_function=lambda f: {"color": "#ef6c00", "weight": 4, "opacity": 0.9},
            tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=[tr(("道路", "Road"), lang)]),
        ).add_to(m)
