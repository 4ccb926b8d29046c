"""集群分布 in a real browser: the off-guidance map shows parcels by status and firms by
cluster at once — both palettes on — with a legend that fits, park names as labels and a
metric-only scale bar."""

from __future__ import annotations

import time

import pytest

from benchmarks.browser import MAP_FRAME, map_counts, map_frame, map_frames, wait_for_features
from tests.e2e.conftest import SCREENSHOTS, record_timing, screenshot
from tests.e2e.test_browser import no_exception
from ui.maps import CLUSTER_COLORS, STATUS_COLORS

pytestmark = pytest.mark.e2e

#: The fill colours drawn by each data layer (sampled over all its features).
DRAWN_COLOURS = """() => {
    const out = {};
    for (const k of Object.keys(window)) {
        if (!k.startsWith('data_layer_') || !window[k].getLayers) continue;
        const colours = new Set();
        for (const l of window[k].getLayers()) {
            if (l.options && l.options.fillColor) colours.add(l.options.fillColor.toLowerCase());
        }
        out[k] = Array.from(colours);
    }
    return out;
}"""
LEGEND_FIT = """() => {
    const box = document.querySelector('.ps-legend > div');
    if (!box) return null;
    const map = document.querySelector('.leaflet-container').getBoundingClientRect();
    const r = box.getBoundingClientRect();
    return {scroll: box.scrollHeight, client: box.clientHeight, top: r.top - map.top,
            bottom: map.bottom - r.bottom, text: box.innerText};
}"""
SCALE_TEXT = """() => Array.from(document.querySelectorAll('.leaflet-control-scale-line'))
    .map(e => e.innerText)"""
PARK_LABELS = """() => Array.from(document.querySelectorAll('.ps-park-label'))
    .map(e => e.innerText)"""


def test_off_guidance_map_with_both_palettes(page):
    start = time.time()
    page.goto(f"{page.base_url}/clusters")
    page.get_by_role("heading", name="主要发现").wait_for(timeout=90000)
    counts = wait_for_features(page, 2, timeout_s=90)
    record_timing("clusters off-guidance map filled, from asking for it", time.time() - start)
    page.wait_for_timeout(1500)
    no_exception(page)
    frame = map_frame(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(MAP_FRAME).first.screenshot(path=str(SCREENSHOTS / "clusters_off_map.png"))

    drawn = frame.evaluate(DRAWN_COLOURS)
    status = {c.lower() for c in STATUS_COLORS.values()}
    cluster = {c.lower() for c in CLUSTER_COLORS.values()}
    by_layer = {k: set(v) for k, v in drawn.items() if v}
    parcels = [v for v in by_layer.values() if v and v <= status]
    firms = [v for v in by_layer.values() if v and v <= cluster]
    assert parcels and len(parcels[0]) >= 5, (counts, drawn)  # parcels by status
    assert firms and len(firms[0]) >= 5, (counts, drawn)  # firms by cluster
    assert not (status & cluster)

    fit = frame.evaluate(LEGEND_FIT)
    assert fit is not None
    assert fit["scroll"] <= fit["client"] + 1, fit  # the whole legend shows, no scrolling
    assert fit["top"] >= 0 and fit["bottom"] >= 0, fit  # inside the map
    for label in ("产业集群", "地块状态", "其他", "低效用地", "可供应"):
        assert label in fit["text"], fit["text"]

    scale = frame.evaluate(SCALE_TEXT)
    assert len(scale) == 1 and (scale[0].endswith(" m") or scale[0].endswith(" km")), scale
    labels = frame.evaluate(PARK_LABELS)
    assert {"高新南先进制造园区", "高新北先进制造园区"} <= set(labels), labels

    screenshot(page, "clusters_page")
    assert page.requests.outside() == []


def _filled(page, index: int, layers: int, timeout_s: float = 90.0) -> dict:
    """Feature counts of map ``index`` once ``layers`` of its data layers have features
    (maps in a tab not shown first: the first map's frame is hidden, so it is not awaited)."""
    deadline = time.time() + timeout_s
    counts = {}
    while time.time() < deadline:
        counts = map_counts(page, index)
        if len([n for n in counts.values() if n > 0]) >= layers:
            return counts
        time.sleep(0.2)
    raise AssertionError(f"map {index} did not fill: {counts}")


def test_around_a_firm_and_year_maps(page):
    page.goto(f"{page.base_url}/clusters")
    page.get_by_role("heading", name="主要发现").wait_for(timeout=90000)
    wait_for_features(page, 2, timeout_s=90)
    page.get_by_role("tab", name="企业周边").click()
    counts = _filled(page, 1, 3)  # rings, firms nearby, the firm at the centre
    page.wait_for_timeout(1500)
    no_exception(page)
    assert 1 in counts.values() and 3 in counts.values(), counts  # one centre, three rings
    legend = map_frames(page)[1].evaluate(LEGEND_FIT)
    assert legend and "圈层" in legend["text"] and legend["scroll"] <= legend["client"] + 1
    page.locator(MAP_FRAME).nth(1).screenshot(path=str(SCREENSHOTS / "clusters_around_map.png"))
    page.get_by_role("tab", name="年度变化").click()
    _filled(page, 2, 1)
    page.wait_for_timeout(1500)
    no_exception(page)
    page.locator(MAP_FRAME).nth(2).screenshot(path=str(SCREENSHOTS / "clusters_years_map.png"))
    screenshot(page, "clusters_years_tab")
    assert page.requests.outside() == []
