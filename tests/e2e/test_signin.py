"""Sign-in in a real browser: a viewer signs in, opens a planner's scenario, and finds no way
to save, create, import or delete it."""

from __future__ import annotations

import os
import subprocess

import pytest

from benchmarks.browser import start_app
from layers import scenario as sc
from layers.store import GpkgScenarioStore
from layers.team import GuardedScenarioStore, TeamStore
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

PASSWORD = "viewer password 2026"


@pytest.fixture(scope="module")
def team_server(browser_required, tmp_path_factory):
    """The app on a workspace with accounts (a viewer, a planner, an admin) and the planner's
    scenario; yields the base URL."""
    workspace = tmp_path_factory.mktemp("team_workspace")
    team = TeamStore.sqlite(workspace / "team.sqlite")
    team.add_user("vera", "viewer", PASSWORD)
    pat = team.add_user("pat", "planner", PASSWORD)
    team.add_user("ada", "admin", PASSWORD)
    inner = GpkgScenarioStore(workspace / "scenarios.gpkg")
    made = GuardedScenarioStore(inner, team, pat).save(
        sc.new_scenario("坪山规划甲"), expected_version=0
    )
    GuardedScenarioStore(inner, team, pat).save(
        made.with_edit(sc.set_attributes("PS00001", highrise=True))
    )
    env = dict(os.environ, LANDPLAN_WORKSPACE=str(workspace), PYTHONUNBUFFERED="1")
    env.pop("LANDPLAN_DATABASE_URL", None)
    log = open(tmp_path_factory.mktemp("logs") / "streamlit.log", "w")  # noqa: SIM115
    try:
        proc, url = start_app(env, log)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield url, team
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def team_page(browser, team_server):
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    urls: list[str] = []
    context.on("request", lambda req: urls.append(req.url))
    pg = context.new_page()
    pg.urls = urls
    yield pg, team_server
    context.close()


def test_a_viewer_finds_no_way_to_save(team_page):
    page, (url, team) = team_page
    page.goto(url)
    page.get_by_role("button", name="登录").wait_for(timeout=60000)
    assert page.get_by_role("link", name="情景规划").count() == 0  # no page before sign-in
    page.get_by_label("用户名").fill("vera")
    page.get_by_label("密码").fill("wrong password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("用户名或密码不正确").wait_for(timeout=60000)
    assert page.get_by_label("密码").input_value() == ""  # the form forgets the password
    screenshot(page, "40_signin_refused")
    page.get_by_label("用户名").fill("vera")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已登录：vera（查看）").wait_for(timeout=60000)
    assert page.get_by_role("link", name="管理").count() == 0

    page.get_by_role("link", name="情景规划").click()
    page.get_by_text("您的角色是「查看」").wait_for(timeout=60000)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="打开情景").first.click()
    page.get_by_role("option", name="坪山规划甲").first.click()
    page.get_by_role("heading", name="坪山规划甲").wait_for(timeout=60000)
    save = page.get_by_role("button", name="保存", exact=True)
    save.wait_for(timeout=60000)
    assert save.is_disabled()
    screenshot(page, "41_viewer_scenario")
    page.get_by_role("tab", name="管理与导出").click()
    page.get_by_role("button", name="删除情景").wait_for(timeout=60000)
    screenshot(page, "42_viewer_manage_tab")
    page.get_by_text("新建 / 导入情景").first.click()
    page.get_by_role("button", name="创建").wait_for(timeout=60000)
    screenshot(page, "43_viewer_new_popover")
    for name in ("保存", "创建", "另存为新情景", "保存名称", "复制为新情景", "删除情景"):
        buttons = page.get_by_role("button", name=name, exact=True)
        for i in range(buttons.count()):
            assert buttons.nth(i).is_disabled(), f"'{name}' is enabled for a viewer"
    assert page.get_by_role("button", name="保存", exact=True).count() >= 1
    assert page.get_by_role("button", name="删除情景", exact=True).count() == 1
    events = team.history(user="vera")
    assert [e.kind for e in events] == ["sign_in", "sign_in_failed", "user_add"]
    assert all(u.startswith(url) or u.startswith("data:") for u in page.urls), page.urls[:5]


def test_an_admin_finds_who_changed_a_parcel(team_page):
    page, (url, _) = team_page
    page.goto(url)
    page.get_by_label("用户名").fill("ada")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="管理").click()
    page.get_by_role("heading", name="操作记录").wait_for(timeout=60000)
    page.get_by_label("地块编号").fill("PS00001")
    page.get_by_label("地块编号").press("Enter")
    page.get_by_text("共 1 条记录").wait_for(timeout=60000)
    screenshot(page, "44_admin_parcel_history")


def test_a_reload_keeps_the_sign_in_and_ogc_answers_as_the_user(team_page, browser):
    """The session cookie: a reload does not ask again, the browser reads /ogc as the
    signed-in user (another browser gets 401), and signing out ends both."""
    page, (url, _) = team_page
    page.goto(url)
    page.get_by_label("用户名").fill("vera")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_text("已登录：vera（查看）").wait_for(timeout=60000)
    cookie = None
    for _ in range(50):  # the page posts its session once the run has rendered
        cookie = next((c for c in page.context.cookies() if c["name"] == "landplan_session"), None)
        if cookie:
            break
        page.wait_for_timeout(200)
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.reload()
    page.get_by_text("已登录：vera（查看）").wait_for(timeout=60000)
    assert page.get_by_role("button", name="登录", exact=True).count() == 0
    answer = page.request.get(f"{url}/ogc/collections")
    assert answer.status == 200
    titles = [c["title"] for c in answer.json()["collections"]]
    assert any("坪山规划甲" in title for title in titles), titles
    other = browser.new_context()
    try:
        assert other.request.get(f"{url}/ogc/collections").status == 401
    finally:
        other.close()
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=60000)
    assert page.request.get(f"{url}/ogc/collections").status == 401
    for _ in range(50):  # the sign-in page asks the browser to drop the dead cookie
        if not any(c["name"] == "landplan_session" for c in page.context.cookies()):
            break
        page.wait_for_timeout(200)
    assert not any(c["name"] == "landplan_session" for c in page.context.cookies())
    page.reload()
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=60000)
    assert page.get_by_text("会话已过期").count() == 0  # nothing ended: nobody signed in
    screenshot(page, "45_signed_out_after_reload")
