"""The app with accounts, under AppTest: sign-in first, the signed-in user as the editor,
what a viewer can and cannot do (the page and the store), the 管理 page, sign-out and
expiry; and the local single-user mode without accounts."""

from __future__ import annotations

import pytest

from geo.errors import InputError
from layers import scenario as sc
from layers.store import GpkgScenarioStore
from layers.team import GuardedScenarioStore, TeamStore
from tests.app_harness import app
from tests.team_fixtures import FAST_HASHER, PASSWORD

SCENARIOS = "ui/scenario_page.py"
ADMIN_PAGE = "ui/admin_page.py"


@pytest.fixture
def team(own_workspace) -> TeamStore:
    """The workspace's team store with a viewer, a planner and an admin."""
    store = TeamStore.sqlite(own_workspace / "team.sqlite", hasher=FAST_HASHER)
    store.add_user("vera", "viewer", PASSWORD)
    store.add_user("pat", "planner", PASSWORD)
    store.add_user("ada", "admin", PASSWORD)
    return store


def sign_in(at, name: str, password: str = PASSWORD):
    at.text_input(key="team_sign_in_name").input(name)
    at.text_input(key="team_sign_in_pw").input(password)
    next(b for b in at.button if b.label in ("登录", "Sign in")).click().run()
    return at


def texts(at) -> str:
    return " ".join(
        str(e.value) for kind in (at.info, at.error, at.warning, at.caption) for e in kind
    )


def test_without_accounts_the_app_is_one_local_user(own_workspace):
    with app() as (at, _):
        assert not at.exception
        assert "本机单用户模式" in texts(at)
        assert not [t for t in at.text_input if t.key == "team_sign_in_name"]
    assert not (own_workspace / "team.sqlite").exists()


def test_sign_in_comes_before_anything_else(team):
    with app() as (at, _):
        assert not at.exception
        assert at.text_input(key="team_sign_in_name")
        assert not at.tabs and not at.dataframe  # no page ran
        sign_in(at, "pat", "wrong password!")
        assert "用户名或密码不正确" in texts(at)
        assert at.text_input(key="team_sign_in_name")
        sign_in(at, "pat")
        assert not at.exception
        assert not [t for t in at.text_input if t.key == "team_sign_in_name"]
        assert "已登录：pat（规划）" in texts(at)
    kinds = [e.kind for e in team.history(user="pat")]
    assert kinds == ["sign_in", "sign_in_failed", "user_add"]


def test_english_sign_in_page_has_no_chinese(team):
    import re

    with app(lang="en") as (at, _):
        labels = [t.label for t in at.text_input] + [b.label for b in at.button]
        assert "User name" in labels and "Sign in" in labels
        assert at.title[0].value.startswith("Pingshan")
        assert not any(re.search(r"[\u4e00-\u9fff]", label) for label in labels)


def test_the_signed_in_planner_is_the_editor_and_the_owner(team, own_workspace):
    with app() as (at, _):
        sign_in(at, "pat")
        at.switch_page(SCENARIOS).run()
        at.text_input(key="scenario_new_name").input("高新南")
        next(b for b in at.button if b.label == "创建").click().run()
        assert not at.exception
        draft = at.session_state["scenario_draft"]
        assert draft.version == 1
        assert at.text_input(key="scenario_editor").disabled
        at.session_state["scenario_selection"] = ["PS00001"]
        at.run()
        at.selectbox(key="scenario_highrise").set_value(True)
        next(b for b in at.button if b.label == "应用到所选地块").click().run()
        assert not at.exception
        assert [e.author for e in at.session_state["scenario_draft"].edits] == ["pat"]
    made = team.history(kinds=["scenario_create"])[0]
    assert made.user == "pat" and made.scenario_name == "高新南"
    assert team.sharing(made.scenario_id).owner == "pat"


def test_a_viewer_has_no_save_controls_and_the_store_refuses(team, own_workspace):
    inner = GpkgScenarioStore(own_workspace / "scenarios.gpkg")
    made = GuardedScenarioStore(inner, team, team.user("pat")).save(
        sc.new_scenario("规划甲"), expected_version=0
    )
    with app() as (at, _):
        sign_in(at, "vera")
        at.switch_page(SCENARIOS).run()
        assert not at.exception
        assert "您的角色是「查看」" in texts(at)
        create = next(b for b in at.button if b.label == "创建")
        assert create.disabled
        at.selectbox(key="scenario_choice").set_value(made.id).run()
        assert not at.exception
        assert at.button(key="scenario_save").disabled
        assert at.button(key="scenario_delete").disabled
        assert at.button(key="scenario_duplicate").disabled
    # Whatever reaches the store (a hand-made request, a page that forgot a check) is refused.
    store = GuardedScenarioStore(inner, team, team.user("vera"))
    with pytest.raises(InputError) as refused:
        store.delete(made.id, confirm=True)
    assert refused.value.code == "forbidden"


def test_admin_page_lists_users_and_the_audit_trail(team, own_workspace):
    inner = GpkgScenarioStore(own_workspace / "scenarios.gpkg")
    pat = GuardedScenarioStore(inner, team, team.user("pat"))
    made = pat.save(sc.new_scenario("规划甲"), expected_version=0)
    pat.save(made.with_edit(sc.set_attributes("PS00123", highrise=True)))
    with app() as (at, _):
        sign_in(at, "ada")
        at.switch_page(ADMIN_PAGE).run()
        assert not at.exception
        users = at.dataframe[0].value
        assert list(users.iloc[:, 0]) == ["ada", "pat", "vera"]
        at.text_input(key="audit_parcel").input("PS00123").run()
        audit = at.dataframe[1].value
        assert list(audit["用户"]) == ["pat"] and list(audit["类型"]) == ["保存情景"]
        assert list(audit["情景"]) == ["规划甲"]
    with app() as (at, _):
        sign_in(at, "pat")
        at.switch_page(ADMIN_PAGE).run()
        assert not at.exception
        assert len(at.dataframe) == 1  # no user list for planners
        kinds = set(at.dataframe[0].value["类型代码"])
        assert kinds == {"scenario_create", "scenario_save"}  # own scenarios only


def test_sign_out_and_expiry_return_to_the_sign_in_page(team):
    with app() as (at, _):
        sign_in(at, "pat")
        at.button(key="team_sign_out").click().run()
        assert at.text_input(key="team_sign_in_name")
        sign_in(at, "pat")
        token = at.session_state["team_token"]
        team.sign_out(token)  # as if it expired, or was ended on another server
        at.run()
        assert at.text_input(key="team_sign_in_name")
        assert "会话已过期" in texts(at)


@pytest.mark.parametrize("name", ["vera", "pat", "ada"])
def test_only_an_admin_replaces_base_data(team, name):
    from tests.test_app_data import active, demo_parcels_file, upload

    _, data = demo_parcels_file(n=12)
    with app() as (at, _):
        sign_in(at, name)
        at.switch_page("ui/data_page.py").run()
        assert not at.exception
        if name != "ada":
            assert at.file_uploader[0].disabled
            assert "只有管理员可以替换基础数据" in texts(at)
            assert active(at).is_demo
            assert at.get("download_button")  # exports stay open to every role
            return
        upload(at, "parcels.geojson", data)
        next(b for b in at.button if b.label == "设为当前图层").click().run()
        assert not at.exception
        assert active(at).counts()["parcels"] == 12
    [row] = team.history(kinds=["base_import"])
    assert (row.user, row.detail["rows"], row.detail["file"]) == ("ada", 12, "parcels.geojson")


def test_the_function_replacing_base_layers_refuses_non_admins(team):
    from layers.catalog import load_demo
    from ui.imports import PendingImport, confirm_import

    demo = load_demo()
    pending = PendingImport("parcels", demo.parcels.head(5), "p.geojson")
    for name in ("vera", "pat"):
        with pytest.raises(InputError) as refused:
            confirm_import(demo, pending, user=team.user(name), team=team)
        assert refused.value.code == "forbidden"
    assert confirm_import(demo, pending, user=team.user("ada"), team=team).counts()["parcels"] == 5
    assert [e.user for e in team.history(kinds=["refused"])] == ["pat", "vera"]


def test_a_planner_shares_a_scenario_for_editing_on_the_admin_page(team, own_workspace):
    inner = GpkgScenarioStore(own_workspace / "scenarios.gpkg")
    made = GuardedScenarioStore(inner, team, team.user("pat")).save(
        sc.new_scenario("规划甲"), expected_version=0
    )
    with app() as (at, _):
        sign_in(at, "pat")
        at.switch_page(ADMIN_PAGE).run()
        assert not at.exception
        assert at.selectbox(key="share_scenario").value == made.id
        at.radio(key=f"share_visibility_{made.id}").set_value("editors")
        at.multiselect(key=f"share_editors_{made.id}").set_value(["ada"])
        next(b for b in at.button if b.label == "保存共享设置").click().run()
        assert not at.exception
    assert team.sharing(made.id).visibility == "editors"
    assert team.sharing(made.id).editors == ("ada",)
    [row] = team.history(kinds=["scenario_share"])
    assert row.user == "pat" and row.detail == {"visibility": "editors", "editors": ["ada"]}


def test_english_admin_page_has_no_chinese_labels(team):
    import re

    with app(lang="en") as (at, _):
        sign_in(at, "ada")
        at.switch_page(ADMIN_PAGE).run()
        assert not at.exception
        labels = [w.label for kind in (at.text_input, at.selectbox, at.button) for w in kind]
        labels += [h.value for h in at.subheader] + list(at.dataframe[1].value.columns)
        assert "Audit trail" in labels and "Users" in labels
        assert not [x for x in labels if re.search(r"[\u4e00-\u9fff]", str(x))]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_session_made_by_one_app_session_is_accepted_by_another(
    backend, request, own_workspace, monkeypatch
):
    """The durable part of a session is in the team store (the workspace file, or
    PostgreSQL when LANDPLAN_DATABASE_URL is set), so another app server accepts it."""
    if backend == "postgres":
        url = request.getfixturevalue("postgres_url")
        monkeypatch.setenv("LANDPLAN_DATABASE_URL", url)
        team = TeamStore.postgres(url, hasher=FAST_HASHER)
    else:
        team = TeamStore.sqlite(own_workspace / "team.sqlite", hasher=FAST_HASHER)
    team.add_user("pat", "planner", PASSWORD)
    with app() as (at, _):
        sign_in(at, "pat")
        assert "已登录：pat（规划）" in texts(at)
        token = at.session_state["team_token"]
    with app() as (other, _):
        assert other.text_input(key="team_sign_in_name")
        other.session_state["team_token"] = token
        other.run()
        assert not other.exception
        assert "已登录：pat（规划）" in texts(other)
    assert [e.kind for e in team.history(user="pat")] == ["sign_in", "user_add"]
    assert (own_workspace / "team.sqlite").exists() == (backend == "sqlite")


def test_an_admin_issues_and_revokes_a_data_service_token_on_the_admin_page(team):
    from ogc import default_token_store

    with app() as (at, _):
        sign_in(at, "ada")
        at.switch_page(ADMIN_PAGE).run()
        assert not at.exception
        at.text_input(key="admin_token_name").input("一张图平台")
        next(b for b in at.button if b.label == "发放令牌").click().run()
        assert not at.exception
        [shown] = [c.value for c in at.code]
        info = default_token_store().verify(shown)
        assert info is not None and (info.name, info.created_by) == ("一张图平台", "ada")
        at.run()  # shown once: the next run no longer shows it
        assert not at.code
        listed = at.dataframe[1].value
        assert list(listed["名称"]) == ["一张图平台"] and list(listed["状态"]) == ["有效"]
        at.selectbox(key="admin_revoke_name").set_value("一张图平台")
        next(b for b in at.button if b.label == "吊销").click().run()
        assert not at.exception
        assert default_token_store().verify(shown) is None
    kinds = [
        (e.user, e.kind, e.detail) for e in team.history(kinds=["token_create", "token_revoke"])
    ]
    assert kinds == [
        ("ada", "token_revoke", {"token": "一张图平台"}),
        ("ada", "token_create", {"token": "一张图平台"}),
    ]
    with app() as (at, _):
        sign_in(at, "pat")
        at.switch_page(ADMIN_PAGE).run()
        assert not [b for b in at.button if b.label == "发放令牌"]  # admins only
