"""情景规划 in a real browser: draw a parcel with Leaflet.draw, save, reload, compare."""

from __future__ import annotations

import pytest

from benchmarks.browser import map_counts, map_frame, wait_for_features
from tests.e2e.conftest import click_map, screenshot, wait_for
from tests.e2e.test_browser import no_exception

pytestmark = pytest.mark.e2e


def test_draw_save_reload_and_compare(page):
    page.goto(f"{page.base_url}/scenarios")
    page.get_by_role("heading", name="情景规划").first.wait_for(timeout=60000)

    # create a scenario
    page.get_by_role("button", name="新建 / 导入情景").click()
    page.get_by_label("名称").first.fill("浏览器测试情景")
    page.get_by_role("button", name="创建").click()
    page.get_by_text("已保存 · 版本 1").wait_for(timeout=60000)

    # draw a new parcel: a triangle in the middle of the map
    page.get_by_text("绘制新地块").click()
    page.wait_for_timeout(1500)
    wait_for_features(page, 1)
    frame = map_frame(page)
    frame.locator(".leaflet-draw-draw-polygon").click()
    for fx, fy in [(0.50, 0.46), (0.56, 0.46), (0.53, 0.52)]:
        click_map(frame, fx, fy)
        page.wait_for_timeout(300)
    click_map(frame, 0.50, 0.46)  # close the ring on the first vertex
    add_button = page.get_by_role("button", name="添加地块")
    # one form, enabled (a rerun in flight may briefly show the old, disabled one beside it)
    wait_for(
        lambda: add_button.count() == 1 and add_button.is_enabled(),
        what="the drawing to reach the page",
    )
    page.get_by_label("名称").last.fill("测试新地块")
    add_button.click()
    page.get_by_text("有未保存的修改").wait_for(timeout=60000)
    page.get_by_text("新增 1").first.wait_for(timeout=60000)
    screenshot(page, "10_scenario_drawn")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存 · 版本 2").wait_for(timeout=60000)

    # a reload starts a new session: the scenario named in the address comes back from the
    # workspace file
    assert "scenario=" in page.url
    page.reload()
    page.get_by_role("heading", name="情景规划").first.wait_for(timeout=60000)
    page.get_by_text("已保存 · 版本 2").wait_for(timeout=60000)
    screenshot(page, "10b_after_reload")
    page.get_by_text("新增 1").first.wait_for(timeout=60000)
    assert page.get_by_text("测试新地块").count() >= 1 or page.get_by_text("新增地块").count() >= 1
    # the "changes" layer holds the drawn parcel
    wait_for(lambda: 1 in map_counts(page).values(), what="the changes layer")
    no_exception(page)

    # compare with the baseline: the drawn, available parcel adds floor capacity
    page.get_by_role("tab", name="对比").click()
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="建筑面积增量")
    metric.first.wait_for(timeout=90000)
    delta = metric.first.locator('[data-testid="stMetricDelta"]').inner_text()
    assert delta.strip().startswith("+") or "↑" in delta
    screenshot(page, "11_scenario_compare")
    no_exception(page)
    assert page.requests.outside() == []
