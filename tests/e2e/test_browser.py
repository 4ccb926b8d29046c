"""The app in a real browser: offline map, every page, an analysis run and an export."""

from __future__ import annotations

import json
import time

import pytest

from benchmarks.browser import describe_frames, map_counts, wait_for_features
from layers.catalog import load_demo
from tests.e2e.conftest import record_timing, screenshot

DEMO = load_demo()

pytestmark = pytest.mark.e2e


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def test_overview_shows_demo_map_offline(page):
    page.goto(page.base_url + "/")  # returns at the page's load event
    loaded = time.time()
    counts = wait_for_features(page, 3)
    map_ready_s = time.time() - loaded
    record_timing(
        "总览 map ready after the page load event (first visit after server start)", map_ready_s
    )
    values = sorted(counts.values())
    assert len(DEMO.parcels) in values
    assert sum(values) - len(DEMO.parcels) == len(DEMO.enterprises)  # firms + anchor firms
    page.wait_for_timeout(1000)
    assert page.get_by_text("示意数据").first.is_visible()
    no_exception(page)
    screenshot(page, "01_overview")
    # A later visit, as every visitor after the first sees it (the server has warmed up).
    page.goto(page.base_url + "/")
    loaded = time.time()
    wait_for_features(page, 3)
    record_timing("总览 map ready after the page load event (later visit)", time.time() - loaded)
    assert page.requests.outside() == []


def test_every_page_renders(page):
    for path, title in [
        ("contiguity", "连片"),
        ("capacity", "工业上楼"),
        ("clusters", "集群"),
        ("data", "数据导入导出"),
    ]:
        start = time.time()
        page.goto(f"{page.base_url}/{path}")  # a new session, as when a link is opened
        page.get_by_role("heading", name=title).first.wait_for(timeout=60000)
        if path != "data":
            wait_for_features(page, 1)
        what = "title shown" if path == "data" else "map filled"
        record_timing(f"{path} page {what}, from asking for it", time.time() - start)
        page.wait_for_timeout(1500)  # let the tables below the map settle for the screenshot
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


def blocks_count(counts: dict) -> int | None:
    """Features in the blocks layer: the data layer added after the (hidden) parcels."""
    if not counts:
        return None
    names = sorted(counts, key=lambda k: int(k.rsplit("_", 1)[1]))
    return counts[names[-1]]


def test_contiguity_run_from_the_page(page):
    page.goto(f"{page.base_url}/contiguity")
    page.get_by_role("heading", name="连片").first.wait_for(timeout=60000)
    shown_before = blocks_count(wait_for_features(page, 2))
    assert shown_before > 3
    # Show only km-scale blocks: the three planned pockets remain.
    field = page.get_by_label("地图显示的最小片区（公顷）")
    field.fill("100")
    field.press("Tab")  # commit the value before submitting the form
    page.wait_for_timeout(500)
    page.get_by_role("button", name="运行连片分析").click()
    deadline = time.time() + 60
    counts: dict = {}
    while time.time() < deadline and blocks_count(counts) != 3:
        time.sleep(0.3)
        counts = map_counts(page)
    if blocks_count(counts) != 3:
        screenshot(page, "03_contiguity_failed")
    assert blocks_count(counts) == 3, describe_frames(page)
    no_exception(page)
    screenshot(page, "03_contiguity_km2_blocks")
    assert page.requests.outside() == []
