"""The empty map: offline Leaflet assets, basemap tiles, the hillshade, the district view.

Offline first: folium's default CDN links are replaced by files installed from npm and
served by the app under ``/app/static/vendor``; with the default basemap ("none") the page
makes no request outside the machine and the background is the DEM hillshade. Online
basemaps are opt-in; Gaode tiles are in GCJ-02, so the hillshade corners and the fitted
bounds are shifted to GCJ-02 with them (the layers' payloads are shifted when built).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo.crs import GCJ02, WGS84, shift_geometries
from ui.maps._styles import tr

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


def use_offline_assets(element, js, css) -> None:
    """Make a folium element load its JavaScript and CSS from the app, not from a CDN."""
    element.default_js = list(js)
    element.default_css = list(css)


def _shift_corners(
    west: float, south: float, east: float, north: float, system: str
) -> tuple[float, float, float, float]:
    if system == WGS84:
        return west, south, east, north
    pts = shift_geometries(
        np.array([shapely.Point(west, south), shapely.Point(east, north)]), WGS84, system
    )
    return pts[0].x, pts[0].y, pts[1].x, pts[1].y


def _add_tiles(m: folium.Map, basemap: str, tianditu_key: str | None) -> None:
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
        control_scale=False,  # folium's bar shows miles too; a metric one is added below
        prefer_canvas=True,
        zoom_control=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    use_offline_assets(m, LEAFLET_JS, LEAFLET_CSS)
    m.add_child(MetricScale())
    system = BASEMAPS[basemap][2]
    _add_tiles(m, basemap, tianditu_key)
    if hillshade is not None:
        west, south, east, north = _shift_corners(*hillshade.bounds, system)
        # With a URL, folium must not encode the full image into the page (it would do so
        # on every rerun); a 1-pixel placeholder is replaced by the URL below.
        image = np.zeros((1, 1, 4), dtype="uint8") if hillshade_url else hillshade.rgba
        overlay = folium.raster_layers.ImageOverlay(
            image,
            bounds=[[south, west], [north, east]],
            name=tr("hillshade", lang),
            opacity=1.0 if basemap == "none" else 0.5,
            interactive=False,
            zindex=1,
        )
        if hillshade_url:
            overlay.url = hillshade_url
        overlay.add_to(m)
    west, south, east, north = _shift_corners(*bounds, system)
    m.fit_bounds([[south, west], [north, east]])
    m.add_child(_FitWhenShown([[south, west], [north, east]]))
    return m


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (``imperial: false``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, maxWidth: 150})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


class _FitWhenShown(MacroElement):
    """Refit the map once its container gets a size: a map first drawn in a hidden tab has
    none, and Leaflet would otherwise fit the bounds into 0 pixels (zooming out to the world).
    A view kept from before (:class:`ui.maps._view.KeepView`) is not refitted.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var el = map.getContainer();
            var fitted = el.clientWidth > 0 && el.clientHeight > 0;
            {# The size the bounds were fitted to: a map shown late (a tab) grows through
               small sizes first, and is fitted again as it grows, until the user moves it. #}
            var fitW = fitted ? el.clientWidth : 0, fitH = fitted ? el.clientHeight : 0;
            var touched = false;
            ['mousedown', 'wheel', 'touchstart', 'keydown'].forEach(function(kind) {
                el.addEventListener(kind, function() { touched = true; }, {passive: true});
            });
            if (!window.ResizeObserver) { return; }
            new ResizeObserver(function() {
                map.invalidateSize();
                var w = el.clientWidth, h = el.clientHeight;
                if (w <= 0 || h <= 0) { return; }
                var grown = fitted && !touched && (w > 1.2 * fitW || h > 1.2 * fitH);
                if (!fitted || grown) {
                    fitted = true;
                    fitW = w;
                    fitH = h;
                    {# a view restored from before (ui.maps._view); not one saved by the
                       moveend of this very resize #}
                    if (map._psViewRestored) { return; }
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
