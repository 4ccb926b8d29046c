"""Data layers on the map: the browser-styled GeoJSON layer, context outlines, drawing.

Drawing order is the order layers are added to the map, bottom to top (:data:`DRAW_ORDER`):
the hillshade image, then the constraints (hidden until ticked), district and street
boundaries, parks and the corridor, the corridor axis (inline GeoJSON, drawn at once),
then each page's data layers — parcels or a result on parcels (capacity, contiguous
blocks), firms, anchor firms — and last a scenario's changes and the parcels selected.

Data layers are fetched from the static cache; their fetches run in parallel, but each
layer adds its features only after the layers added before it, so a small layer that
arrives first (the firms) is still drawn above a large one (the parcels). Leaflet draws a
canvas in the order features are added.

Layers that change with every edit or selection go in :func:`overlay` groups, which
streamlit-folium swaps in the living map (``feature_group_to_add``) instead of building a
new map: the map keeps its place and its other layers, and a layer whose URL and style did
not change is reused as built (no fetch, no parse). :class:`ClearDrawings` in such a group
clears the shapes drawn on the map when the group is swapped (a box that made a selection).
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping, Sequence

import folium
import shapely
import shapely.geometry
from branca.element import MacroElement
from folium.plugins import Draw
from jinja2 import Template

from ui.maps._basemaps import DRAW_CSS, DRAW_JS, use_offline_assets
from ui.maps._payloads import payload_json
from ui.maps._styles import CONSTRAINT_STYLES, tr

#: Roles of the layers from the bottom of the map to the top (see the module docstring).
DRAW_ORDER = (
    "hillshade",
    "constraints",
    "boundary",
    "parks",
    "axis",
    "parcels",
    "results",
    "enterprises",
    "anchors",
    "changes",
    "selection",
)


#: Fetched layers a map's page keeps built for reuse (see :class:`DataLayer`).
BROWSER_CACHE_ENTRIES = 8


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
        {# Fetches run at once; features are added in the order the layers were added (one
           queue per page), since the canvas draws features in the order they are added. A
           layer built from the same URL and style on an earlier render of this map (a
           group of layers streamlit-folium swaps without rebuilding the map) is reused
           as it is: no fetch, no parse, only brought to the front in its turn. #}
        (function(fresh, key, name, url, inline) {
            var cache = window._psLayerCache = window._psLayerCache || new Map();
            var kept = url ? cache.get(key) : null;
            var reused = !!(kept && !kept._map);
            var layer = reused ? kept : fresh;
            for (var id in layer._eventParents) { layer._eventParents[id].removeLayer(layer); }
            if (url) {
                cache.delete(key);
                cache.set(key, layer);
                while (cache.size > {{ this.browser_cache_entries }}) {
                    cache.delete(cache.keys().next().value);
                }
            }
            layer._psName = name;
            if (!layer._psNamed) {
                layer._psNamed = true;
                layer.on("add", function() { window[layer._psName] = layer; });
                layer.on("remove", function() {
                    if (window[layer._psName] === layer) { window[layer._psName] = null; }
                });
            }
            window[name] = layer;
            var data = reused ? null : !url ? Promise.resolve(inline) : fetch(url)
                .then(function(r) { return r.json(); })
                .catch(function(error) { console.error(error); return null; });
            window._psQueue = (window._psQueue || Promise.resolve())
                .then(function() { return data; })
                .then(function(json) {
                    if (reused) { if (layer._map) { layer.bringToFront(); } }
                    else if (json !== null) { layer.addData(json); }
                    layer.fire("ps:loaded");
                });
        })({{ this.get_name() }}, {{ this.cache_key|tojson }}, {{ this.get_name()|tojson }},
           {{ this.url|tojson }}, {{ this.data_json }});
        {{ this.get_name() }} = window[{{ this.get_name()|tojson }}];
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
        self.browser_cache_entries = BROWSER_CACHE_ENTRIES
        self.cache_key = hashlib.blake2b(
            json.dumps(
                [url, self.style_json, self.tooltip_json, point_radius, keep_outline]
            ).encode("utf-8"),
            digest_size=12,
        ).hexdigest()


def layer_style(style: Mapping[str, object] | None, point_radius: float | None) -> dict:
    """A data layer's Leaflet style: the defaults for areas (or for points drawn as circles
    of ``point_radius`` pixels), updated with ``style``."""
    base = {"weight": 0.6, "opacity": 0.9, "fillOpacity": 0.75, "color": "#444444"}
    if point_radius is not None:
        base = {"weight": 1, "opacity": 1.0, "fillOpacity": 0.9}
    base.update(style or {})
    return base


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
    base = layer_style(style, point_radius)
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


def add_constraints(m: folium.Map, payload: dict, lang: str = "zh", *, show: bool = True) -> None:
    """Constraints and barriers, styled by kind (:data:`CONSTRAINT_STYLES`)."""

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


#: Park name labels: dark text on a light halo, centred on a point inside the park.
PARK_LABEL_CSS = (
    "display:inline-block;transform:translate(-50%,-50%);white-space:nowrap;"
    "background:rgba(255,255,255,0.75);padding:0 3px;border-radius:2px;"
    "color:#0d47a1;font:bold 12px 'WenQuanYi Micro Hei','Microsoft YaHei',sans-serif;"
)


def add_park_labels(m: folium.Map, parks_payload: dict, lang: str = "zh") -> None:
    """Each park's name as a label at a point inside it (a layer of its own, so it can be
    switched off). Names were HTML-escaped when the payload was built."""
    group = folium.FeatureGroup(name=tr(("园区名称", "Park names"), lang), show=True)
    features = [f for f in parks_payload["features"] if f.get("geometry") is not None]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in features]
    parks = [
        g for f, g in zip(features, shapes, strict=True) if f["properties"].get("kind") == "park"
    ]
    for feature, shape in zip(features, shapes, strict=True):
        name = feature["properties"].get("name")
        if not name:
            continue
        # The belt's label goes on its own stretch, not on a park it overlaps.
        if feature["properties"].get("kind") != "park" and parks:
            own = shape.difference(shapely.union_all(parks))
            shape = own if not own.is_empty else shape
        if shape.geom_type == "MultiPolygon":
            shape = max(shape.geoms, key=lambda g: g.area)
        point = shape.representative_point()
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(
                html=f'<span style="{PARK_LABEL_CSS}">{name}</span>',
                class_name="ps-park-label",
                icon_size=(0, 0),
            ),
            interactive=False,
        ).add_to(group)
    group.add_to(m)


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
        add_park_labels(m, parks_payload, lang)
    if axis_payload is not None:
        folium.GeoJson(
            axis_payload,
            name=tr("axis", lang),
            style_function=lambda f: {"color": "#ef6c00", "weight": 4, "opacity": 0.9},
            tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=[tr(("道路", "Road"), lang)]),
        ).add_to(m)


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
    use_offline_assets(draw, DRAW_JS, DRAW_CSS)
    draw.add_to(m)
    return draw


class ClearDrawings(MacroElement):
    """Clear the shapes drawn with the drawing tools (streamlit-folium's ``drawnItems``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if (window.drawnItems && window.drawnItems.clearLayers) { window.drawnItems.clearLayers(); }
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "ClearDrawings"


def overlay(name: str, *, show: bool = True) -> folium.FeatureGroup:
    """A group of data layers swapped in the living map on a rerun (module docstring);
    listed under ``name`` in the layer switcher."""
    return folium.FeatureGroup(name=html.escape(name), overlay=True, control=True, show=show)


def layer_control() -> folium.LayerControl:
    """The layer switcher (top right, open)."""
    return folium.LayerControl(collapsed=False, position="topright")


def add_layer_control(m: folium.Map) -> None:
    """The layer switcher (top right, open)."""
    layer_control().add_to(m)
