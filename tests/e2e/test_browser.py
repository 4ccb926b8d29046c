"""The app in a real browser: offline map, every page, an analysis run and an export."""

from __future__ import annotations

import json
import time

import pytest

from layers.catalog import load_demo
from tests.e2e.conftest import record_timing, screenshot

DEMO = load_demo()

pytestmark = pytest.mark.e2e

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
COUNT_FEATURES = """() => {
    const counts = {};
    for (const k of Object.keys(window)) {
        if (k.startsWith('data_layer_') && window[k].getLayers) counts[k] = window[k].getLayers().length;
    }
    return counts;
}"""


def map_frame(page, index: int = 0, timeout_s: float = 60.0):
    """The Leaflet map's frame once its container is drawn."""
    page.wait_for_selector(MAP_FRAME, timeout=timeout_s * 1000)
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        frames = [f for f in page.frames if "streamlit_folium" in (f.url or "")]
        if len(frames) > index and frames[index].query_selector(".leaflet-container"):
            return frames[index]
        time.sleep(0.1)
    raise AssertionError("the Leaflet map did not appear")


def wait_for_features(frame, minimum_layers: int, timeout_s: float = 60.0) -> dict:
    deadline = time.time() + timeout_s
    counts = {}
    while time.time() < deadline:
        counts = frame.evaluate(COUNT_FEATURES)
        if len([n for n in counts.values() if n > 0]) >= minimum_layers:
            return counts
        time.sleep(0.1)
    raise AssertionError(f"map layers did not fill: {counts}")


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def test_overview_shows_demo_map_offline(page):
    page.goto(page.base_url + "/")  # returns at the page's load event
    loaded = time.time()
    frame = map_frame(page)
    counts = wait_for_features(frame, 3)
    map_ready_s = time.time() - loaded
    record_timing("总览 map ready after the page load event (first visit)", map_ready_s)
    values = sorted(counts.values())
    assert len(DEMO.parcels) in values
    assert sum(values) - len(DEMO.parcels) == len(DEMO.enterprises)  # firms + anchor firms
    page.wait_for_timeout(1000)
    assert page.get_by_text("示意数据").first.is_visible()
    no_exception(page)
    screenshot(page, "01_overview")
    assert page.requests.outside() == []


def test_every_page_renders(page):
    for path, title in [
        ("contiguity", "连片"),
        ("capacity", "工业上楼"),
        ("clusters", "集群"),
        ("data", "数据导入导出"),
    ]:
        start = time.time()
        page.goto(f"{page.base_url}/{path}")
        page.get_by_role("heading", name=title).first.wait_for(timeout=60000)
        if path != "data":
            wait_for_features(map_frame(page), 1)
        page.wait_for_timeout(1500)
        record_timing(f"{path} page ready after navigation", time.time() - start)
        no_exception(page)
        screenshot(page, f"02_{path}")
    assert page.requests.outside() == []


def test_geojson_export_downloads_rfc7946(page, tmp_path):
    page.goto(f"{page.base_url}/data")
    button = page.get_by_role("button", name="下载 boundary.geojson")
    button.wait_for(timeout=60000)
    with page.expect_download() as info:
        button.click()
    path = tmp_path / "boundary.geojson"
    info.value.save_as(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    assert len(doc["features"]) == 8
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    lon, lat = ring[0] if doc["features"][0]["geometry"]["type"] == "Polygon" else ring[0][0]
    assert 114.2 < lon < 114.5 and 22.6 < lat < 22.8
    assert page.requests.outside() == []
