"""Shared fixtures of the team tests: a team store on each backend with a settable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from layers.team import TeamStore

#: A cheap Argon2id for tests (the defaults cost ~64 MiB and tens of ms per hash).
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery staple"


class Clock:
    """A UTC clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture(params=["sqlite", "postgres"])
def team(request, tmp_path, clock, sleeps) -> TeamStore:
    """A fresh team store on each backend (PostgreSQL: a real throwaway server)."""
    kwargs = {"clock": clock, "sleep": sleeps.append, "hasher": FAST_HASHER}
    if request.param == "sqlite":
        return TeamStore.sqlite(tmp_path / "team.sqlite", **kwargs)
    return TeamStore.postgres(request.getfixturevalue("postgres_url"), **kwargs)
