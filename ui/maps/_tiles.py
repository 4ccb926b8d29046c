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

Polygon layers get a generalised overview for the zooms where a parcel is a pixel or two
(:mod:`ui.maps._overview`, one image of the colours; :func:`overview_of`): up to the
overview's zoom (where the median parcel is under a few pixels wide) the map shows the
image, from the next zoom the tiles of every parcel (which then start at that zoom). On
the overview the tooltip names the category under the pointer (the image's colour there)
and says to zoom in; a click picks no parcel there.
"""

from __future__ import annotations

import html
import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from jinja2 import Template

from ui.maps._basemaps import VENDOR_URL
from ui.maps._layers import layer_style
from ui.maps._overview import Overview, overview_image
from ui.maps._styles import tr

__all__ = [
    "TILES_JS",
    "TILE_MAX_ZOOM",
    "TILE_MIN_FEATURES",
    "TILE_MIN_ZOOM",
    "TILE_OUTLINE_MIN_ZOOM",
    "TileLayer",
    "add_tiles",
    "overview_of",
    "pmtiles_bytes",
]

TILES_JS = [("protomaps_leaflet", f"{VENDOR_URL}/protomaps-leaflet/protomaps-leaflet.js")]
#: Data zoom levels written to the tiles (protomaps-leaflet draws display zoom ``z`` from
#: data zoom ``z − 1``); the district fills a screen at about display zoom 12. A layer with
#: an overview image shown up to display zoom ``z_o`` starts its tiles at data zoom ``z_o``
#: (display ``z_o + 1``).
TILE_MIN_ZOOM = 9
TILE_MAX_ZOOM = 14
#: Polygon outlines are drawn from this display zoom on: below it a big layer's parcels are
#: a few pixels wide and their outlines would hide the fill colours (and cost the most).
TILE_OUTLINE_MIN_ZOOM = 14
#: Layers with at least this many features are drawn from vector tiles.
TILE_MIN_FEATURES = 20000


def pmtiles_bytes(payload: dict, layer: str, *, min_zoom: int = TILE_MIN_ZOOM) -> bytes:
    """A payload's features as one PMTiles file (layer ``layer``), every property kept,
    data zooms ``min_zoom`` to :data:`TILE_MAX_ZOOM`."""
    features = payload["features"]
    geoms = _geometries(features)
    table = gpd.GeoDataFrame(
        [f["properties"] for f in features], geometry=list(geoms), crs="EPSG:4326"
    )
    for column in table.columns:
        if column != "geometry" and table[column].dtype == object:
            table[column] = table[column].map(lambda v: None if v is None else str(v))
    return _write_pmtiles(table, layer, min_zoom, TILE_MAX_ZOOM)


def overview_of(payload: dict, label_field: str) -> Overview | None:
    """The generalised overview image of a polygon payload (:func:`ui.maps._overview.
    overview_image`; each colour's category named by the property ``label_field``), or
    None for points or when there is nothing to draw."""
    features = payload["features"]
    if not features or features[0]["geometry"]["type"] not in ("Polygon", "MultiPolygon"):
        return None
    return overview_image(
        _geometries(features),
        [f["properties"].get("_color") or "" for f in features],
        [f["properties"].get(label_field) for f in features],
    )


def _geometries(features: list[dict]) -> np.ndarray:
    """The shapely geometries of payload features."""
    return shapely.from_geojson([json.dumps(f["geometry"]) for f in features])


def _write_pmtiles(table: gpd.GeoDataFrame, layer: str, min_zoom: int, max_zoom: int) -> bytes:
    """``table`` written by GDAL's PMTiles driver, no feature dropped for tile size."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{layer}.pmtiles"
        pyogrio.write_dataframe(
            table,
            path,
            driver="PMTiles",
            layer=layer,
            dataset_options={
                "MINZOOM": min_zoom,
                "MAXZOOM": max_zoom,
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
            var overview = {{ this.overview_json }};
            var overviewMax = overview ? overview.maxZoom : null;
            var tiles = protomapsL.leafletLayer({
                url: {{ this.url|tojson }}, maxDataZoom: {{ this.max_zoom }},
                paintRules: [{dataLayer: {{ this.layer|tojson }}, symbolizer: symbolizer}],
                labelRules: [], attribution: "", pane: "overlayPane"
            });
            var counted = function() { window.ps_tiles_loaded = (window.ps_tiles_loaded || 0) + 1; };
            tiles.on("load", counted);
            var layer = tiles, image = null, pixels = null;
            if (overview) {
                // Up to overviewMax the generalised image, from the next zoom every parcel.
                // Swapped by hand: a minZoom on the tiles would also limit the map's zoom.
                image = L.imageOverlay(overview.url, overview.bounds,
                    {opacity: style.fillOpacity, pane: "overlayPane", interactive: false});
                image.on("load", counted);
                layer = L.layerGroup([]);
                var swap = function() {
                    var wide = map.getZoom() <= overviewMax;
                    var show = wide ? image : tiles, hide = wide ? tiles : image;
                    if (layer.hasLayer(hide)) { layer.removeLayer(hide); }
                    if (!layer.hasLayer(show)) { layer.addLayer(show); }
                };
                map.on("zoomend", swap);
                swap();
            }
            var onOverview = function() { return image !== null && map.hasLayer(image); };
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
            // The overview's category under the pointer: the image's colour there.
            var category = function(latlng) {
                var img = image && image.getElement();
                if (!img || !img.complete || !map.hasLayer(image)) { return null; }
                if (pixels === null) {
                    var canvas = document.createElement("canvas");
                    canvas.width = overview.size[0]; canvas.height = overview.size[1];
                    pixels = canvas.getContext("2d", {willReadFrequently: true});
                    pixels.drawImage(img, 0, 0);
                }
                var crs = L.CRS.EPSG3857, p = crs.project(latlng);
                var sw = crs.project(L.latLng(overview.bounds[0]));
                var ne = crs.project(L.latLng(overview.bounds[1]));
                var i = Math.floor((p.x - sw.x) / (ne.x - sw.x) * overview.size[0]);
                var j = Math.floor((ne.y - p.y) / (ne.y - sw.y) * overview.size[1]);
                if (i < 0 || j < 0 || i >= overview.size[0] || j >= overview.size[1]) { return null; }
                var d = pixels.getImageData(i, j, 1, 1).data;
                if (d[3] === 0) { return null; }
                var best = null, least = 3 * 16 * 16;
                for (var hex in overview.labels) {
                    var e = 0;
                    for (var k = 0; k < 3; k++) {
                        var diff = parseInt(hex.substr(1 + 2 * k, 2), 16) - d[k];
                        e += diff * diff;
                    }
                    if (e < least) { least = e; best = hex; }
                }
                return best === null ? null
                    : "<b>" + overview.labels[best] + "</b><br>" + overview.hint;
            };
            var pick = function(latlng) {
                if (!map.hasLayer(tiles) || onOverview()) { return null; }
                var found = tiles.queryTileFeaturesDebug(latlng.lng, latlng.lat, 6).get("") || [];
                for (var i = found.length - 1; i >= 0; i--) {
                    if (found[i].layerName === {{ this.layer|tojson }}) { return found[i].feature.props; }
                }
                return null;
            };
            var describe = function(latlng) {
                if (onOverview()) { return {props: null, text: category(latlng)}; }
                var props = pick(latlng);
                return {props: props, text: props && fields.length ? table(props) : null};
            };
            var tip = L.tooltip({sticky: true, className: "ps-tile-tip"});
            map.on("mousemove", function(e) {
                var found = describe(e.latlng);
                if (found.text) { tip.setLatLng(e.latlng).setContent(found.text); tip.addTo(map); }
                else { tip.remove(); }
            });
            map.on("click", function(e) {
                var found = describe(e.latlng);
                if (found.props) { window.ps_tile_picked = found.props; }
                if (found.text) { L.popup().setLatLng(e.latlng).setContent(found.text).openOn(map); }
            });
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
        overview: Overview | None = None,
        overview_url: str | None = None,
        lang: str = "zh",
        tooltip_fields: Sequence[tuple[str, str]] = (),
        point_radius: float | None = None,
        show: bool = True,
    ):
        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "TileLayer"
        self.url = url
        self.overview_json = json.dumps(
            None
            if overview is None or overview_url is None
            else {
                "url": overview_url,
                "bounds": [
                    [overview.bounds[1], overview.bounds[0]],
                    [overview.bounds[3], overview.bounds[2]],
                ],
                "size": list(overview.size_px),
                "labels": overview.labels,
                "maxZoom": overview.max_zoom,
                "hint": html.escape(tr("overview_hint", lang).format(zoom=overview.max_zoom + 1)),
            },
            ensure_ascii=False,
        )
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
    overview: Overview | None = None,
    overview_url: str | None = None,
    lang: str = "zh",
) -> TileLayer:
    """Add the PMTiles file at ``url`` (from :func:`pmtiles_bytes`) as a layer styled like
    :func:`ui.maps.add_geojson` would style its payload; with ``overview`` (from
    :func:`overview_of`) and the URL of its PNG, the image is shown instead up to the
    overview's zoom (its tooltip in ``lang``)."""
    tiles = TileLayer(
        url,
        name,
        layer,
        style=layer_style(style, point_radius),
        overview=overview,
        overview_url=overview_url,
        lang=lang,
        tooltip_fields=tooltip_fields,
        point_radius=point_radius,
        show=show,
    )
    tiles.add_to(m)
    js = [*m.default_js]
    if not any(name == TILES_JS[0][0] for name, _ in js):
        m.default_js = js + TILES_JS
    return tiles
