"""The map's view (centre and zoom) kept across reruns, and views that frame a feature.

Why in the browser: streamlit-folium builds a new map — a new iframe, fitted to the
district — whenever the map's script changes (a selection, a result, a basemap), and a
pan or zoom reaches Python only by rerunning the whole page (``returned_objects`` with
``center``/``zoom``), which would make every pan a rerun. So the view is kept where it
changes: :class:`KeepView` saves it in the tab's ``sessionStorage`` at every ``moveend``,
under a key made of the Streamlit session's token and the map's slot, and a new map of
the same slot starts from it instead of the district fit. A new session (a reload, a new
tab) has a new token, so its first map still fits the district.

Views are stored in WGS84: for a display in GCJ-02 (Gaode) the map's view is shifted back
by the GCJ-02 offset, taken as a linear model around the district (the offset and its
change per degree, by finite differences), within about ten metres across the district (a basemap change to or from Gaode keeps the
zoom exactly and the place to that precision).
Every value the component sends to Python (a click, a drawing) also carries the view at
that moment (``value["view"]``), so the page knows where the planner was at the last map
event. A view that Python imposes (a search result) goes through streamlit-folium's
``center``/``zoom`` arguments, which move the map without rebuilding it.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo.crs import WGS84, shift_geometries

#: Zoom levels used to frame a feature: never closer than MAX (a single firm), never
#: farther than MIN (a large parcel still shows its neighbours).
FRAME_ZOOM_MAX = 17.0
FRAME_ZOOM_MIN = 13.0


class KeepView(MacroElement):
    """Keep the map's view in ``sessionStorage`` under ``storage_key`` (see the module
    docstring) and attach it to the values the component sends. Add it last."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var key = {{ this.storage_key|tojson }};
            var model = {{ this.model|tojson }};
            function offset(lat, lng) {
                var a = lat - model.at[0], b = lng - model.at[1];
                return [model.d[0] + model.j[0][0] * a + model.j[0][1] * b,
                        model.d[1] + model.j[1][0] * a + model.j[1][1] * b];
            }
            var store = null;
            try { store = window.sessionStorage; } catch (error) { console.warn(error); }
            function current() {
                var c = map.getCenter(), o = offset(c.lat, c.lng);
                return {lat: c.lat - o[0], lng: c.lng - o[1], zoom: map.getZoom()};
            }
            var saved = null;
            if (store) {
                try { saved = JSON.parse(store.getItem(key) || "null"); }
                catch (error) { console.warn(error); saved = null; }
            }
            if (saved && isFinite(saved.lat) && isFinite(saved.lng) && isFinite(saved.zoom)) {
                var o = offset(saved.lat, saved.lng);
                map.setView([saved.lat + o[0], saved.lng + o[1]], saved.zoom, {animate: false});
                map._psViewKept = true;
                map._psViewRestored = true;
            }
            map.on("moveend", function() {
                var el = map.getContainer();
                if (!store || !el.clientWidth || !el.clientHeight) { return; }
                map._psViewKept = true;
                try { store.setItem(key, JSON.stringify(current())); }
                catch (error) { console.warn(error); }
            });
            var S = window.Streamlit;
            if (S && S.setComponentValue && !S._psWithView) {
                var send = S.setComponentValue;
                S.setComponentValue = function(value) {
                    return send.call(S, Object.assign({}, value, {view: current()}));
                };
                S._psWithView = true;
            }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self, storage_key: str, system: str = WGS84, at: tuple[float, float] = (22.70, 114.35)
    ):
        super().__init__()
        self._name = "KeepView"
        self.storage_key = storage_key
        self.model = shift_model(at[0], at[1], system)


class SyncViews(MacroElement):
    """Make the maps of one ``group`` on the page pan and zoom together.

    Each map is in its own component frame; the frames share the app page (same origin),
    so a map announces its moves as an event on the page and follows the others' events.
    A frame that goes (a rerun rebuilt its map) stops listening."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var hub = null;
            try { hub = window.parent; hub.document; } catch (error) { return; }
            var group = {{ this.group|tojson }}, me = Math.random().toString(36).slice(2);
            var following = false;
            map.on("move", function() {
                if (following) { return; }
                var c = map.getCenter();
                hub.dispatchEvent(new hub.CustomEvent("ps-sync-view", {detail: {
                    group: group, from: me, lat: c.lat, lng: c.lng, zoom: map.getZoom()}}));
            });
            function follow(event) {
                var d = event.detail;
                if (!d || d.group !== group || d.from === me) { return; }
                following = true;
                try { map.setView([d.lat, d.lng], d.zoom, {animate: false}); }
                finally { following = false; }
            }
            hub.addEventListener("ps-sync-view", follow);
            window.addEventListener("pagehide", function() {
                hub.removeEventListener("ps-sync-view", follow);
            });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, group: str):
        super().__init__()
        self._name = "SyncViews"
        self.group = group


def view_shift(lat: float, lng: float, system: str) -> tuple[float, float]:
    """(Δlat, Δlng) from WGS84 to the display ``system`` at a point (0, 0 for WGS84)."""
    if system == WGS84:
        return (0.0, 0.0)
    moved = shift_geometries(np.array([shapely.Point(lng, lat)]), WGS84, system)[0]
    return (moved.y - lat, moved.x - lng)


def shift_model(lat: float, lng: float, system: str, step: float = 0.01) -> dict:
    """The offset WGS84 → ``system`` near (lat, lng) as a linear model: ``d`` the offset
    there, ``j`` its change per degree (rows Δlat, Δlng; columns per lat, per lng)."""
    d = view_shift(lat, lng, system)
    north = view_shift(lat + step, lng, system)
    east = view_shift(lat, lng + step, system)
    j = [
        [(north[0] - d[0]) / step, (east[0] - d[0]) / step],
        [(north[1] - d[1]) / step, (east[1] - d[1]) / step],
    ]
    return {"at": [lat, lng], "d": list(d), "j": j}


def frame_view(
    bounds: tuple[float, float, float, float], width_px: int = 900, height_px: int = 620
) -> tuple[tuple[float, float], float]:
    """Centre (lat, lng) and zoom that show ``bounds`` (west, south, east, north, WGS84)
    with a margin in a map of the given size, between :data:`FRAME_ZOOM_MIN` and
    :data:`FRAME_ZOOM_MAX`, in quarter steps (the maps snap to 0.25)."""
    west, south, east, north = bounds
    lat = (south + north) / 2
    lng = (west + east) / 2
    span_lng = max(east - west, 1e-9) * 2.0  # margin: the feature fills half the map
    # Web Mercator: vertical degrees are stretched by 1/cos(lat).
    span_lat = max(north - south, 1e-9) * 2.0 / math.cos(math.radians(lat))
    zoom = min(
        math.log2(360.0 * width_px / (256.0 * span_lng)),
        math.log2(360.0 * height_px / (256.0 * span_lat)),
    )
    zoom = min(max(math.floor(zoom * 4) / 4, FRAME_ZOOM_MIN), FRAME_ZOOM_MAX)
    return (lat, lng), zoom
