"""Accounts, sessions, scenario sharing and the audit trail of a team: :class:`TeamStore`.

Method
------
* **Passwords** are hashed with Argon2id (:class:`argon2.PasswordHasher`, the library's
  default parameters); only the hash is stored, and a hash made with older parameters is
  replaced at the next good sign-in (``check_needs_rehash``). A password is at least
  :data:`MIN_PASSWORD_CHARS` characters.
* **Failed sign-ins** are counted per user: each failure waits :data:`FAILURE_DELAY_S`
  seconds before answering, and after :data:`MAX_FAILED_SIGN_INS` failures in a row the
  account is locked for :data:`LOCKOUT_MINUTES` minutes (a good sign-in resets the count).
  An unknown name costs one hash check too, so it answers as slowly as a wrong password.
* **Sessions**: a random token (``secrets.token_urlsafe(32)``, 256 bits) is handed to the
  browser's session; the store keeps only its SHA-256 with created / last-seen / expires
  times, so any app server on the same store accepts it. A session ends
  :data:`SESSION_HOURS` hours after sign-in, or :data:`IDLE_MINUTES` minutes after it was
  last used (written at most once a minute), or at sign-out.
* **Sharing** of a scenario (keyed by its id): its owner, and a visibility —
  :data:`PRIVATE` (owner and admins), :data:`TEAM` (every user reads it) or
  :data:`EDITORS` (every user reads it; the named colleagues may also save it).
* **Audit**: :meth:`TeamStore.record` appends one row (who, when, what kind, scenario,
  parcels, details as JSON); nothing updates or deletes a row. :meth:`TeamStore.history`
  filters by scenario, parcel, user, kinds and a time range.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo.errors import InputError
from layers.team._db import _PostgresDb, _SqliteDb
from layers.team._model import ROLE_LABELS, ROLES, AuditEvent, TeamUser, require

__all__ = [
    "EDITORS",
    "FAILURE_DELAY_S",
    "IDLE_MINUTES",
    "LOCKOUT_MINUTES",
    "MAX_FAILED_SIGN_INS",
    "MIN_PASSWORD_CHARS",
    "PRIVATE",
    "SESSION_HOURS",
    "TEAM",
    "VISIBILITIES",
    "Sharing",
    "TeamStore",
]

#: Failed sign-ins in a row before an account is locked.
MAX_FAILED_SIGN_INS = 5
#: How long a locked account stays locked, in minutes.
LOCKOUT_MINUTES = 15
#: Seconds every failed sign-in waits before it answers.
FAILURE_DELAY_S = 1.0
#: A session's longest life after sign-in, in hours.
SESSION_HOURS = 12
#: A session unused for this many minutes has expired.
IDLE_MINUTES = 60
#: The shortest password accepted.
MIN_PASSWORD_CHARS = 10

PRIVATE = "private"
TEAM = "team"
EDITORS = "editors"
#: Visibility → (Chinese, English) label.
VISIBILITIES = {
    PRIVATE: ("仅自己", "private"),
    TEAM: ("团队可查看", "readable by the team"),
    EDITORS: ("指定同事可编辑", "editable by named colleagues"),
}

_USER_COLUMNS = "name, role, email, disabled"
#: A session's last-seen time is written at most this often (seconds): every page run reads
#: it, and a write per run would queue behind saves for nothing.
_TOUCH_S = 60


def _format(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Sharing:
    """A scenario's owner, visibility and editors (names, kept sorted and unique)."""

    owner: str
    visibility: str
    editors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "editors", tuple(sorted(set(self.editors))))


class TeamStore:
    """Users, sessions, sharing and audit of one team, in SQLite or PostgreSQL.

    Use :meth:`sqlite` (a workspace file) or :meth:`postgres` (a database URL). ``clock``
    (UTC ``datetime``) and ``sleep`` are for tests.
    """

    def __init__(
        self,
        db: _SqliteDb | _PostgresDb,
        *,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._db = db
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sleep = sleep
        self._hasher = hasher or PasswordHasher()
        # A hash of a random secret, checked for unknown names so they answer as slowly.
        self._dummy_hash = self._hasher.hash(secrets.token_hex(16))

    @classmethod
    def sqlite(cls, path: str | Path, **kwargs) -> TeamStore:
        """The team store in the SQLite file ``path`` (made when missing)."""
        return cls(_SqliteDb(Path(path)), **kwargs)

    @classmethod
    def postgres(cls, url: str, **kwargs) -> TeamStore:
        """The team store in the PostgreSQL database at ``url`` (tables made when missing)."""
        return cls(_PostgresDb(url), **kwargs)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgres"``."""
        return self._db.kind

    def _now(self) -> str:
        return _format(self._clock())

    # ----------------------------------------------------------------------- users

    def has_accounts(self) -> bool:
        """Whether at least one enabled user exists (then the app asks for sign-in)."""
        with self._db.tx() as run:
            return bool(run("SELECT 1 FROM team_users WHERE disabled = 0 LIMIT 1", ()))

    def users(self) -> list[TeamUser]:
        """Every user, by name."""
        with self._db.tx() as run:
            rows = run(f"SELECT {_USER_COLUMNS} FROM team_users ORDER BY name", ())
        return [_user(row) for row in rows]

    def user(self, name: str) -> TeamUser | None:
        """The user called ``name``, or None."""
        with self._db.tx() as run:
            rows = run(f"SELECT {_USER_COLUMNS} FROM team_users WHERE name = ?", (name,))
        return _user(rows[0]) if rows else None

    def user_by_email(self, email: str) -> TeamUser | None:
        """The enabled user with this e-mail (case-insensitive), or None (single sign-on)."""
        wanted = email.strip().lower()
        if not wanted:
            return None
        with self._db.tx() as run:
            rows = run(
                f"SELECT {_USER_COLUMNS} FROM team_users WHERE lower(email) = ? AND disabled = 0",
                (wanted,),
            )
        return _user(rows[0]) if rows else None

    def add_user(
        self, name: str, role: str, password: str, *, email: str = "", by: str = ""
    ) -> TeamUser:
        """Create a user; refused when the name is taken or a value is bad (every problem
        listed)."""
        name = name.strip()
        self._check_actor(by)
        problems = _name_problems(name) + _role_problems(role) + _password_problems(password)
        if problems:
            raise _invalid_user(problems)
        hashed = self._hasher.hash(password)
        with self._db.tx(write=True) as run:
            if run("SELECT 1 FROM team_users WHERE name = ?", (name,)):
                raise InputError(
                    f"用户名「{name}」已存在。",
                    f"The user name '{name}' is taken.",
                    code="user_exists",
                )
            run(
                "INSERT INTO team_users (name, role, password_hash, email, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, role, hashed, email.strip(), self._now()),
            )
            self._append(run, by or name, "user_add", detail={"name": name, "role": role})
        return TeamUser(name=name, role=role, email=email.strip())

    def set_role(self, name: str, role: str, *, by: str = "") -> TeamUser:
        """Change a user's role."""
        if _role_problems(role):
            raise _invalid_user(_role_problems(role))
        self._change_user(name, "role = ?", (role,), by, "user_role", {"name": name, "role": role})
        return self._known(name)

    def set_disabled(self, name: str, disabled: bool = True, *, by: str = "") -> TeamUser:
        """Disable (or enable again) a user; a disabled user's sessions end at once."""
        kind = "user_disable" if disabled else "user_enable"
        self._change_user(name, "disabled = ?", (int(disabled),), by, kind, {"name": name})
        if disabled:
            with self._db.tx(write=True) as run:
                run("DELETE FROM team_sessions WHERE user_name = ?", (name,))
        return self._known(name)

    def reset_password(self, name: str, password: str, *, by: str = "") -> None:
        """Give a user a new password; unlocks the account and ends its sessions."""
        if _password_problems(password):
            raise _invalid_user(_password_problems(password))
        hashed = self._hasher.hash(password)
        self._change_user(
            name,
            "password_hash = ?, failed_count = 0, locked_until = ''",
            (hashed,),
            by,
            "user_password",
            {"name": name},
        )
        with self._db.tx(write=True) as run:
            run("DELETE FROM team_sessions WHERE user_name = ?", (name,))

    def _check_actor(self, by: str, target: str | None = None) -> None:
        """Refuse a change of users asked for by a user of the team who is not an enabled
        admin (``by`` names them); a user may reset their own password (``target``). A
        ``by`` that names no user of the team (empty, ``cli:…`` or the accounts command's
        ``--by``) is whoever administers the server's shell, trusted as such."""
        if not by or (target is not None and by == target):
            return
        actor = self.user(by)
        if actor is None:
            return
        try:
            require(actor, "manage_users")
        except InputError:
            with self._db.tx(write=True) as run:
                self._append(run, by, "refused", detail={"action": "manage_users"})
            raise

    def _change_user(self, name, assignment, values, by, kind, detail) -> None:
        """One change of a user, refused (rolled back) when it leaves no enabled admin
        where there was one, or when ``by`` may not manage users."""
        self._check_actor(by, target=name if kind == "user_password" else None)
        count_admins = "SELECT count(*) FROM team_users WHERE role = 'admin' AND disabled = 0"
        with self._db.tx(write=True) as run:
            if not run("SELECT 1 FROM team_users WHERE name = ?", (name,)):
                raise _unknown_user(name)
            before = run(count_admins, ())[0][0]
            run(f"UPDATE team_users SET {assignment} WHERE name = ?", (*values, name))
            if before and not run(count_admins, ())[0][0]:
                raise InputError(
                    f"「{name}」是最后一位启用的管理员，不能停用或降级；请先让另一位用户成为管理员。",
                    f"'{name}' is the last enabled admin and cannot be disabled or demoted; make "
                    "another user an admin first.",
                    code="last_admin",
                )
            self._append(run, by or name, kind, detail=detail)

    def _known(self, name: str) -> TeamUser:
        found = self.user(name)
        if found is None:
            raise _unknown_user(name)
        return found

    # ----------------------------------------------------------------------- sign-in

    def sign_in(self, name: str, password: str) -> tuple[TeamUser, str]:
        """Check a name and password; return the user and a new session token.

        A wrong name or password is refused with one message (which of the two is not
        said), after :data:`FAILURE_DELAY_S` seconds; a locked account is refused until
        its lock ends. Each attempt is an audit row.
        """
        name = name.strip()
        now = self._clock()
        with self._db.tx() as run:
            rows = run(
                "SELECT password_hash, disabled, failed_count, locked_until FROM team_users "
                "WHERE name = ?",
                (name,),
            )
        if not rows:
            self._verify(self._dummy_hash, password)
            self._failed(name, None, "unknown")
        stored_hash, disabled, failed, locked_until = rows[0]
        if locked_until and locked_until > _format(now):
            self._failed(name, None, "locked", locked_until=locked_until)
        if not self._verify(stored_hash, password) or disabled:
            self._failed(name, int(failed), "disabled" if disabled else "password")
        token = secrets.token_urlsafe(32)
        rehash = self._hasher.check_needs_rehash(stored_hash)
        with self._db.tx(write=True) as run:
            if rehash:
                run(
                    "UPDATE team_users SET password_hash = ? WHERE name = ?",
                    (self._hasher.hash(password), name),
                )
            run(
                "UPDATE team_users SET failed_count = 0, locked_until = '' WHERE name = ?",
                (name,),
            )
            run(
                "INSERT INTO team_sessions (token_sha256, user_name, created_at, last_seen, "
                "expires_at) VALUES (?, ?, ?, ?, ?)",
                (
                    _sha256(token),
                    name,
                    _format(now),
                    _format(now),
                    _format(now + timedelta(hours=SESSION_HOURS)),
                ),
            )
            self._append(run, name, "sign_in")
        return self._known(name), token

    def _verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _failed(self, name: str, failed: int | None, reason: str, locked_until: str = ""):
        """Count a failed sign-in (``failed``: the count before it, None: not counted),
        record it, wait, and refuse."""
        with self._db.tx(write=True) as run:
            if failed is not None:
                count = failed + 1
                until = ""
                if count >= MAX_FAILED_SIGN_INS:
                    until = _format(self._clock() + timedelta(minutes=LOCKOUT_MINUTES))
                    locked_until = until
                run(
                    "UPDATE team_users SET failed_count = ?, locked_until = ? WHERE name = ?",
                    (0 if until else count, until, name),
                )
            self._append(run, name, "sign_in_failed", detail={"reason": reason})
        self._sleep(FAILURE_DELAY_S)
        if locked_until:
            raise InputError(
                f"连续登录失败次数过多，账号已锁定 {LOCKOUT_MINUTES} 分钟（至 {locked_until[:16]} UTC）。"
                "请稍后再试，或请管理员重设密码。",
                f"Too many failed sign-ins: the account is locked for {LOCKOUT_MINUTES} minutes "
                f"(until {locked_until[:16]} UTC). Try later, or ask an administrator to reset "
                "the password.",
                code="locked",
            )
        raise InputError(
            "用户名或密码不正确。",
            "Wrong user name or password.",
            code="sign_in_failed",
        )

    def session_user(self, token: str) -> TeamUser | None:
        """The user of a live session (and mark it used), or None when the token is
        unknown, expired, idle too long, or its user is disabled. Reads only, unless the
        session ends or its last-seen time is older than :data:`_TOUCH_S` seconds."""
        if not token:
            return None
        now = self._clock()
        key = _sha256(token)
        with self._db.tx() as run:
            rows = run(
                "SELECT s.user_name, s.last_seen, s.expires_at, u.disabled FROM team_sessions s "
                "JOIN team_users u ON u.name = s.user_name WHERE s.token_sha256 = ?",
                (key,),
            )
        if not rows:
            return None
        name, last_seen, expires_at, disabled = rows[0]
        seen = datetime.fromisoformat(last_seen)
        if disabled or expires_at <= _format(now) or seen + timedelta(minutes=IDLE_MINUTES) <= now:
            with self._db.tx(write=True) as run:
                run("DELETE FROM team_sessions WHERE token_sha256 = ?", (key,))
            return None
        if seen + timedelta(seconds=_TOUCH_S) <= now:
            with self._db.tx(write=True) as run:
                run(
                    "UPDATE team_sessions SET last_seen = ? WHERE token_sha256 = ?",
                    (_format(now), key),
                )
        return self._known(name)

    def sign_out(self, token: str) -> None:
        """End a session (an unknown token is ignored)."""
        key = _sha256(token)
        with self._db.tx(write=True) as run:
            rows = run("SELECT user_name FROM team_sessions WHERE token_sha256 = ?", (key,))
            run("DELETE FROM team_sessions WHERE token_sha256 = ?", (key,))
            if rows:
                self._append(run, rows[0][0], "sign_out")

    # ----------------------------------------------------------------------- sharing

    def sharing(self, scenario_id: str) -> Sharing | None:
        """How a scenario is shared, or None when it has no owner recorded."""
        with self._db.tx() as run:
            rows = run(
                "SELECT owner, visibility, editors FROM team_shares WHERE scenario_id = ?",
                (scenario_id,),
            )
        if not rows:
            return None
        owner, visibility, editors = rows[0]
        return Sharing(owner, visibility, json.loads(editors))

    def sharings(self) -> dict[str, Sharing]:
        """Every scenario's sharing, by scenario id."""
        with self._db.tx() as run:
            rows = run("SELECT scenario_id, owner, visibility, editors FROM team_shares", ())
        return {row[0]: Sharing(row[1], row[2], json.loads(row[3])) for row in rows}

    def set_sharing(self, scenario_id: str, sharing: Sharing) -> None:
        """Store a scenario's sharing (the guarded store checks the right first)."""
        if sharing.visibility not in VISIBILITIES:
            raise InputError(
                f"未知的共享方式「{sharing.visibility}」，可选：{'、'.join(VISIBILITIES)}。",
                f"Unknown sharing '{sharing.visibility}'; choose one of {', '.join(VISIBILITIES)}.",
                code="bad_sharing",
            )
        with self._db.tx(write=True) as run:
            run("DELETE FROM team_shares WHERE scenario_id = ?", (scenario_id,))
            run(
                "INSERT INTO team_shares (scenario_id, owner, visibility, editors) "
                "VALUES (?, ?, ?, ?)",
                (scenario_id, sharing.owner, sharing.visibility, json.dumps(list(sharing.editors))),
            )

    def forget_sharing(self, scenario_id: str) -> None:
        """Drop a deleted scenario's sharing."""
        with self._db.tx(write=True) as run:
            run("DELETE FROM team_shares WHERE scenario_id = ?", (scenario_id,))

    # ----------------------------------------------------------------------- audit

    def record(
        self,
        user: TeamUser | str,
        kind: str,
        *,
        scenario_id: str = "",
        scenario_name: str = "",
        parcel_ids: Iterable[str] = (),
        detail: dict | None = None,
    ) -> None:
        """Append one audit row (``user``: a user or a name; the local user is 本机)."""
        name = user if isinstance(user, str) else (user.name or _LOCAL_NAME)
        with self._db.tx(write=True) as run:
            self._append(run, name, kind, scenario_id, scenario_name, parcel_ids, detail)

    def _append(
        self, run, user, kind, scenario_id="", scenario_name="", parcel_ids=(), detail=None
    ) -> None:
        parcels = sorted({str(p) for p in parcel_ids if str(p)})
        rows = run(
            "INSERT INTO team_audit (at, user_name, kind, scenario_id, scenario_name, "
            "parcel_ids, detail) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                self._now(),
                user,
                kind,
                scenario_id,
                scenario_name,
                json.dumps(parcels, ensure_ascii=False),
                json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
            ),
        )
        for parcel in parcels:
            run(
                "INSERT INTO team_audit_parcels (audit_id, parcel_id) VALUES (?, ?)",
                (rows[0][0], parcel),
            )

    def history(
        self,
        *,
        scenario_id: str | None = None,
        scenario_ids: Iterable[str] | None = None,
        parcel_id: str | None = None,
        user: str | None = None,
        kinds: Iterable[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 5000,
    ) -> list[AuditEvent]:
        """Audit rows matching every filter given, newest first.

        ``since``/``until``: ISO times or dates (UTC), ``until`` exclusive; ``scenario_ids``
        restricts to those scenarios (a planner's own).
        """
        where, params = [], []
        if scenario_id:
            where.append("a.scenario_id = ?")
            params.append(scenario_id)
        if scenario_ids is not None:
            ids = list(scenario_ids)
            if not ids:
                return []
            where.append(f"a.scenario_id IN ({', '.join('?' for _ in ids)})")
            params.extend(ids)
        if parcel_id:
            where.append("a.id IN (SELECT audit_id FROM team_audit_parcels WHERE parcel_id = ?)")
            params.append(parcel_id.strip())
        if user:
            where.append("a.user_name = ?")
            params.append(user)
        if kinds is not None:
            chosen = list(kinds)
            if not chosen:
                return []
            where.append(f"a.kind IN ({', '.join('?' for _ in chosen)})")
            params.extend(chosen)
        if since:
            where.append("a.at >= ?")
            params.append(since)
        if until:
            where.append("a.at < ?")
            params.append(until)
        sql = (
            "SELECT a.id, a.at, a.user_name, a.kind, a.scenario_id, a.scenario_name, "
            "a.parcel_ids, a.detail FROM team_audit a"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY a.id DESC LIMIT ?"
        )
        with self._db.tx() as run:
            rows = run(sql, (*params, int(limit)))
        return [
            AuditEvent(
                id=int(row[0]),
                at=row[1],
                user=row[2],
                kind=row[3],
                scenario_id=row[4],
                scenario_name=row[5],
                parcel_ids=tuple(json.loads(row[6])),
                detail=json.loads(row[7]),
            )
            for row in rows
        ]


#: The audit trail's name for the local single user of a workspace without accounts.
_LOCAL_NAME = "本机 local"


def _user(row: tuple) -> TeamUser:
    return TeamUser(name=row[0], role=row[1], email=row[2] or "", disabled=bool(row[3]))


def _name_problems(name: str) -> list[str]:
    if not name:
        return ["用户名为空 / the user name is empty"]
    if len(name) > 64 or any(ch.isspace() or not ch.isprintable() for ch in name):
        return [
            "用户名须为不超过 64 个字符、不含空格的文字 / the user name must be at most 64 "
            "characters without spaces"
        ]
    return []


def _role_problems(role: str) -> list[str]:
    if role in ROLES:
        return []
    choices = "、".join(f"{code} {ROLE_LABELS[code][0]}" for code in ROLES)
    return [
        f"角色「{role}」不存在，可选：{choices} / unknown role '{role}'; choose {', '.join(ROLES)}"
    ]


def _password_problems(password: str) -> list[str]:
    if len(password) < MIN_PASSWORD_CHARS:
        return [
            f"密码至少 {MIN_PASSWORD_CHARS} 个字符 / the password needs at least "
            f"{MIN_PASSWORD_CHARS} characters"
        ]
    return []


def _invalid_user(problems: list[str]) -> InputError:
    return InputError(
        "用户信息有误，未作任何更改：",
        "The user details are wrong; nothing was changed:",
        details=problems,
        code="bad_user",
    )


def _unknown_user(name: str) -> InputError:
    return InputError(f"没有用户「{name}」。", f"There is no user '{name}'.", code="unknown_user")
