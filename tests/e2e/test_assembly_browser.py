"""整备建议 in Chromium: a proposal for 高新北 drawn on the map, with the firms affected."""

from __future__ import annotations

import time

import pytest

from benchmarks.browser import map_counts
from tests.e2e.conftest import choose_option, record_timing, screenshot

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


def test_an_unreachable_target_shows_the_largest_block_and_why(page):
    page.goto(f"{page.base_url}/contiguity")
    page.get_by_role("heading", name="整备建议").wait_for(timeout=60000)
    form = page.locator('[data-testid="stForm"]').filter(has_text="目标连片面积")
    choose(page, form.locator('[data-testid="stSelectbox"]').first, "高新北先进制造园区")
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
    choose(page, form.locator('[data-testid="stSelectbox"]').first, "高新北先进制造园区")
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
