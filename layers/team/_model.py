"""Roles, what each may do, the signed-in user and an audit row.

Method: three roles ordered by rights — ``viewer`` 查看 reads and exports, ``planner`` 规划
also creates scenarios and changes its own (and others' shared for editing with it),
``admin`` 管理 may do everything, base-data imports and user changes included.
:func:`role_allows` is the one table of rights by role; rights that depend on a scenario's
owner and sharing are decided by :mod:`layers.team._guard`. Refusals are bilingual
:class:`~geo.errors.InputError` with ``code`` :data:`FORBIDDEN`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from geo.errors import InputError

__all__ = [
    "ACTIONS",
    "ADMIN",
    "FORBIDDEN",
    "LOCAL_USER",
    "PLANNER",
    "ROLES",
    "ROLE_LABELS",
    "VIEWER",
    "AuditEvent",
    "TeamUser",
    "refusal",
    "require",
    "role_allows",
]

VIEWER = "viewer"
PLANNER = "planner"
ADMIN = "admin"
#: Every role, fewest rights first.
ROLES = (VIEWER, PLANNER, ADMIN)
#: Role → (Chinese, English) label.
ROLE_LABELS = {VIEWER: ("查看", "viewer"), PLANNER: ("规划", "planner"), ADMIN: ("管理", "admin")}

#: Action → (Chinese, English) wording for refusals.
ACTIONS = {
    "read": ("查看情景", "view scenarios"),
    "create": ("新建情景", "create scenarios"),
    "save": ("保存情景", "save scenarios"),
    "rename": ("重命名情景", "rename scenarios"),
    "delete": ("删除情景", "delete scenarios"),
    "share": ("共享情景", "share scenarios"),
    "import_base": ("导入基础数据", "import base data"),
    "manage_users": ("管理用户", "manage users"),
    "manage_tokens": ("管理数据服务令牌", "manage data-service tokens"),
}
_ROLE_ACTIONS = {
    VIEWER: frozenset({"read"}),
    PLANNER: frozenset({"read", "create", "save", "rename", "delete", "share"}),
    ADMIN: frozenset(ACTIONS),
}

#: ``InputError.code`` of every refusal for lack of rights.
FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class TeamUser:
    """A user as the pages and the guarded store see it (never with a password hash)."""

    name: str
    role: str
    email: str = ""
    disabled: bool = False
    #: True for the local single user of a workspace without accounts.
    local: bool = False

    def with_role(self, role: str) -> TeamUser:
        return replace(self, role=role)


#: Who uses a workspace that has no accounts: one person on their own machine (the server
#: then listens on 127.0.0.1 only), with every right.
LOCAL_USER = TeamUser(name="", role=ADMIN, local=True)


@dataclass(frozen=True)
class AuditEvent:
    """One row of the audit trail. ``at`` is UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""

    id: int
    at: str
    user: str
    kind: str
    scenario_id: str = ""
    scenario_name: str = ""
    parcel_ids: tuple[str, ...] = ()
    detail: dict = field(default_factory=dict)


def role_allows(role: str, action: str) -> bool:
    """Whether ``role`` has ``action`` at all (before ownership and sharing)."""
    return action in _ROLE_ACTIONS.get(role, frozenset())


def refusal(user: TeamUser, action: str, reason_zh: str = "", reason_en: str = "") -> InputError:
    """The bilingual refusal of ``action`` to ``user`` (``code`` :data:`FORBIDDEN`)."""
    zh_action, en_action = ACTIONS.get(action, (action, action))
    zh_role, en_role = ROLE_LABELS.get(user.role, (user.role, user.role))
    return InputError(
        f"没有权限{zh_action}：用户「{user.name}」的角色是「{zh_role}」{reason_zh}。如需权限请联系管理员。",
        f"Not allowed to {en_action}: user '{user.name}' has the role '{en_role}'{reason_en}. "
        "Ask an administrator for the right.",
        code=FORBIDDEN,
    )


def require(user: TeamUser, action: str) -> None:
    """Raise :func:`refusal` unless ``user``'s role has ``action`` (a disabled user has none)."""
    if user.disabled or not role_allows(user.role, action):
        raise refusal(user, action)
