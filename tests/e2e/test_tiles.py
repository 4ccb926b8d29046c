"""The 总览 map of 100,000 parcels in Chromium: the district's view shows the generalised
overview image (its tooltip names the category under the pointer), zoomed in the parcels
come as vector tiles, a click picks the parcel under the pointer, and no request leaves
the machine."""

from __future__ import annotations

import os
import time

import pytest
import shapely

from benchmarks.app_map import grid_dataset
from benchmarks.browser import map_counts, map_frame, start_app, stop_app
from layers.catalog import DEMO_DEM
from layers.schema import STATUS
from tests.e2e.conftest import RequestLog, record_timing, screenshot
from ui.cache import DATA_ENV, DEM_ENV, TILE_MIN_FEATURES_ENV
from ui.maps._overview import overview_zoom

N_PARCELS = 100_000

FIND_MAP = """() => {
    for (const k of Object.keys(window)) {
        if (k.startsWith('map_') && window[k] instanceof L.Map) return k;
    }
    return null;
}"""


@pytest.fixture(scope="module")
def big_server(browser_required, tmp_path_factory):
    """The app on 100,000 generated parcels; yields (URL, parcels)."""
    folder = tmp_path_factory.mktemp("data")
    gpkg, _ = grid_dataset(N_PARCELS, folder)
    import geopandas as gpd

    parcels = gpd.read_file(gpkg, layer="parcels")
    env = {k: v for k, v in os.environ.items() if k != TILE_MIN_FEATURES_ENV}
    env.update(
        {
            DATA_ENV: str(gpkg),
            DEM_ENV: str(DEMO_DEM),
            "LANDPLAN_WORKSPACE": str(tmp_path_factory.mktemp("workspace")),
            "PYTHONUNBUFFERED": "1",
        }
    )
    log = open(tmp_path_factory.mktemp("logs") / "server.log", "w")  # noqa: SIM115
    try:
        proc, url = start_app(env, log, timeout_s=900)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield url, parcels
    stop_app(proc)
    log.close()


def wait_for(frame, script: str, timeout_s: float = 120.0):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        value = frame.evaluate(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{script} stayed false for {timeout_s:.0f} s")


def test_big_parcel_layer_is_tiles_and_a_click_picks_the_parcel_under_it(browser, big_server):
    url, parcels = big_server
    # Tall enough for the whole map: focusing a map that runs off the bottom scrolls the page
    # between the press and the release of a click.
    context = browser.new_context(viewport={"width": 1500, "height": 1300}, locale="zh-CN")
    requests = RequestLog()
    context.on("request", lambda req: requests.urls.append(req.url))
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url + "/")
        frame = map_frame(page, timeout_s=120)
        wait_for(frame, "() => (window.ps_tiles_loaded || 0) > 0")
        record_timing("总览 100k parcels as tiles, from request", time.perf_counter() - start)

        # The parcels are not a GeoJSON layer: no data layer holds them.
        assert N_PARCELS not in map_counts(page).values()
        assert all(c < N_PARCELS for c in map_counts(page).values())

        # The district's view is the overview: one image, no tile read yet.
        name = frame.evaluate(FIND_MAP)
        shown_to = overview_zoom(parcels.geometry.to_crs(3857).area.to_numpy())
        assert frame.evaluate(f"() => {name}.getZoom()") <= shown_to
        images = [u for u in requests.urls if u.endswith(".png") and "/static/cache/" in u]
        assert images, "the overview image was never read"
        assert not [u for u in requests.urls if u.endswith(".pmtiles")]
        shot = screenshot(page, "tiles_100k_overview")
        assert shot.exists()
        # Hovering a parcel names its category: the biggest parcel near the centre.
        center = frame.evaluate(f"() => {{ const c = {name}.getCenter(); return [c.lng, c.lat]; }}")
        near = parcels.iloc[parcels.sindex.nearest(shapely.Point(*center), max_distance=0.01)[1]]
        big = near.loc[near.geometry.to_crs(4547).area.idxmax()]
        inside = big.geometry.centroid
        point = frame.evaluate(
            f"() => {{ const p = {name}.latLngToContainerPoint([{inside.y}, {inside.x}]);"
            " return {x: p.x, y: p.y}; }"
        )
        box = frame.locator(".leaflet-container").first.bounding_box()
        page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
        tip = wait_for(
            frame,
            "() => { const t = document.querySelector('.ps-tile-tip'); "
            "return t ? t.innerText : null; }",
            20,
        )
        assert STATUS.label(big.status, "zh") in tip and f"第 {shown_to + 1} 级" in tip

        # Zoom to a parcel near the map's centre: tiles; click inside it.
        center = frame.evaluate(f"() => {{ const c = {name}.getCenter(); return [c.lng, c.lat]; }}")
        near = parcels.sindex.nearest(shapely.Point(*center))[1][0]
        target = parcels.iloc[near]
        inside = target.geometry.representative_point()
        frame.evaluate("() => { window.ps_tiles_loaded = 0; }")
        frame.evaluate(
            f"() => {{ {name}.setView([{inside.y}, {inside.x}], 18, {{animate: false}}); }}"
        )
        wait_for(frame, "() => (window.ps_tiles_loaded || 0) > 0")
        tile_files = [u for u in requests.urls if u.endswith(".pmtiles")]
        assert tile_files, "the browser never read the tiles"
        point = frame.evaluate(
            f"() => {{ const p = {name}.latLngToContainerPoint([{inside.y}, {inside.x}]);"
            " return {x: p.x, y: p.y}; }"
        )
        frame.locator(".leaflet-container").first.click(position=point)
        picked = wait_for(frame, "() => window.ps_tile_picked || null", 20)
        assert picked["parcel_id"] == target.parcel_id
        popup = frame.locator(".leaflet-popup-content").inner_text()
        assert target.parcel_id in popup
        shot = screenshot(page, "tiles_100k_click")
        assert shot.exists()
        assert requests.outside() == [], requests.outside()[:5]
    finally:
        context.close()
