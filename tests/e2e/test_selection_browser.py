"""情景规划 selection in a real browser: select by attribute (低效用地 in 高新南); the map's
selection layer (read from ``window.data_layer_*`` in the map frame) and the attribute
table hold as many parcels as the demo layer has."""

from __future__ import annotations

import time

import pytest

from benchmarks.browser import map_counts, wait_for_features
from layers.catalog import load_demo
from tests.e2e.conftest import choose_option, record_timing, screenshot, wait_for
from tests.e2e.test_browser import no_exception

pytestmark = pytest.mark.e2e

READ_GRID_ROWS = """() => {
    const grid = document.querySelector('[data-testid="stDataFrame"] [aria-rowcount]');
    return grid ? Number(grid.getAttribute('aria-rowcount')) : null;
}"""


def pick(page, field, option: str) -> None:
    """Choose ``option`` in a Streamlit multiselect by typing it."""
    choose_option(page, field, option, type_text=True)


def test_select_by_attribute_shows_the_selection_on_the_map_and_in_the_table(page):
    parcels = load_demo().parcels
    expected = int(
        ((parcels.status == "low_efficiency") & (parcels.park_id == "gaoxin_south")).sum()
    )
    page.goto(f"{page.base_url}/scenarios")
    page.get_by_role("heading", name="情景规划").first.wait_for(timeout=60000)
    page.get_by_role("button", name="新建 / 导入情景").click()
    page.get_by_label("名称").first.fill("选择测试情景")
    page.get_by_role("button", name="创建").click()
    page.get_by_text("已保存 · 版本 1").wait_for(timeout=60000)
    wait_for_features(page, 1)

    page.locator('[data-testid="stExpander"] summary').filter(has_text="按属性选择").click()
    form = page.locator('[data-testid="stForm"]').filter(has_text="面积下限")
    form.wait_for(timeout=30000)
    fields = form.locator('[data-testid="stMultiSelect"]')
    pick(page, fields.filter(has_text="园区"), "高新南先进制造园区")
    pick(page, fields.filter(has_text="地块状态"), "低效用地")
    submitted = time.time()
    form.get_by_role("button", name="按属性选择").click()
    page.get_by_text(f"已选 {expected} 个地块").wait_for(timeout=60000)
    wait_for(lambda: expected in map_counts(page).values(), what="the selection layer")
    record_timing(
        f"情景规划 select by attribute ({expected} parcels) → map redrawn with the selection",
        time.time() - submitted,
    )
    counts = map_counts(page)
    print(f"map layers after the query: {counts}")
    assert sorted(counts.values())[-2:] == [expected, len(parcels)]  # selection, all parcels

    # the table lists the whole layer with the selection ticked; only the selection on demand
    page.get_by_text(f"表中 {len(parcels)} 行，其中已选 {expected} 行").wait_for(timeout=30000)
    page.get_by_text("只列出已选地块").click()
    page.get_by_text(f"表中 {expected} 行，其中已选 {expected} 行").wait_for(timeout=30000)
    # the grid's aria-rowcount counts the header row too
    wait_for(lambda: page.evaluate(READ_GRID_ROWS) == expected + 1, what="the table's rows")
    page.get_by_text(f"已选 {expected} 个地块").wait_for(timeout=30000)
    page.locator('[data-testid="stDataFrame"]').first.scroll_into_view_if_needed()
    screenshot(page, "30_select_by_attribute")
    no_exception(page)
