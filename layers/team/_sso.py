"""Single sign-on: Streamlit's ``st.login`` (OpenID Connect) in place of built-in passwords.

Method: Streamlit reads the identity provider from the ``[auth]`` table of
``.streamlit/secrets.toml`` (``redirect_uri``, ``cookie_secret``, ``client_id``,
``client_secret``, ``server_metadata_url``; or one sub-table per provider, e.g.
``[auth.bureau]``) and signs users in through Authlib. :func:`oidc_settings` reads and
checks that table without any network request (every missing key is listed). The signed-in
person's role comes from the team store: :func:`oidc_user` looks up the user whose
``email`` equals the verified ``email`` claim (``add-user NAME --role R --email E``); a
person without such a user is refused, so single sign-on never grants a right nobody gave.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from geo.errors import InputError
from layers.team._model import TeamUser
from layers.team._store import TeamStore

__all__ = ["OIDC_KEYS", "oidc_settings", "oidc_user"]

#: What each provider needs in ``[auth]`` (``redirect_uri`` and ``cookie_secret`` may sit at
#: the top of ``[auth]`` for named providers).
OIDC_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
_SHARED_KEYS = ("redirect_uri", "cookie_secret")


def oidc_settings(path: str | Path) -> dict[str, dict] | None:
    """The providers configured in the ``[auth]`` table of ``path`` (name → settings; the
    unnamed provider is ``"default"``), or None when the file or the table is missing.

    Raises
    ------
    InputError
        The file is not TOML, or a provider lacks keys (each one named).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        auth = tomllib.loads(path.read_text(encoding="utf-8")).get("auth")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"secrets.toml 不是有效的 TOML：{exc}",
            f"secrets.toml is not valid TOML: {exc}",
            code="sso_config",
        ) from exc
    if not isinstance(auth, Mapping) or not auth:
        return None
    shared = {key: auth[key] for key in _SHARED_KEYS if key in auth}
    named = {name: value for name, value in auth.items() if isinstance(value, Mapping)}
    providers = {name: {**shared, **value} for name, value in named.items()}
    if not named or "client_id" in auth:
        providers["default"] = {k: v for k, v in auth.items() if not isinstance(v, Mapping)}
    problems = [
        f"[auth{'' if name == 'default' else '.' + name}] 缺少 {key} / lacks {key}"
        for name, settings in providers.items()
        for key in OIDC_KEYS
        if not str(settings.get(key, "")).strip()
    ]
    if problems:
        raise InputError(
            "单点登录（OIDC）配置不完整：",
            "The single sign-on (OIDC) configuration is incomplete:",
            details=problems,
            source="secrets.toml",
            code="sso_config",
        )
    return providers


def oidc_user(team: TeamStore, claims: Mapping) -> TeamUser:
    """The team user of a person signed in by the identity provider, by verified e-mail.

    Raises
    ------
    InputError
        No e-mail claim, an unverified one, or no enabled user with that e-mail.
    """
    email = str(claims.get("email") or "").strip()
    if not email or claims.get("email_verified") is False:
        raise InputError(
            "身份提供方没有给出已验证的电子邮箱，无法确定角色。",
            "The identity provider gave no verified e-mail, so no role can be found.",
            code="sso_no_email",
        )
    user = team.user_by_email(email)
    if user is None:
        raise InputError(
            f"{email} 还没有本工具的角色。请管理员用 add-user … --email {email} 添加。",
            f"{email} has no role in this tool yet. Ask an administrator to add it with "
            f"add-user … --email {email}.",
            code="sso_unknown",
        )
    return user
