"""A team on one deployment: accounts and roles, sessions, scenario sharing, permissions
enforced in the store, and an append-only audit trail.

* :class:`TeamStore` — users (Argon2id password hashes), sign-in with counted, slowed
  failures and lockout, expiring sessions, sharing, audit; in ``<workspace>/team.sqlite``
  or in PostgreSQL when ``$LANDPLAN_DATABASE_URL`` is set (:func:`open_team_store`).
* :class:`GuardedScenarioStore` — any scenario store as one user may use it.
* :func:`authorize_base_import` — base-data imports are for admins.
* :func:`oidc_settings` / :func:`oidc_user` — single sign-on through ``st.login``.
* ``python -m layers.team`` — add-user, list-users, set-role, disable-user,
  reset-password.
"""

from layers.team._audit import AUDIT_COLUMNS, AUDIT_KINDS, audit_csv, audit_rows
from layers.team._guard import GuardedScenarioStore, edit_summary
from layers.team._model import (
    ADMIN,
    FORBIDDEN,
    LOCAL_USER,
    PLANNER,
    ROLE_LABELS,
    ROLES,
    VIEWER,
    AuditEvent,
    TeamUser,
    require,
    role_allows,
)
from layers.team._open import (
    LISTEN_ENV,
    LOCAL_ADDRESS,
    SECRETS_FILE,
    accounts_configured,
    authorize_base_import,
    check_listen_address,
    existing_team_file,
    open_team_store,
    sso_configured,
    team_file,
)
from layers.team._sso import oidc_settings, oidc_user
from layers.team._store import (
    EDITORS,
    FAILURE_DELAY_S,
    IDLE_MINUTES,
    LOCKOUT_MINUTES,
    MAX_FAILED_SIGN_INS,
    MIN_PASSWORD_CHARS,
    PRIVATE,
    SESSION_HOURS,
    TEAM,
    VISIBILITIES,
    Sharing,
    TeamStore,
)

__all__ = [
    "ADMIN",
    "AUDIT_COLUMNS",
    "AUDIT_KINDS",
    "EDITORS",
    "FAILURE_DELAY_S",
    "FORBIDDEN",
    "IDLE_MINUTES",
    "LISTEN_ENV",
    "LOCAL_ADDRESS",
    "LOCAL_USER",
    "LOCKOUT_MINUTES",
    "MAX_FAILED_SIGN_INS",
    "MIN_PASSWORD_CHARS",
    "PLANNER",
    "PRIVATE",
    "ROLES",
    "ROLE_LABELS",
    "SECRETS_FILE",
    "SESSION_HOURS",
    "TEAM",
    "VIEWER",
    "VISIBILITIES",
    "AuditEvent",
    "GuardedScenarioStore",
    "Sharing",
    "TeamStore",
    "TeamUser",
    "accounts_configured",
    "audit_csv",
    "audit_rows",
    "authorize_base_import",
    "check_listen_address",
    "edit_summary",
    "existing_team_file",
    "oidc_settings",
    "oidc_user",
    "open_team_store",
    "require",
    "role_allows",
    "sso_configured",
    "team_file",
]
