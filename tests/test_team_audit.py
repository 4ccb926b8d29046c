"""The audit trail on both backends: a row for every kind of action, the history of a
scenario and of a parcel, filters, CSV export, and no way to change a row."""

from __future__ import annotations

import csv
import io

import pytest

from geo.errors import InputError
from layers import scenario as sc
from layers.store import GpkgScenarioStore
from layers.team import (
    AUDIT_COLUMNS,
    AUDIT_KINDS,
    EDITORS,
    GuardedScenarioStore,
    audit_csv,
    authorize_base_import,
)
from ogc import TokenStore, issue_token, revoke_token
from tests import team_fixtures
from tests.team_fixtures import PASSWORD

# The team fixtures, on both backends.
clock, sleeps, team = team_fixtures.clock, team_fixtures.sleeps, team_fixtures.team


@pytest.fixture
def story(team, tmp_path, clock):
    """Every kind of action once, a minute apart: users, sign-ins, a scenario's life."""
    inner = GpkgScenarioStore(tmp_path / "scenarios.gpkg")
    ada = team.add_user("ada", "admin", PASSWORD, by="cli:root")
    pat = team.add_user("pat", "planner", PASSWORD, by="ada")
    team.add_user("vera", "planner", PASSWORD, by="ada")
    team.set_role("vera", "viewer", by="ada")
    team.add_user("old", "viewer", PASSWORD, by="ada")
    team.set_disabled("old", by="ada")
    team.set_disabled("old", False, by="ada")
    team.reset_password("old", "new password 77", by="ada")
    clock.advance(minutes=1)
    with pytest.raises(InputError):
        team.sign_in("pat", "not the password")
    _, token = team.sign_in("pat", PASSWORD)
    clock.advance(minutes=1)
    store = GuardedScenarioStore(inner, team, pat)
    first = sc.new_scenario("高新南").with_edit(sc.set_attributes("PS00123", highrise=True))
    made = store.save(first, expected_version=0)
    clock.advance(minutes=1)
    second = made.with_edit(sc.set_attributes(["PS00123", "PS00200"], far_target=3.5))
    second = second.with_edit(sc.set_attributes("PS00300", highrise=False))
    saved = store.save(second)
    store.share(saved.id, EDITORS, ["vera"])
    renamed = store.rename(saved.id, "高新南二期", expected_version=saved.version)
    clock.advance(minutes=1)
    authorize_base_import(ada, team, kind="parcels", rows=40, name="2025 现状.gpkg")
    with pytest.raises(InputError):
        authorize_base_import(pat, team, kind="parcels", rows=40)
    GuardedScenarioStore(inner, team, ada).delete(renamed.id, confirm=True)
    tokens = TokenStore(tmp_path / "tokens.sqlite")
    issue_token(tokens, "一张图平台", user=ada, team=team)
    with pytest.raises(InputError):
        issue_token(tokens, "dashboard", user=pat, team=team)  # planners may not
    revoke_token(tokens, "一张图平台", user=ada, team=team)
    team.sign_out(token)
    return team, made.id, clock


def test_a_row_for_every_kind_of_action(story):
    team, _scenario_id, _ = story
    kinds = {event.kind for event in team.history()}
    assert kinds == set(AUDIT_KINDS)


def test_a_save_records_only_the_edits_it_adds(story):
    team, scenario_id, _ = story
    saves = team.history(scenario_id=scenario_id, kinds=["scenario_save"])
    assert len(saves) == 1
    added = saves[0].detail["edits_added"]
    assert [e["parcel_ids"] for e in added] == [["PS00123", "PS00200"], ["PS00300"]]
    assert added[0]["attributes"] == {"far_target": 3.5}
    assert saves[0].parcel_ids == ("PS00123", "PS00200", "PS00300")
    assert saves[0].detail["version"] == 2
    create = team.history(scenario_id=scenario_id, kinds=["scenario_create"])[0]
    assert create.detail["edits_added"][0]["attributes"] == {"highrise": True}


def test_history_of_a_scenario_and_of_a_parcel(story):
    team, scenario_id, _ = story
    life = [e.kind for e in reversed(team.history(scenario_id=scenario_id))]
    assert life == [
        "scenario_create",
        "scenario_save",
        "scenario_share",
        "scenario_rename",
        "scenario_delete",
    ]
    parcel = team.history(parcel_id="PS00123")
    assert [(e.user, e.kind, e.scenario_name) for e in parcel] == [
        ("pat", "scenario_save", "高新南"),
        ("pat", "scenario_create", "高新南"),
    ]
    assert parcel[0].at == "2026-03-01T08:03:00.000000Z"
    assert [e.kind for e in team.history(parcel_id="PS00300")] == ["scenario_save"]
    assert team.history(parcel_id="PS0030") == []  # exact ids, not a text search


def test_filters_by_user_kind_and_time(story):
    team, _scenario_id, _ = story
    by_ada = team.history(user="ada")
    assert by_ada and {e.user for e in by_ada} == {"ada"}
    sign_ins = team.history(kinds=["sign_in", "sign_in_failed"])
    assert [(e.user, e.kind) for e in sign_ins] == [("pat", "sign_in"), ("pat", "sign_in_failed")]
    window = team.history(since="2026-03-01T08:03", until="2026-03-01T08:04")
    assert {e.kind for e in window} == {"scenario_save", "scenario_share", "scenario_rename"}
    assert team.history(scenario_ids=[]) == []
    assert len(team.history(limit=2)) == 2


def test_csv_export(story):
    team, scenario_id, _ = story
    data = audit_csv(team.history(scenario_id=scenario_id), lang="en")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == AUDIT_COLUMNS
    assert [r["kind_label"] for r in rows][-1] == "scenario created"
    assert rows[-1]["scenario_name"] == "高新南"


def test_csv_cells_never_run_as_formulas(team):
    team.record("=HYPERLINK(1)", "refused", scenario_name="+cmd", detail={})
    rows = list(csv.reader(io.StringIO(audit_csv(team.history()).decode("utf-8-sig"))))
    assert rows[1][2] == "'=HYPERLINK(1)" and rows[1][6] == "'+cmd"


def test_the_audit_tables_are_append_only(story):
    team, _, _ = story
    before = len(team.history())
    for sql in (
        "UPDATE team_audit SET user_name = 'nobody'",
        "DELETE FROM team_audit",
        "DELETE FROM team_audit_parcels",
    ):
        with pytest.raises(InputError), team._db.tx(write=True) as run:
            run(sql, ())
    assert len(team.history()) == before
    assert {e.user for e in team.history()} != {"nobody"}
