"""Read-only access tokens for other systems.

Method: a token is ``lp_`` followed by 32 random bytes (URL-safe base64,
:func:`secrets.token_urlsafe`); only its SHA-256 digest is stored, so the file never holds
a usable token, and the clear token is shown once, when it is created. A random token of
256 bits needs no slow hash (nothing to guess from the digest). Tokens live in an SQLite
file of the workspace (``<workspace>/ogc_tokens.sqlite``), one row per token: ``name``
(unique among tokens not revoked), ``digest``, ``created_at``, ``revoked_at`` (UTC ISO 8601).
A revoked token is kept, marked, so the list shows what was issued.

:class:`TokenStore` is the whole interface (create, revoke, verify, list); another storage
(the team's user store) can stand in for it with the same four methods.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from geo.errors import InputError
from layers.workspace import workspace_dir

__all__ = ["TOKEN_FILE_NAME", "TokenInfo", "TokenStore", "default_token_store"]

#: File of the token store inside the workspace.
TOKEN_FILE_NAME = "ogc_tokens.sqlite"

_PREFIX = "lp_"
_NAME = re.compile(r"^[\w\-. ]{1,64}$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    name TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS tokens_active_name ON tokens(name) WHERE revoked_at IS NULL;
"""


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never the token itself."""

    name: str
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class TokenStore:
    """Tokens kept hashed in an SQLite file (created on first write)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(self.path, timeout=10)
            connection.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise InputError(
                f"无法打开访问令牌文件 {self.path}：{exc}。请检查工作区是否可写。",
                f"Cannot open the access token file {self.path}: {exc}. Check that the "
                "workspace can be written.",
            ) from exc
        return connection

    def create(self, name: str) -> str:
        """Issue a token named ``name`` and return it in clear (shown this once)."""
        name = name.strip()
        if not _NAME.match(name):
            raise InputError(
                f"令牌名称「{name}」无效：1–64 个字母、数字、空格或 - _ .。",
                f"Token name '{name}' is not valid: 1–64 letters, digits, spaces or - _ .",
            )
        token = _PREFIX + secrets.token_urlsafe(32)
        with closing(self._connect()) as db, db:
            try:
                db.execute(
                    "INSERT INTO tokens (name, digest, created_at) VALUES (?, ?, ?)",
                    (name, _digest(token), _now()),
                )
            except sqlite3.IntegrityError as exc:
                raise InputError(
                    f"已有名为「{name}」的有效令牌；请换一个名称，或先吊销它。",
                    f"An active token named '{name}' exists; pick another name or revoke it.",
                ) from exc
        return token

    def revoke(self, name: str) -> None:
        """Revoke the active token named ``name``."""
        with closing(self._connect()) as db, db:
            done = db.execute(
                "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (_now(), name.strip()),
            ).rowcount
        if not done:
            raise InputError(
                f"没有名为「{name}」的有效令牌。", f"No active token is named '{name}'."
            )

    def verify(self, token: str) -> TokenInfo | None:
        """The active token's info, or None for an unknown or revoked token."""
        if not token.startswith(_PREFIX) or not self.path.exists():
            return None
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT name, created_at, revoked_at FROM tokens "
                "WHERE digest = ? AND revoked_at IS NULL",
                (_digest(token),),
            ).fetchone()
        return None if row is None else TokenInfo(*row)

    def list(self) -> list[TokenInfo]:
        """Every token issued, newest first, revoked ones included."""
        if not self.path.exists():
            return []
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT name, created_at, revoked_at FROM tokens ORDER BY rowid DESC"
            ).fetchall()
        return [TokenInfo(*row) for row in rows]


def default_token_store() -> TokenStore:
    """The token store of the current workspace."""
    return TokenStore(workspace_dir() / TOKEN_FILE_NAME)
