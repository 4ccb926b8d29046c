"""Which team store a process uses, and whether sign-in is configured.

Method: with ``$LANDPLAN_DATABASE_URL`` set, the team tables live in that PostgreSQL
database beside the scenarios; otherwise in ``<workspace>/team.sqlite``. Sign-in is
configured when the store has an enabled user (made with ``python -m layers.team
add-user``) or single sign-on is set up in ``.streamlit/secrets.toml`` (:mod:`._sso`);
until then the app is one local user's tool. Asking does not create the SQLite file.
"""

from __future__ import annotations

from pathlib import Path

from geo.errors import InputError
from layers.database import database_url
from layers.team._db import TEAM_FILE_NAME
from layers.team._model import TeamUser, require
from layers.team._sso import oidc_settings
from layers.team._store import TeamStore
from layers.workspace import workspace_dir

__all__ = [
    "SECRETS_FILE",
    "accounts_configured",
    "authorize_base_import",
    "open_team_store",
    "sso_configured",
    "team_file",
]

#: Streamlit's secrets file of the app (where ``[auth]`` configures single sign-on).
SECRETS_FILE = Path(__file__).resolve().parents[2] / ".streamlit" / "secrets.toml"


def team_file() -> Path:
    """``<workspace>/team.sqlite``."""
    return workspace_dir() / TEAM_FILE_NAME


def open_team_store() -> TeamStore:
    """The team store of this deployment (PostgreSQL when configured, else the workspace's
    SQLite file, made when missing)."""
    url = database_url()
    return TeamStore.postgres(url) if url else TeamStore.sqlite(team_file())


def accounts_configured() -> bool:
    """Whether the deployment's team store has an enabled user (no file is made)."""
    if database_url() is None and not team_file().exists():
        return False
    return open_team_store().has_accounts()


def sso_configured(secrets_file: str | Path = SECRETS_FILE) -> bool:
    """Whether ``[auth]`` of the secrets file configures single sign-on (complete, else
    :class:`~geo.errors.InputError` naming what lacks)."""
    return oidc_settings(secrets_file) is not None


def authorize_base_import(
    user: TeamUser, team: TeamStore | None, *, kind: str, rows: int, name: str = ""
) -> None:
    """Refuse a base-data import unless ``user`` is an admin; record it when allowed.

    Called by the function that replaces base layers, so no page can skip it. ``team``
    None: no accounts (the local user), nothing to record.
    """
    if team is not None:
        try:
            require(user, "import_base")
        except InputError:
            team.record(user, "refused", detail={"action": "import_base", "layer": kind})
            raise
        team.record(user, "base_import", detail={"layer": kind, "rows": rows, "file": name})
    else:
        require(user, "import_base")
