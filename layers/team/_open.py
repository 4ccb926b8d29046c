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
    "LISTEN_ENV",
    "LOCAL_ADDRESS",
    "SECRETS_FILE",
    "accounts_configured",
    "authorize_base_import",
    "check_listen_address",
    "existing_team_file",
    "open_team_store",
    "sso_configured",
    "team_file",
]

#: The environment variable naming the address the app server listens on.
LISTEN_ENV = "LANDPLAN_LISTEN"
#: The address it listens on unless told otherwise: this machine only.
LOCAL_ADDRESS = "127.0.0.1"

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


def existing_team_file() -> Path | None:
    """``<workspace>/team.sqlite`` when it exists; None when it does not, or the workspace
    folder cannot even be made (then it holds no accounts either)."""
    try:
        path = team_file()
    except InputError:
        return None
    return path if path.exists() else None


def accounts_configured() -> bool:
    """Whether the deployment's team store has an enabled user (no file is made)."""
    if database_url() is None and existing_team_file() is None:
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


def _is_loopback(address: str) -> bool:
    import ipaddress

    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_listen_address(
    address: str, *, accounts: bool | None = None, sso: bool | None = None
) -> None:
    """Refuse to serve beyond this machine while nobody has to sign in.

    A loopback address (``127.0.0.1``, ``::1``, ``localhost``) is always allowed; any other
    (``0.0.0.0``, a LAN address, a host name) only when accounts exist or single sign-on
    is configured (``accounts`` / ``sso`` default to asking the deployment).
    """
    if _is_loopback(address):
        return
    if accounts is None:
        accounts = accounts_configured()
    if not accounts and sso is None:
        sso = sso_configured()
    if accounts or sso:
        return
    raise InputError(
        f"拒绝在网络地址 {address} 上提供服务：尚未设置登录，任何能访问该端口的人都能修改或删除情景。"
        "请先创建管理员账号（python -m layers.team add-user 姓名 --role admin）或配置单点登录，"
        f"或不设置 {LISTEN_ENV}，仅在本机使用。",
        f"Refusing to serve on the network address {address}: no sign-in is set up, so anyone "
        "reaching the port could change or delete scenarios. Create an admin account first "
        "(python -m layers.team add-user NAME --role admin) or configure single sign-on, or "
        f"leave {LISTEN_ENV} unset to use the tool on this machine only.",
        code="listen_refused",
    )
