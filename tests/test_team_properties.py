"""Properties of the rights and of the CSV export, over generated sharings and texts."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InputError
from layers import scenario as sc
from layers.store import GpkgScenarioStore
from layers.team import (
    VISIBILITIES,
    AuditEvent,
    GuardedScenarioStore,
    Sharing,
    TeamStore,
    audit_csv,
)
from tests.team_fixtures import FAST_HASHER, PASSWORD

USERS = {"vera": "viewer", "pat": "planner", "quinn": "planner", "ada": "admin"}


def test_rights_hold_for_every_sharing(tmp_path):
    team = TeamStore.sqlite(tmp_path / "team.sqlite", hasher=FAST_HASHER)
    users = {name: team.add_user(name, role, PASSWORD) for name, role in USERS.items()}
    inner = GpkgScenarioStore(tmp_path / "scenarios.gpkg")
    made = inner.save(sc.new_scenario("甲"), expected_version=0)

    @settings(max_examples=60, deadline=None)
    @given(
        owner=st.sampled_from(sorted(USERS)),
        visibility=st.sampled_from(sorted(VISIBILITIES)),
        editors=st.sets(st.sampled_from(sorted(USERS))),
        actor=st.sampled_from(sorted(USERS)),
    )
    def check(owner, visibility, editors, actor):
        team.set_sharing(made.id, Sharing(owner, visibility, editors))
        store = GuardedScenarioStore(inner, team, users[actor])
        listed = made.id in [info.id for info in store.list()]
        try:
            store.open(made.id)
            readable = True
        except InputError:
            readable = False
        may_save, may_manage = store.may_save(made.id), store.may_manage(made.id)
        assert listed == readable  # nothing hidden can be opened, nothing listed is refused
        assert not may_manage or may_save  # managing implies saving
        assert not may_save or readable  # saving implies reading
        if USERS[actor] == "viewer":
            assert not may_save and not may_manage
        if USERS[actor] == "admin":
            assert readable and may_save and may_manage
        if visibility == "private" and actor != owner and USERS[actor] != "admin":
            assert not listed
        if visibility != "editors" and actor != owner and USERS[actor] != "admin":
            assert not may_save

    check()


@settings(max_examples=100, deadline=None)
@given(
    user=st.text(min_size=1, max_size=20),
    name=st.text(max_size=30),
    parcels=st.lists(st.text(alphabet="PS0123456789", min_size=1, max_size=8), max_size=4),
)
def test_csv_keeps_every_text(user, name, parcels):
    event = AuditEvent(
        1,
        "2026-03-01T08:00:00.000000Z",
        user,
        "scenario_save",
        "id",
        name,
        tuple(parcels),
        {"note": name},
    )
    [row] = list(csv.DictReader(io.StringIO(audit_csv([event]).decode("utf-8-sig"), newline="")))

    def unguard(text: str, original: str) -> str:
        return text[1:] if original[:1] in ("=", "+", "-", "@", "\t", "\r") else text

    assert unguard(row["user"], user) == user
    assert unguard(row["scenario_name"], name) == name
    assert row["parcel_ids"] == ";".join(parcels)
