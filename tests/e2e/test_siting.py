"""项目选址 in Chromium: the chip preset → ranked sites on the map with the anchor and the
supply chain around them → the first site made a scenario."""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect

from benchmarks.browser import map_counts
from tests.e2e.conftest import record_timing, screenshot

pytestmark = pytest.mark.e2e


def test_form_to_map_to_scenario(page, tmp_path):
    page.goto(f"{page.base_url}/siting")
    page.get_by_role("heading", name="项目选址匹配").wait_for(timeout=60000)
    # The preset fills the form (the first draw may show the widgets' defaults for a moment).
    expect(page.get_by_label("最小用地（公顷）")).to_have_value("5.00", timeout=30000)
    started = time.perf_counter()
    page.get_by_role("button", name="匹配选址").click()
    page.get_by_role("button", name="导出候选场地 GeoJSON").wait_for(timeout=60000)
    counts: dict = {}
    deadline = time.time() + 60
    while time.time() < deadline:  # sites (10), supply-chain firms, the anchor (1)
        counts = map_counts(page, 0)
        if 10 in counts.values() and 1 in counts.values():
            break
        page.wait_for_timeout(200)
    record_timing("项目选址 芯 preset, click → sites on the map", time.perf_counter() - started)
    values = sorted(counts.values())
    assert 10 in values and 1 in values, counts
    assert max(values) > 10  # the supply-chain firms around the sites
    screenshot(page, "40_siting_shortlist")
    assert page.requests.outside() == []

    with page.expect_download() as info:
        page.get_by_role("button", name="导出候选场地 GeoJSON").click()
    path = tmp_path / "shortlist.geojson"
    info.value.save_as(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert [f["properties"]["site_id"] for f in doc["features"]][:3] == ["A", "B", "C"]
    assert len(doc["features"]) == 10 and "crs" not in doc

    page.get_by_role("button", name="生成情景（场地 A 预留给项目）").click()
    page.wait_for_url("**/scenarios?scenario=*", timeout=60000)
    page.get_by_text("项目选址 · 封装测试项目 · 场地 A").first.wait_for(timeout=60000)
    screenshot(page, "41_siting_scenario")
