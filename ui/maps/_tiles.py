"""Vector tiles for layers too big for one GeoJSON: a PMTiles file per payload, drawn by
protomaps-leaflet.

Method: the display payload (:func:`ui.maps.parcels_payload` or
:func:`ui.maps.enterprises_payload`: coordinates in the display system, tooltip text
already HTML-escaped, ``_color`` per feature) is written by GDAL's PMTiles driver
(:func:`pyogrio.write_dataframe`) as Mapbox Vector Tiles, zoom :data:`TILE_MIN_ZOOM` to
:data:`TILE_MAX_ZOOM` (deeper zooms reuse the last level), with no feature dropped for tile
size. The browser reads the one file by HTTP range requests from the app's static cache
(protomaps-leaflet with pmtiles, installed from npm into ``static/vendor``), so only the
tiles in view are fetched and drawn on canvas, instead of every feature held as a Leaflet
layer. Colours come from ``_color`` as in :class:`ui.maps.DataLayer` (outlines from zoom
:data:`TILE_OUTLINE_MIN_ZOOM`); hovering shows the
same tooltip table, a click pins it (a point-in-polygon pick in the tile under the pointer)
and records the feature's properties as ``window.ps_tile_picked`` for the page's scripts.

Layers from :data:`TILE_MIN_FEATURES` features on are drawn this way (decided by
``benchmarks/app_map.py``: below it one GeoJSON is as fast; above it the GeoJSON path
grows with the feature count while the tiles' time stays flat).
"""

from __future__ import annotations

import html
import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import folium
import geopandas as gpd
import pyogrio
import shapely
from jinja2 import Template

from ui.maps._basemaps import VENDOR_URL
from ui.maps._layers import layer_style

__all__ = [
    "TILES_JS",
    "TILE_MAX_ZOOM",
    "TILE_MIN_FEATURES",
    "TILE_MIN_ZOOM",
    "TILE_OUTLINE_MIN_ZOOM",
    "TileLayer",
    "add_tiles",
    "pmtiles_bytes",
]

TILES_JS = [("protomaps_leaflet", f"{VENDOR_URL}/protomaps-leaflet/protomaps-leaflet.js")]
#: Zoom levels written to the tiles; the district fills a screen at about zoom 12.
TILE_MIN_ZOOM = 9
TILE_MAX_ZOOM = 14
#: Polygon outlines are drawn from this display zoom on: below it a big layer's parcels are
#: a few pixels wide and their outlines would hide the fill colours (and cost the most).
TILE_OUTLINE_MIN_ZOOM = 14
#: Layers with at least this many features are drawn from vector tiles.
TILE_MIN_FEATURES = 20000


def pmtiles_bytes(payload: dict, layer: str) -> bytes:
    """A payload's features as one PMTiles file (layer ``layer``), every property kept."""
    features = payload["features"]
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    table = gpd.GeoDataFrame(
        [f["properties"] for f in features], geometry=list(geoms), crs="EPSG:4326"
    )
    for column in table.columns:
        if column != "geometry" and table[column].dtype == object:
            table[column] = table[column].map(lambda v: None if v is None else str(v))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{layer}.pmtiles"
        pyogrio.write_dataframe(
            table,
            path,
            driver="PMTiles",
            layer=layer,
            dataset_options={
                "MINZOOM": TILE_MIN_ZOOM,
                "MAXZOOM": TILE_MAX_ZOOM,
                "MAX_SIZE": 50_000_000,
                "MAX_FEATURES": 10_000_000,
            },
        )
        return path.read_bytes()


class TileLayer(folium.map.Layer):
    """A PMTiles layer styled from each feature's ``_color``, with the data layers' tooltip."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function(map) {
            var style = {{ this.style_json }};
            var fields = {{ this.tooltip_json }};
            var colour = function(z, f) { return f.props._color || style.fillColor || "#999999"; };
            var symbolizer = {{ this.point_radius|tojson }} === null
                ? new protomapsL.PolygonSymbolizer({fill: colour, opacity: style.fillOpacity,
                      stroke: style.color, width: function(z) {
                          return z < {{ this.outline_min_zoom }} ? 0 : style.weight; }})
                : new protomapsL.CircleSymbolizer({radius: {{ this.point_radius|tojson }},
                      fill: colour, opacity: style.fillOpacity,
                      stroke: style.color || colour, width: style.weight});
            var layer = protomapsL.leafletLayer({
                url: {{ this.url|tojson }}, maxDataZoom: {{ this.max_zoom }},
                paintRules: [{dataLayer: {{ this.layer|tojson }}, symbolizer: symbolizer}],
                labelRules: [], attribution: "", pane: "overlayPane"
            });
            var table = function(props) {
                var rows = [];
                for (var i = 0; i < fields.length; i++) {
                    var v = props[fields[i][0]];
                    if (v === null || v === undefined || v === "") { continue; }
                    rows.push("<tr><th style='text-align:left;padding-right:6px'>" + fields[i][1]
                              + "</th><td>" + v + "</td></tr>");
                }
                return "<table>" + rows.join("") + "</table>";
            };
            var pick = function(latlng) {
                if (!map.hasLayer(layer)) { return null; }
                var found = layer.queryTileFeaturesDebug(latlng.lng, latlng.lat, 6).get("") || [];
                for (var i = found.length - 1; i >= 0; i--) {
                    if (found[i].layerName === {{ this.layer|tojson }}) { return found[i].feature.props; }
                }
                return null;
            };
            var tip = L.tooltip({sticky: true});
            map.on("mousemove", function(e) {
                var props = pick(e.latlng);
                if (props && fields.length) { tip.setLatLng(e.latlng).setContent(table(props)); tip.addTo(map); }
                else { tip.remove(); }
            });
            map.on("click", function(e) {
                var props = pick(e.latlng);
                if (!props) { return; }
                window.ps_tile_picked = props;
                if (fields.length) { L.popup().setLatLng(e.latlng).setContent(table(props)).openOn(map); }
            });
            layer.on("load", function() { window.ps_tiles_loaded = (window.ps_tiles_loaded || 0) + 1; });
            return layer;
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        url: str,
        name: str,
        layer: str,
        *,
        style: Mapping[str, object],
        tooltip_fields: Sequence[tuple[str, str]] = (),
        point_radius: float | None = None,
        show: bool = True,
    ):
        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "TileLayer"
        self.url = url
        self.layer = layer
        self.max_zoom = TILE_MAX_ZOOM
        self.outline_min_zoom = TILE_OUTLINE_MIN_ZOOM
        self.style_json = json.dumps(dict(style))
        self.tooltip_json = json.dumps(
            [[f, html.escape(label)] for f, label in tooltip_fields], ensure_ascii=False
        )
        self.point_radius = point_radius


def add_tiles(
    m: folium.Map,
    url: str,
    name: str,
    layer: str,
    *,
    tooltip_fields: Sequence[tuple[str, str]] = (),
    style: Mapping[str, object] | None = None,
    point_radius: float | None = None,
    show: bool = True,
) -> TileLayer:
    """Add the PMTiles file at ``url`` (from :func:`pmtiles_bytes`) as a layer styled like
    :func:`ui.maps.add_geojson` would style its payload."""
    tiles = TileLayer(
        url,
        name,
        layer,
        style=layer_style(style, point_radius),
        tooltip_fields=tooltip_fields,
        point_radius=point_radius,
        show=show,
    )
    tiles.add_to(m)
    js = [*m.default_js]
    if not any(name == TILES_JS[0][0] for name, _ in js):
        m.default_js = js + TILES_JS
    return tiles
