"""The shared PostgreSQL + PostGIS database: where it is, one connection pool per process, and
versioned schema migrations.

Method
------
* **Where**: ``$LANDPLAN_DATABASE_URL`` (e.g. ``postgresql://landplan@db.example/landplan``);
  unset or empty means the embedded GeoPackage/SQLite files of the workspace.
  :func:`database_url` reads it; :func:`redacted` hides a password before a URL is shown.
* **Pool**: :func:`pool` keeps one :class:`psycopg_pool.ConnectionPool` per URL and process,
  opened on first use; connections are checked before they are handed out, so a database that
  restarted is reconnected to without restarting the app.
* **Migrations**: each component (``"scenarios"``, ``"team"`` …) owns an ordered tuple of SQL
  steps. :func:`migrate` applies the steps a database has not had yet, each in its own
  transaction, and records them in ``landplan_migrations (component, version, applied_at)``;
  a transaction-level advisory lock makes two app servers starting together apply each step
  once. Steps are never edited once released: a change is a new step.
* **Transactions**: :func:`transaction` gives one on a pooled connection as
  ``run(sql, params) -> rows``, written with ``?`` placeholders as for SQLite (they become
  ``%s``), so a store's SQL is written once for both backends.
* **Failures**: :func:`database_failure` turns a psycopg error into one bilingual
  :class:`~geo.errors.InputError` (server unreachable, authentication, missing PostGIS, an
  account without the right, a transient failure) that names no password.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from geo.errors import InputError

__all__ = [
    "DATABASE_URL_ENV",
    "MIGRATIONS_TABLE",
    "close_pools",
    "database_failure",
    "database_url",
    "migrate",
    "pool",
    "redacted",
    "transaction",
]

#: The environment variable naming the shared database.
DATABASE_URL_ENV = "LANDPLAN_DATABASE_URL"
#: The table recording which migration steps each component has had.
MIGRATIONS_TABLE = "landplan_migrations"

_POOLS: dict[str, object] = {}
_POOLS_LOCK = threading.Lock()


def database_url() -> str | None:
    """``$LANDPLAN_DATABASE_URL``, or None when the embedded files are used."""
    value = os.environ.get(DATABASE_URL_ENV, "").strip()
    return value or None


def redacted(url: str) -> str:
    """``url`` with any password replaced by ``***``, safe to print or show."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def pool(url: str, *, min_size: int = 1, max_size: int = 8, timeout_s: float = 10.0):
    """The process's connection pool for ``url`` (made and opened on first use).

    Connections are checked with a round trip before use (``ConnectionPool.check_connection``),
    so after a database restart the next request gets a fresh connection.
    """
    from psycopg_pool import ConnectionPool

    with _POOLS_LOCK:
        found = _POOLS.get(url)
        if found is None:
            found = ConnectionPool(
                url,
                min_size=min_size,
                max_size=max_size,
                timeout=timeout_s,
                open=False,
                check=ConnectionPool.check_connection,
                name=f"landplan-{len(_POOLS)}",
            )
            try:
                found.open(wait=True, timeout=timeout_s)
            except Exception as exc:  # psycopg_pool.PoolTimeout and connection errors
                found.close()
                raise database_failure(exc) from exc
            _POOLS[url] = found
        return found


def close_pools() -> None:
    """Close every pool of this process (tests and shutdown)."""
    with _POOLS_LOCK:
        for found in _POOLS.values():
            found.close()
        _POOLS.clear()


def migrate(conn, component: str, steps: Sequence[str]) -> int:
    """Apply the steps of ``component`` that ``conn``'s database has not had; return how many.

    ``steps[i]`` is migration version ``i + 1`` (SQL, may hold several statements). Each step
    runs in its own transaction with the version row, under an advisory lock on the
    component, so concurrent starts apply it once. ``conn`` must be in autocommit mode.
    """
    with conn.transaction():  # IF NOT EXISTS alone races between two starting servers
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (MIGRATIONS_TABLE,))
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} ("
            "component text NOT NULL, version integer NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))"
        )
    applied = 0
    for version, sql in enumerate(steps, start=1):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (component,))
            done = conn.execute(
                f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE component = %s AND version = %s",
                (component, version),
            ).fetchone()
            if done:
                continue
            conn.execute(sql)
            conn.execute(
                f"INSERT INTO {MIGRATIONS_TABLE} (component, version) VALUES (%s, %s)",
                (component, version),
            )
            applied += 1
    return applied


@contextmanager
def transaction(
    url: str, *, migrations: tuple[str, Sequence[str]] | None = None
) -> Iterator[Callable[[str, tuple], list[tuple]]]:
    """A transaction on a pooled connection to ``url``, as ``run(sql, params) -> rows``
    (``?`` placeholders; no rows for statements that return none). ``migrations``
    (component, steps) are applied first, once per process and URL (:func:`migrate`).
    A psycopg error leaves as :func:`database_failure`'s message."""
    import psycopg

    try:
        with pool(url).connection() as conn:
            if migrations is not None and (url, migrations[0]) not in _MIGRATED:
                conn.autocommit = True
                migrate(conn, *migrations)
                _MIGRATED.add((url, migrations[0]))
            with conn.transaction():

                def run(sql: str, params: tuple = ()) -> list[tuple]:
                    cursor = conn.execute(sql.replace("?", "%s"), params)
                    return cursor.fetchall() if cursor.description else []

                yield run
    except psycopg.Error as exc:
        raise database_failure(exc) from exc


#: (URL, component) pairs whose migrations this process has applied through
#: :func:`transaction`.
_MIGRATED: set[tuple[str, str]] = set()


def database_failure(exc: BaseException, *, source: str | None = None) -> InputError:
    """A bilingual message for a failure of the shared database; names no password."""
    text = redacted(str(exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lowered = text.lower()
    if "password authentication failed" in lowered or "authentication" in lowered:
        return InputError(
            "无法登录共享数据库：用户名或密码不正确。请检查 LANDPLAN_DATABASE_URL。",
            "Cannot sign in to the shared database: wrong user name or password. Check "
            "LANDPLAN_DATABASE_URL.",
            source=source,
            code="database_auth",
        )
    if "postgis" in lowered and ("extension" in lowered or "not available" in lowered):
        return InputError(
            "共享数据库没有 PostGIS 扩展。请管理员安装 PostGIS（CREATE EXTENSION postgis）。",
            "The shared database lacks the PostGIS extension; an administrator must install "
            "it (CREATE EXTENSION postgis).",
            source=source,
            code="database_postgis",
        )
    if "permission denied" in lowered or "must be owner" in lowered:
        return InputError(
            f"共享数据库拒绝了这项操作：数据库账户没有相应权限（{text}）。请联系管理员。",
            f"The shared database refused this: its account lacks the right ({text}). Ask "
            "the administrator.",
            source=source,
            code="database_permission",
        )
    return InputError(
        f"暂时连接不上共享数据库（{text}）。已保存的内容不受影响，请稍后重试；问题持续时请联系管理员。",
        f"The shared database cannot be reached right now ({text}). Nothing saved is lost; "
        "try again in a moment, and tell the administrator if it persists.",
        source=source,
        code="database_unavailable",
    )
