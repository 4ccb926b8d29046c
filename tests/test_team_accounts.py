"""Accounts on both backends: hashing, sign-in, lockout, sessions, user changes."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from geo.errors import InputError
from layers.team import (
    FAILURE_DELAY_S,
    IDLE_MINUTES,
    LOCKOUT_MINUTES,
    MAX_FAILED_SIGN_INS,
    SESSION_HOURS,
    TeamStore,
)
from tests import team_fixtures
from tests.team_fixtures import FAST_HASHER, PASSWORD

# The team fixtures, on both backends.
clock, sleeps, team = team_fixtures.clock, team_fixtures.sleeps, team_fixtures.team


def all_text(team: TeamStore) -> str:
    """Every value of every team table, as one text."""
    tables = ("team_users", "team_sessions", "team_shares", "team_audit", "team_audit_parcels")
    return repr([team._db.raw_rows(table) for table in tables])


def test_no_clear_text_anywhere(team, tmp_path):
    team.add_user("alice", "admin", PASSWORD)
    _, token = team.sign_in("alice", PASSWORD)
    with pytest.raises(InputError):
        team.sign_in("alice", "wrong " + PASSWORD)
    team.reset_password("alice", "another secret 123")
    text = all_text(team)
    assert PASSWORD not in text and "another secret 123" not in text and token not in text
    assert "$argon2id$" in text
    if team.backend == "sqlite":
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("team.sqlite*"))
        assert PASSWORD.encode() not in raw and token.encode() not in raw


def test_sign_in_and_session(team, clock):
    assert not team.has_accounts()
    team.add_user("alice", "planner", PASSWORD, email="Alice@Example.org")
    assert team.has_accounts()
    user, token = team.sign_in(" alice ", PASSWORD)
    assert (user.name, user.role) == ("alice", "planner")
    assert len(token) >= 40
    assert team.session_user(token) == user
    assert team.session_user(token + "x") is None
    assert team.user_by_email("alice@example.ORG") == user
    team.sign_out(token)
    assert team.session_user(token) is None


def test_another_store_on_the_same_data_accepts_the_session(team, clock, tmp_path):
    team.add_user("alice", "viewer", PASSWORD)
    _, token = team.sign_in("alice", PASSWORD)
    other = TeamStore(team._db, clock=clock, hasher=FAST_HASHER)  # a second app server
    assert other.session_user(token).name == "alice"


def test_session_expires_when_idle_and_at_its_end(team, clock):
    team.add_user("alice", "viewer", PASSWORD)
    _, token = team.sign_in("alice", PASSWORD)
    clock.advance(minutes=IDLE_MINUTES - 1)
    assert team.session_user(token) is not None  # used: idle time starts again
    clock.advance(minutes=IDLE_MINUTES - 1)
    assert team.session_user(token) is not None
    clock.advance(minutes=IDLE_MINUTES + 1)
    assert team.session_user(token) is None
    _, token = team.sign_in("alice", PASSWORD)
    step_min = IDLE_MINUTES - 5
    for _ in range(SESSION_HOURS * 60 // step_min):  # used often: alive until its end
        clock.advance(minutes=step_min)
        assert team.session_user(token) is not None
    clock.advance(minutes=step_min)  # now past SESSION_HOURS since sign-in
    assert team.session_user(token) is None


def test_wrong_password_is_slowed_counted_and_locks(team, clock, sleeps):
    team.add_user("alice", "planner", PASSWORD)
    for attempt in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(InputError) as failed:
            team.sign_in("alice", f"wrong{attempt}")
        assert failed.value.code == "sign_in_failed"
        assert "Wrong user name or password" in str(failed.value)
    assert sleeps == [FAILURE_DELAY_S] * (MAX_FAILED_SIGN_INS - 1)
    with pytest.raises(InputError) as locked:
        team.sign_in("alice", "wrong again")
    assert locked.value.code == "locked"
    # Locked: even the right password is refused until the lock ends.
    clock.advance(minutes=LOCKOUT_MINUTES - 1)
    with pytest.raises(InputError) as still:
        team.sign_in("alice", PASSWORD)
    assert still.value.code == "locked"
    clock.advance(minutes=2)
    user, _ = team.sign_in("alice", PASSWORD)
    assert user.name == "alice"
    # A good sign-in resets the count: four more failures do not lock.
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(InputError):
            team.sign_in("alice", "nope nope nope")
    assert team.sign_in("alice", PASSWORD)[0].name == "alice"


def test_unknown_user_answers_like_a_wrong_password(team, sleeps):
    with pytest.raises(InputError) as failed:
        team.sign_in("nobody", PASSWORD)
    assert failed.value.code == "sign_in_failed"
    assert sleeps == [FAILURE_DELAY_S]


def test_disabled_user_cannot_sign_in_and_loses_sessions(team):
    team.add_user("alice", "planner", PASSWORD)
    _, token = team.sign_in("alice", PASSWORD)
    team.set_disabled("alice", by="root")
    assert team.session_user(token) is None
    with pytest.raises(InputError):
        team.sign_in("alice", PASSWORD)
    assert not team.has_accounts()
    team.set_disabled("alice", False, by="root")
    assert team.sign_in("alice", PASSWORD)[0].name == "alice"


def test_rehash_when_parameters_change(team):
    team.add_user("alice", "admin", PASSWORD)
    before = team._db.raw_rows("team_users")[0][2]
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    upgraded = TeamStore(team._db, hasher=stronger)
    upgraded.sign_in("alice", PASSWORD)
    after = team._db.raw_rows("team_users")[0][2]
    assert after != before and "t=2" in after and "m=2048" in after
    assert not stronger.check_needs_rehash(after)


def test_user_changes_and_refusals(team):
    team.add_user("alice", "planner", PASSWORD)
    assert team.set_role("alice", "viewer").role == "viewer"
    with pytest.raises(InputError) as taken:
        team.add_user("alice", "viewer", PASSWORD)
    assert taken.value.code == "user_exists"
    with pytest.raises(InputError) as bad:
        team.add_user("", "boss", "short")
    assert len(bad.value.details) == 3  # every problem listed
    with pytest.raises(InputError) as unknown:
        team.set_role("nobody", "admin")
    assert unknown.value.code == "unknown_user"
    team.reset_password("alice", "a new secret 42")
    with pytest.raises(InputError):
        team.sign_in("alice", PASSWORD)
    assert team.sign_in("alice", "a new secret 42")[0].role == "viewer"
    assert [u.name for u in team.users()] == ["alice"]


def test_the_last_enabled_admin_stays(team):
    team.add_user("ada", "admin", PASSWORD)
    team.add_user("pat", "planner", PASSWORD)
    for change in (lambda: team.set_role("ada", "planner"), lambda: team.set_disabled("ada")):
        with pytest.raises(InputError) as refused:
            change()
        assert refused.value.code == "last_admin"
    assert team.user("ada") == team.user("ada").with_role("admin")
    assert not team.user("ada").disabled
    team.set_role("pat", "admin")
    assert team.set_disabled("ada").disabled  # another admin exists now
    assert [e.kind for e in team.history(kinds=["user_role", "user_disable"])] == [
        "user_disable",
        "user_role",
    ]


def test_only_admins_change_users_even_past_the_page(team):
    team.add_user("ada", "admin", PASSWORD, by="cli:root")
    team.add_user("pat", "planner", PASSWORD, by="ada")
    team.add_user("vera", "viewer", PASSWORD, by="ada")
    for attempt in (
        lambda: team.add_user("mallory", "admin", PASSWORD, by="pat"),
        lambda: team.set_role("pat", "admin", by="pat"),
        lambda: team.set_disabled("ada", by="vera"),
        lambda: team.reset_password("ada", "another long password", by="pat"),
    ):
        with pytest.raises(InputError) as refused:
            attempt()
        assert refused.value.code == "forbidden"
    assert {u.name: u.role for u in team.users()} == {
        "ada": "admin",
        "pat": "planner",
        "vera": "viewer",
    }
    assert len(team.history(kinds=["refused"])) == 4
    team.reset_password("pat", "my own new password", by="pat")  # one's own password
    assert team.set_role("pat", "admin", by="ada").role == "admin"
