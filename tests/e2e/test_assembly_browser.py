"""整备建议 in Chromium: a proposal for 高新北 drawn on the map, with the firms affected."""

from __future__ import annotations

import time

import pytest

from benchmarks.browser import map_counts, map_frame
from tests.e2e.conftest import choose_option, click_map, record_timing, screenshot, wait_for
from tests.e2e.test_map_view_browser import same_view, settled_view

pytestmark = pytest.mark.e2e


def test_assembly_proposal_is_drawn_with_its_firms(page):
    page.goto(f"{page.base_url}/contiguity")
    page.get_by_role("heading", name="整备建议").wait_for(timeout=60000)
    page.get_by_label("目标连片面积（公顷）").fill("40")
    page.get_by_label("目标连片面积（公顷）").press("Tab")
    started = time.perf_counter()
    page.get_by_role("button", name="计算整备建议").click()
    page.get_by_text("涉及企业").first.wait_for(timeout=60000)
    deadline = time.time() + 60
    while time.time() < deadline:  # the proposal map is the second map of the page
        if any(n > 0 for n in map_counts(page, 1).values()):
            break
        page.wait_for_timeout(200)
    record_timing(
        "整备建议 高新北 40 ha, click → proposal on the map", time.perf_counter() - started
    )
    assert any(n > 0 for n in map_counts(page, 1).values())
    page.get_by_text("整备建议").first.scroll_into_view_if_needed()
    screenshot(page, "30_assembly_proposal")
    assert page.requests.outside() == []


def choose(page, box, option: str) -> None:
    """Pick ``option`` in a Streamlit selectbox."""
    choose_option(page, box, option)


def scope_box(page):
    """The 整备范围 selectbox."""
    return page.locator('[data-testid="stSelectbox"]').filter(has_text="整备范围")


def test_an_unreachable_target_shows_the_largest_block_and_why(page):
    page.goto(f"{page.base_url}/contiguity")
    page.get_by_role("heading", name="整备建议").wait_for(timeout=60000)
    choose(page, scope_box(page), "高新北先进制造园区")
    page.get_by_label("目标连片面积（公顷）").fill("100")
    page.get_by_label("目标连片面积（公顷）").press("Tab")
    page.get_by_role("button", name="计算整备建议").click()
    message = page.locator('[data-testid="stAlert"]').filter(has_text="最多只能连成")
    message.wait_for(timeout=60000)
    text = message.inner_text()
    assert "70.9 公顷" in text and "at most 70.9 ha" in text
    assert "36 个互不相连的片" in text and "77.6 ha" in text
    message.scroll_into_view_if_needed()
    screenshot(page, "31_assembly_unreachable")
    assert page.requests.outside() == []


def test_across_trunk_roads_高新北_reaches_100_ha(page):
    page.goto(f"{page.base_url}/contiguity")
    page.get_by_role("heading", name="整备建议").wait_for(timeout=60000)
    form = page.locator('[data-testid="stForm"]').filter(has_text="目标连片面积")
    choose(page, scope_box(page), "高新北先进制造园区")
    page.get_by_label("目标连片面积（公顷）").fill("100")
    page.get_by_label("目标连片面积（公顷）").press("Tab")
    form.get_by_text("跨越主干道整备").click()
    page.get_by_role("button", name="计算整备建议").click()
    page.get_by_text("涉及企业").first.wait_for(timeout=90000)
    deadline = time.time() + 60
    while time.time() < deadline:
        if any(n > 0 for n in map_counts(page, 1).values()):
            break
        page.wait_for_timeout(200)
    assert any(n > 0 for n in map_counts(page, 1).values())
    area = page.locator('[data-testid="stMetric"]').filter(has_text="片区面积（公顷）")
    assert float(area.locator('[data-testid="stMetricValue"]').inner_text().replace(",", "")) >= 100
    assert page.locator('[data-testid="stAlert"]').filter(has_text="最多只能连成").count() == 0
    area.scroll_into_view_if_needed()
    screenshot(page, "32_assembly_across_trunk_roads")
    assert page.requests.outside() == []


def test_an_area_drawn_on_the_map_gets_its_own_proposal(page):
    page.goto(f"{page.base_url}/contiguity")
    page.get_by_role("heading", name="整备建议").wait_for(timeout=60000)
    choose(page, scope_box(page), "在地图上画出范围")
    page.get_by_text("用地图左上角的工具").wait_for(timeout=60000)
    frame = map_frame(page, 1)  # the 连片 map is the first
    frame.locator(".leaflet-control-zoom-in").click()  # the planner zooms in to draw
    before = settled_view(page, 1)
    frame.locator(".leaflet-draw-draw-polygon").click()
    corners = [(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)]
    for fx, fy in corners:
        click_map(frame, fx, fy)
        page.wait_for_timeout(300)
    click_map(frame, *corners[0])  # close the ring on the first vertex
    size = page.get_by_text("已画整备范围")
    wait_for(lambda: size.count() == 1, what="the drawn area to reach the page")
    # The map, drawn again with the area's outline, keeps the place the planner chose.
    assert same_view(settled_view(page, 1), before)
    page.get_by_label("目标连片面积（公顷）").fill("20")
    page.get_by_label("目标连片面积（公顷）").press("Tab")
    page.get_by_role("button", name="计算整备建议").click()
    page.get_by_text("涉及企业").first.wait_for(timeout=90000)
    wait_for(lambda: any(n > 0 for n in map_counts(page, 2).values()), what="the proposal map")
    counts = map_counts(page, 2)
    # Two layers: the drawn area (one feature) and the proposed block.
    assert len(counts) == 2 and 1 in counts.values() and max(counts.values()) > 1, counts
    area = page.locator('[data-testid="stMetric"]').filter(has_text="片区面积（公顷）")
    assert float(area.locator('[data-testid="stMetricValue"]').inner_text().replace(",", "")) >= 20
    area.scroll_into_view_if_needed()
    screenshot(page, "33_assembly_drawn_area")
    assert page.requests.outside() == []
