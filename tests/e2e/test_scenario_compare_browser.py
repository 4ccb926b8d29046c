"""情景对比 in a real browser: A | B side by side; moving one map moves the other."""

from __future__ import annotations

import pytest

from benchmarks.browser import map_frames
from tests.e2e.conftest import click_until, screenshot
from tests.e2e.test_browser import no_exception
from tests.e2e.test_map_view_browser import read_view, same_view, wait_for

pytestmark = pytest.mark.e2e


def test_compare_maps_pan_and_zoom_together(page):
    page.goto(f"{page.base_url}/scenarios")
    page.get_by_role("heading", name="情景规划").first.wait_for(timeout=60000)
    page.get_by_role("button", name="新建 / 导入情景").click()
    page.get_by_label("名称").first.fill("对比同步情景")
    page.get_by_role("button", name="创建").click()
    page.get_by_text("已保存 · 版本 1").wait_for(timeout=60000)
    # the popover closed once it created the scenario: that rerun has settled
    page.get_by_role("button", name="创建").wait_for(state="hidden", timeout=30000)
    page.get_by_label("或输入地块编号（逗号分隔）").fill("PS00001, PS00002")
    page.get_by_label("或输入地块编号（逗号分隔）").press("Enter")
    selected = page.get_by_text("已选 2 个地块")
    click_until(page.get_by_role("button", name="选中这些地块"), selected.is_visible, "已选")
    page.get_by_role("button", name="删除所选地块").click()
    page.get_by_text("有未保存的修改").wait_for(timeout=60000)

    page.get_by_role("tab", name="对比").click()
    page.get_by_text("两图同步平移和缩放").wait_for(timeout=60000)
    wait_for(lambda: len(map_frames(page)) >= 3, what="the two compare maps")
    wait_for(lambda: read_view(page, 1) and read_view(page, 2), what="both maps drawn")
    target = {"lat": 22.6874, "lng": 114.4025, "zoom": 16}
    map_frames(page)[1].evaluate(
        "(v) => window.map.setView([v.lat, v.lng], v.zoom, {animate: false})", target
    )
    wait_for(lambda: same_view(read_view(page, 2), target), what="B to follow A")
    map_frames(page)[2].evaluate("() => window.map.setZoom(15)")
    wait_for(lambda: (read_view(page, 1) or {}).get("zoom") == 15, what="A to follow B")
    page.get_by_text("两图同步平移和缩放").scroll_into_view_if_needed()
    screenshot(page, "50_scenario_compare_synced")
    no_exception(page)
