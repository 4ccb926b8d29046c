"""Two app servers, one shared PostGIS store, no state in either process.

Two ``python -m ui.serve`` processes on different ports share ``LANDPLAN_DATABASE_URL`` (a
fresh database of the throwaway PostgreSQL server) and nothing else: each has a workspace
folder of its own. A scenario created and saved through the first is listed and opened
through the second; after the first saves again, a save of the second's now stale copy is
refused with the store's message, and the stored scenario is the first's.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from benchmarks.browser import start_app, wait_for_features
from layers.database import close_pools
from layers.store import PostgisScenarioStore
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser import no_exception

pytestmark = pytest.mark.e2e

NAME = "双服务器情景"


@pytest.fixture
def two_servers(browser_required, postgres_url, tmp_path):
    """Two app servers on the same database; yields their base URLs."""
    started = []
    try:
        for number in (1, 2):
            workspace = tmp_path / f"workspace-{number}"
            workspace.mkdir()
            env = dict(
                os.environ,
                LANDPLAN_WORKSPACE=str(workspace),
                LANDPLAN_DATABASE_URL=postgres_url,
                PYTHONUNBUFFERED="1",
            )
            log = open(tmp_path / f"server-{number}.log", "w")  # noqa: SIM115
            try:
                proc, url = start_app(env, log)
            except RuntimeError as exc:
                log.close()
                pytest.fail(f"server {number}: {exc}")
            started.append((proc, url, log))
        yield [url for _, url, _ in started]
    finally:
        for proc, _, log in started:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


def open_page(browser, url: str):
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(url)
    page.get_by_role("heading", name="情景规划").first.wait_for(timeout=90000)
    return page


def remove_parcel(page, parcel_id: str) -> None:
    """Select a parcel by its id and remove it: one unsaved edit."""
    page.get_by_label("或输入地块编号（逗号分隔）").fill(parcel_id)
    page.get_by_label("或输入地块编号（逗号分隔）").press("Enter")
    page.get_by_role("button", name="选中这些地块").click()
    remove = page.get_by_role("button", name="删除所选地块")
    remove.wait_for(timeout=60000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => "
        "b.innerText.includes('删除所选地块') && !b.disabled)",
        timeout=60000,
    )
    remove.click()
    page.get_by_text("有未保存的修改").wait_for(timeout=60000)


def test_a_scenario_saved_through_one_server_is_opened_through_the_other(
    browser, two_servers, postgres_url
):
    first_url, second_url = two_servers
    first = open_page(browser, f"{first_url}/scenarios")
    first.get_by_role("button", name="新建 / 导入情景").click()
    first.get_by_label("名称").first.fill(NAME)
    first.get_by_role("button", name="创建").click()
    first.get_by_text("已保存 · 版本 1").wait_for(timeout=60000)
    assert "scenario=" in first.url
    scenario_id = first.url.split("scenario=")[1].split("&")[0]

    # The second server lists it and opens it.
    second = open_page(browser, f"{second_url}/scenarios")
    second.locator('[data-testid="stSelectbox"]').filter(has_text="打开情景").click()
    option = second.get_by_role("option").filter(has_text=f"{NAME} · v1")
    option.wait_for(timeout=60000)
    screenshot(second, "40_second_server_lists")
    option.click()
    second.get_by_text("已保存 · 版本 1").wait_for(timeout=90000)
    assert f"scenario={scenario_id}" in second.url
    second.get_by_role("heading", name=NAME).wait_for(timeout=60000)
    wait_for_features(second, 1)  # the map has drawn the scenario's parcels
    screenshot(second, "41_second_server_opened")

    # The first saves version 2; the second's copy (version 1) is now stale.
    remove_parcel(first, "PS00001")
    first.get_by_role("button", name="保存").click()
    first.get_by_text("已保存 · 版本 2").wait_for(timeout=60000)

    remove_parcel(second, "PS00002")
    second.get_by_role("button", name="保存").click()
    second.get_by_text("情景已被其他人修改（当前版本 2）").first.wait_for(timeout=60000)
    second.get_by_role("button", name="在最新版本上重放我的修改").wait_for(timeout=60000)
    screenshot(second, "42_second_server_refused")
    no_exception(first)
    no_exception(second)

    store = PostgisScenarioStore(postgres_url)
    try:
        stored = store.open(scenario_id)
        assert stored.version == 2 and [e.parcel_ids for e in stored.edits] == [("PS00001",)]
    finally:
        close_pools()
