"""Maps keep their place across reruns, in a real browser.

On 情景规划 the planner finds 高新南 with the search box (the map frames the parcel),
zooms out a step with Leaflet (no rerun), clicks the parcel — the page reruns and the
selection is swapped into the living map (the same frame) — and the map shows the same
centre and zoom. On 连片分析
the view set through Leaflet survives a new run of the analysis (the form). The view is read
from the Leaflet map object in the map's iframe (``window.map``, set by streamlit-folium).
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Error as PlaywrightError

from benchmarks.browser import MAP_FRAME, map_counts, map_frame, map_frames, wait_for_features
from tests.e2e.conftest import record_timing, screenshot, wait_for
from tests.e2e.test_browser import blocks_count, no_exception

pytestmark = pytest.mark.e2e

READ_VIEW = """() => {
    if (!window.map || !window.map.getCenter) return null;
    const c = window.map.getCenter();
    return {lat: c.lat, lng: c.lng, zoom: window.map.getZoom()};
}"""
#: Centres compared to within one screen pixel at the map's zoom (a rebuilt map may land
#: half a pixel off: Leaflet rounds pixel offsets when the new container is sized); zooms
#: exactly.
TOLERANCE_PX = 1.0


def read_view(page, index: int = 0) -> dict | None:
    frames = map_frames(page)
    if len(frames) <= index:
        return None
    try:
        return frames[index].evaluate(READ_VIEW)
    except PlaywrightError:  # a rerun replaced the frame: read again
        return None


def same_view(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None or a["zoom"] != b["zoom"]:
        return False
    pixel_deg = TOLERANCE_PX * 360.0 / (256.0 * 2.0 ** a["zoom"])
    return abs(a["lat"] - b["lat"]) < pixel_deg and abs(a["lng"] - b["lng"]) < pixel_deg


def settled_view(page, index: int = 0, quiet_s: float = 1.0, timeout_s: float = 30.0) -> dict:
    """The map's view once it has not changed for ``quiet_s``."""
    deadline = time.time() + timeout_s
    last, since = None, time.time()
    while time.time() < deadline:
        view = read_view(page, index)
        if view is None or not same_view(view, last):
            last, since = view, time.time()
        elif time.time() - since >= quiet_s:
            return view
        time.sleep(0.1)
    raise AssertionError(f"the map did not settle: {last}")


def test_scenario_map_keeps_its_place_after_a_click(page):
    page.goto(f"{page.base_url}/scenarios")
    page.get_by_role("heading", name="情景规划").first.wait_for(timeout=60000)
    page.get_by_role("button", name="新建 / 导入情景").click()
    page.get_by_label("名称").first.fill("视图测试情景")
    page.get_by_role("button", name="创建").click()
    page.get_by_text("已保存 · 版本 1").wait_for(timeout=60000)
    wait_for_features(page, 1)
    district = settled_view(page)

    # the search box frames a parcel of 高新南 and draws it on top
    search = page.get_by_label("查找地块或企业（编号或名称）")
    search.fill("高新南整备片区-001")
    search.press("Enter")
    page.get_by_text("匹配结果（1 个）").wait_for(timeout=60000)
    wait_for(lambda: (read_view(page) or {}).get("zoom", 0) >= 15, what="the map to zoom in")
    found = settled_view(page)
    assert found["zoom"] > district["zoom"] + 3
    assert 22.68 < found["lat"] < 22.69 and 114.40 < found["lng"] < 114.41

    # a step out with Leaflet (a planner's zoom: no rerun), then a click on the parcel
    frame = map_frame(page)
    frame.evaluate("() => { window.map.setZoom(window.map.getZoom() - 0.5); }")
    before = settled_view(page)
    assert before["zoom"] == found["zoom"] - 0.5
    old_frame = map_frames(page)[0]
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed()  # the centre must be on screen
    page.wait_for_timeout(300)
    assert same_view(before, read_view(page))
    box = frame.locator(".leaflet-container").bounding_box()
    clicked = time.time()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    try:
        page.get_by_text("已选 1 个地块").wait_for(timeout=30000)
    except PlaywrightError:
        screenshot(page, "20_scenario_click_failed")
        raise

    def redrawn() -> dict | None:
        ones = [n for n in map_counts(page).values() if n == 1]
        return read_view(page) if len(ones) >= 2 else None  # selection + search result

    wait_for(redrawn, what="the map redrawn with the selection")
    record_timing(
        "情景规划 click on a parcel → map redrawn with the selection", time.time() - clicked
    )
    # the selection was swapped into the living map: the same frame, no new map
    assert map_frames(page)[0] == old_frame
    after = settled_view(page)
    print(f"scenario view before click {before}, after rerun {after}")
    assert same_view(before, after), (before, after)
    screenshot(page, "20_scenario_view_kept")
    no_exception(page)


def test_contiguity_map_keeps_its_place_after_a_new_run(page):
    page.goto(f"{page.base_url}/contiguity")
    page.get_by_role("heading", name="连片").first.wait_for(timeout=60000)
    shown_before = blocks_count(wait_for_features(page, 2))
    frame = map_frame(page)
    frame.evaluate("() => { window.map.setView([22.688, 114.404], 15.25); }")  # 高新南
    before = settled_view(page)
    assert before["zoom"] == 15.25
    old_frame = map_frames(page)[0]

    field = page.get_by_label("地图显示的最小片区（公顷）")
    field.fill("100")
    field.press("Tab")
    page.wait_for_timeout(500)
    submitted = time.time()
    page.get_by_role("button", name="运行连片分析").click()

    def redrawn() -> dict | None:
        frames = map_frames(page)
        if not frames or frames[0] == old_frame:
            return None
        count = blocks_count(map_counts(page))
        return read_view(page) if count is not None and count != shown_before else None

    wait_for(redrawn, what="the map redrawn with the new blocks")
    record_timing("连片分析 new run → map redrawn", time.time() - submitted)
    after = settled_view(page)
    print(f"contiguity view before run {before}, after run {after}")
    assert same_view(before, after), (before, after)
    screenshot(page, "21_contiguity_view_kept")
    no_exception(page)


def test_basemap_change_keeps_the_place(page):
    """A basemap change rebuilds the map; the zoom is kept and the place too, shifted to
    GCJ-02 for Gaode — by a linear model of the offset (ui.maps._view), so within ~10 m
    (1e-4 degrees), not to the pixel."""
    from ui.maps import BASEMAPS, view_shift

    page.goto(f"{page.base_url}/")
    wait_for_features(page, 3)
    frame = map_frame(page)
    frame.evaluate("() => { window.map.setView([22.688, 114.404], 16); }")
    before = settled_view(page)
    old_frame = map_frames(page)[0]
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=BASEMAPS["gaode"][0]).click()
    wait_for(lambda: (frames := map_frames(page)) and frames[0] != old_frame, what="a new map")
    after = settled_view(page)
    dlat, dlng = view_shift(before["lat"], before["lng"], BASEMAPS["gaode"][2])
    print(f"basemap view before {before}, after (GCJ-02) {after}, shift {dlat:.5f} {dlng:.5f}")
    shifted = {"lat": before["lat"] + dlat, "lng": before["lng"] + dlng, "zoom": before["zoom"]}
    assert after["zoom"] == before["zoom"], (before, after)
    assert abs(shifted["lat"] - after["lat"]) < 1e-4, (shifted, after)
    assert abs(shifted["lng"] - after["lng"]) < 1e-4, (shifted, after)
    no_exception(page)
