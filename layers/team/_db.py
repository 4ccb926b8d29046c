"""The two places team data is kept: an SQLite file in the workspace, or PostgreSQL.

Method: both backends hold the same four tables and answer the same SQL (written with
``?`` placeholders; the PostgreSQL backend turns them into ``%s``), so the team logic
(:mod:`layers.team._store`) is written once. Each backend gives a transaction through
:meth:`tx`, a context manager yielding ``run(sql, params) -> list[tuple]``.

Tables: ``team_users`` (name, role, argon2 hash, e-mail, disabled, failed sign-ins, locked
until, created), ``team_sessions`` (SHA-256 of the token, user, created, last seen,
expires), ``team_shares`` (scenario id, owner, visibility, editors as JSON),
``team_audit`` (+ ``team_audit_parcels``, one row per parcel of an event). The audit
tables are append-only: triggers on both backends abort any UPDATE or DELETE.

* **SQLite** (``<workspace>/team.sqlite``): WAL journal, ``synchronous=FULL``, a busy
  timeout; a connection per transaction (pages run in several threads); writes take the
  lock first (``BEGIN IMMEDIATE``). Schema versions in ``PRAGMA user_version``.
* **PostgreSQL** (``$LANDPLAN_DATABASE_URL``): the process's pool
  (:func:`layers.database.pool`) and versioned steps (:func:`layers.database.migrate`,
  component ``"team"``). Times are ISO text in both, so they compare alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from geo.errors import InputError
from layers.database import database_failure, migrate, pool, transaction

__all__: list[str] = []

Run = Callable[[str, tuple], list[tuple]]

_COMMON = """
CREATE TABLE team_users (
  name text PRIMARY KEY, role text NOT NULL, password_hash text NOT NULL DEFAULT '',
  email text NOT NULL DEFAULT '', disabled integer NOT NULL DEFAULT 0,
  failed_count integer NOT NULL DEFAULT 0, locked_until text NOT NULL DEFAULT '',
  created_at text NOT NULL);
CREATE TABLE team_sessions (
  token_sha256 text PRIMARY KEY, user_name text NOT NULL, created_at text NOT NULL,
  last_seen text NOT NULL, expires_at text NOT NULL);
CREATE TABLE team_shares (
  scenario_id text PRIMARY KEY, owner text NOT NULL, visibility text NOT NULL,
  editors text NOT NULL DEFAULT '[]');
"""
_SQLITE_STEPS = (
    _COMMON
    + """
CREATE TABLE team_audit (
  id integer PRIMARY KEY AUTOINCREMENT, at text NOT NULL, user_name text NOT NULL,
  kind text NOT NULL, scenario_id text NOT NULL DEFAULT '',
  scenario_name text NOT NULL DEFAULT '', parcel_ids text NOT NULL DEFAULT '[]',
  detail text NOT NULL DEFAULT '{}');
CREATE TABLE team_audit_parcels (audit_id integer NOT NULL, parcel_id text NOT NULL);
CREATE INDEX team_audit_parcel_idx ON team_audit_parcels (parcel_id);
CREATE INDEX team_audit_scenario_idx ON team_audit (scenario_id);
CREATE TRIGGER team_audit_no_update BEFORE UPDATE ON team_audit
  BEGIN SELECT RAISE(ABORT, 'team_audit is append-only'); END;
CREATE TRIGGER team_audit_no_delete BEFORE DELETE ON team_audit
  BEGIN SELECT RAISE(ABORT, 'team_audit is append-only'); END;
CREATE TRIGGER team_audit_parcels_no_update BEFORE UPDATE ON team_audit_parcels
  BEGIN SELECT RAISE(ABORT, 'team_audit is append-only'); END;
CREATE TRIGGER team_audit_parcels_no_delete BEFORE DELETE ON team_audit_parcels
  BEGIN SELECT RAISE(ABORT, 'team_audit is append-only'); END;
""",
)
_POSTGRES_STEPS = (
    _COMMON
    + """
CREATE TABLE team_audit (
  id bigserial PRIMARY KEY, at text NOT NULL, user_name text NOT NULL,
  kind text NOT NULL, scenario_id text NOT NULL DEFAULT '',
  scenario_name text NOT NULL DEFAULT '', parcel_ids text NOT NULL DEFAULT '[]',
  detail text NOT NULL DEFAULT '{}');
CREATE TABLE team_audit_parcels (audit_id bigint NOT NULL, parcel_id text NOT NULL);
CREATE INDEX team_audit_parcel_idx ON team_audit_parcels (parcel_id);
CREATE INDEX team_audit_scenario_idx ON team_audit (scenario_id);
CREATE FUNCTION team_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN RAISE EXCEPTION 'team_audit is append-only'; END $$;
CREATE TRIGGER team_audit_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON team_audit
  FOR EACH STATEMENT EXECUTE FUNCTION team_audit_append_only();
CREATE TRIGGER team_audit_parcels_no_change
  BEFORE UPDATE OR DELETE OR TRUNCATE ON team_audit_parcels
  FOR EACH STATEMENT EXECUTE FUNCTION team_audit_append_only();
""",
)

#: File name of the SQLite backend in the workspace.
TEAM_FILE_NAME = "team.sqlite"


class _SqliteDb:
    """Team tables in an SQLite file (WAL)."""

    kind = "sqlite"

    def __init__(self, path: Path, *, busy_timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                for number, sql in enumerate(_SQLITE_STEPS, start=1):
                    if number > version:
                        conn.executescript(
                            f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={number};COMMIT;"
                        )
        except (sqlite3.Error, OSError) as exc:
            raise _sqlite_failure(exc) from exc

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    @contextmanager
    def tx(self, *, write: bool = False) -> Iterator[Run]:
        try:
            conn = self._connect()
        except (sqlite3.Error, OSError) as exc:
            raise _sqlite_failure(exc) from exc
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")

            def run(sql: str, params: tuple = ()) -> list[tuple]:
                return conn.execute(sql, params).fetchall()

            try:
                yield run
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _sqlite_failure(exc) from exc
        finally:
            conn.close()

    def raw_rows(self, table: str) -> list[tuple]:
        """Every row of ``table`` (tests look for clear text in the file)."""
        with self.tx() as run:
            return run(f"SELECT * FROM {table}", ())


class _PostgresDb:
    """Team tables in the shared PostgreSQL database."""

    kind = "postgres"

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        try:
            with pool(url).connection() as conn:
                conn.autocommit = True
                migrate(conn, "team", _POSTGRES_STEPS)
        except psycopg.Error as exc:
            raise database_failure(exc) from exc

    @contextmanager
    def tx(self, *, write: bool = False) -> Iterator[Run]:
        with transaction(self.url) as run:
            yield run

    def raw_rows(self, table: str) -> list[tuple]:
        with self.tx() as run:
            return run(f"SELECT * FROM {table}", ())


def _sqlite_failure(exc: BaseException) -> InputError:
    text = exc.strerror if isinstance(exc, OSError) else str(exc)
    if "append-only" in str(exc):
        return InputError(
            "审计记录只能追加，不能修改或删除。",
            "The audit trail is append-only; rows cannot be changed or deleted.",
            code="audit_append_only",
        )
    return InputError(
        f"读写用户与审计文件失败：{text}。请检查工作区所在磁盘后重试。",
        f"Reading/writing the users and audit file failed: {text}. Check the workspace's "
        "disk and try again.",
        source=TEAM_FILE_NAME,
    )
