"""Read-only access tokens for other systems.

Method: a token is ``lp_`` followed by 32 random bytes (URL-safe base64,
:func:`secrets.token_urlsafe`); only its SHA-256 digest is stored, so the store never holds
a usable token, and the clear token is shown once, when it is created. A random token of
256 bits needs no slow hash (nothing to guess from the digest). One row per token: ``name``
(unique among tokens not revoked), ``digest``, ``created_at``, ``revoked_at`` (UTC ISO
8601) and ``created_by`` (the admin who issued it; empty from the command line). A revoked
token is kept, marked, so the list shows what was issued.

Where tokens live follows the deployment (:func:`default_token_store`): in the shared
PostgreSQL database when ``$LANDPLAN_DATABASE_URL`` is set — so a token issued on one app
server works on every other — else in an SQLite file of the workspace
(``<workspace>/ogc_tokens.sqlite``). Both answer the same SQL (``?`` placeholders become
``%s`` for PostgreSQL); :class:`TokenStore` is the whole interface (create, revoke,
verify, list).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from geo.errors import InputError
from layers.database import database_url, transaction
from layers.team import TeamStore, TeamUser, require
from layers.workspace import workspace_dir

__all__ = [
    "TOKEN_FILE_NAME",
    "TokenInfo",
    "TokenStore",
    "default_token_store",
    "issue_token",
    "revoke_token",
]

#: File of the token store inside the workspace (without a shared database).
TOKEN_FILE_NAME = "ogc_tokens.sqlite"

Run = Callable[[str, tuple], list[tuple]]

_PREFIX = "lp_"
_NAME = re.compile(r"^[\w\-. ]{1,64}$")
_TABLE = """
CREATE TABLE IF NOT EXISTS tokens (
    name TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS tokens_active_name ON tokens(name) WHERE revoked_at IS NULL;
"""
#: Schema steps, in order: version ``i + 1`` is ``_STEPS[i]`` (SQLite ``user_version``,
#: PostgreSQL's migrations table, component ``"ogc_tokens"``).
_STEPS = (_TABLE, "ALTER TABLE tokens ADD COLUMN created_by TEXT NOT NULL DEFAULT '';")
_POSTGRES_STEPS = (
    """
CREATE TABLE ogc_tokens (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    digest text NOT NULL UNIQUE,
    created_at text NOT NULL,
    revoked_at text,
    created_by text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX ogc_tokens_active_name ON ogc_tokens(name) WHERE revoked_at IS NULL;
""",
)


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never the token itself."""

    name: str
    created_at: str
    revoked_at: str | None = None
    created_by: str = ""

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class TokenStore:
    """Tokens kept hashed: in the SQLite file ``path`` (created on first write), or in
    PostgreSQL (:meth:`postgres`)."""

    def __init__(self, path: str | Path) -> None:
        self.path: Path | None = Path(path)
        self._url: str | None = None
        self._table, self._order = "tokens", "rowid"

    @classmethod
    def postgres(cls, url: str) -> TokenStore:
        """The tokens of the shared database at ``url`` (table ``ogc_tokens``, made on
        first use)."""
        store = cls.__new__(cls)
        store.path, store._url = None, url
        store._table, store._order = "ogc_tokens", "id"
        return store

    # ------------------------------------------------------------------ storage

    def _written(self) -> bool:
        """False for an SQLite file never written (reading it must not create it)."""
        return self.path is None or self.path.exists()

    @contextmanager
    def _tx(self, *, write: bool = False) -> Iterator[Run]:
        if self._url is not None:
            with transaction(self._url, migrations=("ogc_tokens", _POSTGRES_STEPS)) as run:
                yield run
            return
        try:
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            with closing(connection):
                version = connection.execute("PRAGMA user_version").fetchone()[0]
                for number, sql in enumerate(_STEPS, start=1):
                    if number > version:
                        connection.executescript(
                            f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={number};COMMIT;"
                        )
                connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield lambda sql, params=(): connection.execute(sql, params).fetchall()
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise InputError(
                f"无法读写访问令牌文件 {self.path.name}：{exc}。请检查工作区是否可写。",
                f"Cannot read or write the access token file {self.path.name}: {exc}. Check "
                "that the workspace can be written.",
            ) from exc

    # ------------------------------------------------------------------ tokens

    def create(self, name: str, *, by: str = "") -> str:
        """Issue a token named ``name`` (by the admin ``by``) and return it in clear (shown
        this once)."""
        name = name.strip()
        if not _NAME.match(name):
            raise InputError(
                f"令牌名称「{name}」无效：1–64 个字母、数字、空格或 - _ .。",
                f"Token name '{name}' is not valid: 1–64 letters, digits, spaces or - _ .",
            )
        token = _PREFIX + secrets.token_urlsafe(32)
        with self._tx(write=True) as run:
            taken = run(
                f"SELECT 1 FROM {self._table} WHERE name = ? AND revoked_at IS NULL", (name,)
            )
            if taken:
                raise InputError(
                    f"已有名为「{name}」的有效令牌；请换一个名称，或先吊销它。",
                    f"An active token named '{name}' exists; pick another name or revoke it.",
                )
            run(
                f"INSERT INTO {self._table} (name, digest, created_at, created_by) "
                "VALUES (?, ?, ?, ?)",
                (name, _digest(token), _now(), by),
            )
        return token

    def revoke(self, name: str) -> None:
        """Revoke the active token named ``name``."""
        done = []
        if self._written():
            with self._tx(write=True) as run:
                done = run(
                    f"UPDATE {self._table} SET revoked_at = ? "
                    "WHERE name = ? AND revoked_at IS NULL RETURNING name",
                    (_now(), name.strip()),
                )
        if not done:
            raise InputError(
                f"没有名为「{name}」的有效令牌。", f"No active token is named '{name}'."
            )

    def verify(self, token: str) -> TokenInfo | None:
        """The active token's info, or None for an unknown or revoked token."""
        if not token.startswith(_PREFIX) or not self._written():
            return None
        with self._tx() as run:
            rows = run(
                f"SELECT name, created_at, revoked_at, created_by FROM {self._table} "
                "WHERE digest = ? AND revoked_at IS NULL",
                (_digest(token),),
            )
        return TokenInfo(*rows[0]) if rows else None

    def list(self) -> list[TokenInfo]:
        """Every token issued, newest first, revoked ones included."""
        if not self._written():
            return []
        with self._tx() as run:
            rows = run(
                f"SELECT name, created_at, revoked_at, created_by FROM {self._table} "
                f"ORDER BY {self._order} DESC",
                (),
            )
        return [TokenInfo(*row) for row in rows]


def default_token_store() -> TokenStore:
    """The token store of this deployment: the shared database when one is configured,
    else the workspace's file."""
    url = database_url()
    if url:
        return TokenStore.postgres(url)
    return TokenStore(workspace_dir() / TOKEN_FILE_NAME)


def issue_token(store: TokenStore, name: str, *, user: TeamUser, team: TeamStore | None) -> str:
    """Issue a token as ``user`` (an admin, else a refusal naming the right that lacks),
    recorded in the team's audit trail; return it in clear (shown this once)."""
    require(user, "manage_tokens")
    token = store.create(name, by=user.name)
    if team is not None:
        team.record(user, "token_create", detail={"token": name.strip()})
    return token


def revoke_token(store: TokenStore, name: str, *, user: TeamUser, team: TeamStore | None) -> None:
    """Revoke a token as ``user`` (an admin), recorded in the team's audit trail."""
    require(user, "manage_tokens")
    store.revoke(name)
    if team is not None:
        team.record(user, "token_revoke", detail={"token": name.strip()})
