"""The shared database seam: URL handling, the pool, versioned migrations, failure messages."""

import threading

import psycopg
import pytest

from geo.errors import InputError
from layers.database import (
    DATABASE_URL_ENV,
    MIGRATIONS_TABLE,
    close_pools,
    database_failure,
    database_url,
    migrate,
    pool,
    redacted,
)

STEPS = (
    "CREATE TABLE things (id serial PRIMARY KEY, name text NOT NULL)",
    "ALTER TABLE things ADD COLUMN geom geometry(Polygon, 4326)",
)


def test_url_from_the_environment(monkeypatch):
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    assert database_url() is None
    monkeypatch.setenv(DATABASE_URL_ENV, "  ")
    assert database_url() is None
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://a@h/db")
    assert database_url() == "postgresql://a@h/db"


def test_passwords_are_redacted():
    assert (
        redacted("postgresql://planner:s3cr:et@db:5432/x") == "postgresql://planner:***@db:5432/x"
    )
    assert redacted("postgresql://planner@db/x") == "postgresql://planner@db/x"
    message = str(database_failure(Exception('connection to "postgresql://u:pw@h/d" failed')))
    assert "pw" not in message and "***" in message


def test_migrations_apply_once_and_in_order(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert migrate(conn, "demo", STEPS[:1]) == 1
        assert migrate(conn, "demo", STEPS[:1]) == 0
        assert migrate(conn, "demo", STEPS) == 1  # only the new step
        versions = conn.execute(
            f"SELECT version FROM {MIGRATIONS_TABLE} WHERE component = 'demo' ORDER BY version"
        ).fetchall()
        columns = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'things'"
            )
        }
    assert [v for (v,) in versions] == [1, 2]
    assert columns == {"id", "name", "geom"}


def test_a_failing_step_leaves_no_trace(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        with pytest.raises(psycopg.Error):
            migrate(conn, "broken", ("CREATE TABLE ok_table (id int)", "CREATE TABLE nope ("))
        recorded = conn.execute(
            f"SELECT count(*) FROM {MIGRATIONS_TABLE} WHERE component = 'broken'"
        ).fetchone()[0]
        assert recorded == 1  # the first step stays applied, the broken one is not recorded
        assert migrate(conn, "broken", ("CREATE TABLE ok_table (id int)",)) == 0


def test_concurrent_starts_apply_each_step_once(postgres_url):
    results: list[int] = []

    def start() -> None:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            results.append(migrate(conn, "race", STEPS))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each step runs under its own lock, so two starters may share the work (one applies
    # step 1, another step 2); what matters is that every step is applied exactly once.
    assert len(results) == 4 and sum(results) == len(STEPS)
    with psycopg.connect(postgres_url) as conn:
        versions = conn.execute(
            f"SELECT version FROM {MIGRATIONS_TABLE} WHERE component = 'race' ORDER BY version"
        ).fetchall()
    assert [v for (v,) in versions] == list(range(1, len(STEPS) + 1))


def test_pool_survives_a_database_restart(postgres_server, postgres_url):
    try:
        shared = pool(postgres_url)
        assert pool(postgres_url) is shared
        with shared.connection() as conn:
            assert conn.execute("SELECT 1").fetchone()[0] == 1
        postgres_server.restart()
        with shared.connection() as conn:
            assert conn.execute("SELECT 2").fetchone()[0] == 2
    finally:
        close_pools()


def test_an_unreachable_database_is_a_clear_error(postgres_server):
    url = f"postgresql://postgres@127.0.0.1:{postgres_server.port}/no_such_db"
    try:
        with pytest.raises(InputError) as caught:
            pool(url, timeout_s=2.0)
    finally:
        close_pools()
    assert caught.value.code == "database_unavailable"
    assert "共享数据库" in str(caught.value)
