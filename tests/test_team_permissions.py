"""Rights enforced by the store: the roles × actions matrix, sharing, and base-data imports,
on both team backends."""

from __future__ import annotations

import pytest

from geo.errors import InputError
from layers import scenario as sc
from layers.store import GpkgScenarioStore, ScenarioStore
from layers.team import (
    EDITORS,
    FORBIDDEN,
    LOCAL_USER,
    PRIVATE,
    TEAM,
    GuardedScenarioStore,
    authorize_base_import,
)
from tests import team_fixtures
from tests.team_fixtures import PASSWORD

# The team fixtures, on both backends.
clock, sleeps, team = team_fixtures.clock, team_fixtures.sleeps, team_fixtures.team

ACTORS = ("viewer", "other_planner", "owner", "admin")
#: action → the actors allowed it on a team-readable scenario owned by "owner".
ALLOWED = {
    "list": {"viewer", "other_planner", "owner", "admin"},
    "open": {"viewer", "other_planner", "owner", "admin"},
    "create": {"other_planner", "owner", "admin"},
    "duplicate": {"other_planner", "owner", "admin"},
    "save": {"owner", "admin"},
    "rename": {"owner", "admin"},
    "delete": {"owner", "admin"},
    "share": {"owner", "admin"},
}
NAMES = {"viewer": "vera", "other_planner": "quinn", "owner": "pat", "admin": "ada"}
ROLES = {"viewer": "viewer", "other_planner": "planner", "owner": "planner", "admin": "admin"}


@pytest.fixture
def world(team, tmp_path):
    """The team's users and a scenario ``pat`` made and saved once, readable by the team."""
    inner = GpkgScenarioStore(tmp_path / "scenarios.gpkg")
    users = {actor: team.add_user(NAMES[actor], ROLES[actor], PASSWORD) for actor in ACTORS}
    as_owner = GuardedScenarioStore(inner, team, users["owner"])
    made = as_owner.save(sc.new_scenario("高新南", author="pat"), expected_version=0)
    return team, inner, users, made


def act(store: GuardedScenarioStore, action: str, made: sc.Scenario):
    """Do ``action`` on ``made`` through ``store``; return something that shows it happened."""
    if action == "list":
        return [info.id for info in store.list()]
    if action == "open":
        return store.open(made.id).id
    if action == "create":
        return store.save(sc.new_scenario("新情景"), expected_version=0).version
    if action == "duplicate":
        return store.duplicate(made.id).id
    if action == "save":
        edited = made.with_edit(sc.set_attributes("PS00123", highrise=True))
        return store.save(edited).version
    if action == "rename":
        return store.rename(made.id, "改名", expected_version=made.version).name
    if action == "delete":
        store.delete(made.id, confirm=True)
        return store.inner.exists(made.id)
    if action == "share":
        return store.share(made.id, PRIVATE).visibility
    raise AssertionError(action)


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("actor", ACTORS)
def test_roles_by_actions(world, actor, action):
    team, inner, users, made = world
    store = GuardedScenarioStore(inner, team, users[actor])
    assert isinstance(store, ScenarioStore)
    if actor in ALLOWED[action]:
        outcome = act(store, action, made)
        expected = {
            "list": lambda r: made.id in r,
            "open": lambda r: r == made.id,
            "create": lambda r: r == 1,
            "duplicate": lambda r: r != made.id and inner.exists(r),
            "save": lambda r: r == made.version + 1,
            "rename": lambda r: r == "改名",
            "delete": lambda r: r is False,
            "share": lambda r: r == PRIVATE,
        }[action]
        assert expected(outcome), (actor, action, outcome)
    else:
        before = inner.open(made.id)
        with pytest.raises(InputError) as refused:
            act(store, action, made)
        assert refused.value.code == FORBIDDEN
        assert "没有权限" in str(refused.value) and "Not allowed" in str(refused.value)
        after = inner.open(made.id)
        assert (after.version, after.name) == (before.version, before.name)
        refused_action = {"duplicate": "create"}.get(action, action)  # a copy is a creation
        last = team.history(kinds=["refused"], user=NAMES[actor])[0]
        assert last.detail["action"] == refused_action


def test_private_scenarios_are_hidden_from_others(world):
    team, inner, users, made = world
    owner = GuardedScenarioStore(inner, team, users["owner"])
    owner.share(made.id, PRIVATE)
    for actor in ("viewer", "other_planner"):
        other = GuardedScenarioStore(inner, team, users[actor])
        assert made.id not in [info.id for info in other.list()]
        with pytest.raises(InputError) as refused:
            other.open(made.id)
        assert refused.value.code == FORBIDDEN
        assert "private one" in str(refused.value) and "私有情景" in str(refused.value)
    assert made.id in [i.id for i in GuardedScenarioStore(inner, team, users["admin"]).list()]
    assert made.id in [i.id for i in owner.list()]


def test_shared_for_editing_lets_the_named_colleague_save_only(world):
    team, inner, users, made = world
    GuardedScenarioStore(inner, team, users["owner"]).share(made.id, EDITORS, ["quinn"])
    quinn = GuardedScenarioStore(inner, team, users["other_planner"])
    saved = quinn.save(made.with_edit(sc.set_attributes("PS00007", highrise=True)))
    assert saved.version == made.version + 1
    for action in ("rename", "delete", "share"):
        with pytest.raises(InputError) as refused:
            act(quinn, action, saved)
        assert refused.value.code == FORBIDDEN
    vera = GuardedScenarioStore(inner, team, users["viewer"])
    with pytest.raises(InputError):
        vera.save(saved.with_edit(sc.set_attributes("PS00007", highrise=False)))
    with pytest.raises(InputError) as unknown:
        GuardedScenarioStore(inner, team, users["owner"]).share(made.id, EDITORS, ["ghost"])
    assert unknown.value.code == "bad_user"


def test_scenarios_saved_before_accounts_are_read_by_all_changed_by_admins(world):
    team, inner, users, _ = world
    legacy = inner.save(sc.new_scenario("旧情景"), expected_version=0)
    for actor in ACTORS:
        store = GuardedScenarioStore(inner, team, users[actor])
        assert legacy.id in [i.id for i in store.list()]
        if actor == "admin":
            assert store.rename(legacy.id, "旧情景二", expected_version=1).version == 2
        else:
            with pytest.raises(InputError):
                store.rename(legacy.id, "x", expected_version=1)


def test_viewer_store_reports_read_only(world):
    team, inner, users, _ = world
    assert GuardedScenarioStore(inner, team, users["viewer"]).read_only
    assert not GuardedScenarioStore(inner, team, users["owner"]).read_only


@pytest.mark.parametrize("actor", ACTORS)
def test_base_data_import_is_for_admins(world, actor):
    team, _, users, _ = world
    if actor == "admin":
        authorize_base_import(users[actor], team, kind="parcels", rows=12, name="现状.gpkg")
        row = team.history(kinds=["base_import"])[0]
        assert (row.user, row.detail["rows"], row.detail["layer"]) == ("ada", 12, "parcels")
    else:
        with pytest.raises(InputError) as refused:
            authorize_base_import(users[actor], team, kind="parcels", rows=12)
        assert refused.value.code == FORBIDDEN
        assert team.history(kinds=["base_import"]) == []


def test_local_user_without_accounts_may_import():
    authorize_base_import(LOCAL_USER, None, kind="parcels", rows=3)
    assert TEAM == "team"


@pytest.mark.parametrize("actor", ACTORS)
def test_recording_a_base_data_version_is_for_admins_and_audited(world, actor):
    team, inner, users, _ = world
    store = GuardedScenarioStore(inner, team, users[actor])
    if actor == "admin":
        recorded = store.record_base_data("2025 年现状调查", "content-1")
        assert recorded.name == "2025 年现状调查"
        row = team.history(kinds=["base_import"])[0]
        assert (row.user, row.detail["base_data_version"]) == ("ada", "2025 年现状调查")
    else:
        with pytest.raises(InputError) as refused:
            store.record_base_data("2025 年现状调查", "content-1")
        assert refused.value.code == FORBIDDEN
        assert inner.base_data_versions() == []
    assert [v.name for v in store.base_data_versions()] == [
        v.name for v in inner.base_data_versions()
    ]
