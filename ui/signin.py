"""Sign-in before anything else, when the deployment has accounts (or single sign-on).

Without accounts the tool is one local user's (the server then listens on 127.0.0.1 only;
``ui.serve``), and the sidebar says so. With accounts, every page run checks the browser
session's token against the team store (so any app server on the same store accepts it, and
an expired, signed-out or disabled session ends here); without a live session the sign-in
form is all the page shows. The session is also kept in an HttpOnly cookie
(:mod:`ui.session_cookie`), so reloading the page or opening a second tab does not ask again
while the session lives, and ``/ogc`` in the same browser answers as the user. Single sign-on (``[auth]`` in ``.streamlit/secrets.toml``) adds
a button for Streamlit's ``st.login``; the person's role comes from the team store by
e-mail (:func:`layers.team.oidc_user`).
"""

from __future__ import annotations

import json

import streamlit as st
import streamlit.components.v1 as components

from geo.errors import InputError
from layers.team import (
    LOCAL_USER,
    ROLE_LABELS,
    VIEWER,
    TeamStore,
    TeamUser,
    oidc_user,
    role_allows,
)
from ui.cache import the_team
from ui.common import md_escape, show_input_error
from ui.i18n import t
from ui.session_cookie import COOKIE_NAME, SESSION_PATH

__all__ = [
    "TOKEN_KEY",
    "USER_KEY",
    "can_change",
    "current_user",
    "read_only_notice",
    "sign_in_gate",
]

USER_KEY = "team_user"
TOKEN_KEY = "team_token"
#: The session token this browser was last asked to keep as its cookie.
_REMEMBERED_KEY = "team_token_remembered"
#: Who a page run is before sign-in: disabled, so the guarded store refuses everything.
_NOBODY = TeamUser(name="", role=VIEWER, disabled=True)


def current_user() -> TeamUser:
    """The signed-in user of this session (the local user without accounts)."""
    found = st.session_state.get(USER_KEY)
    if isinstance(found, TeamUser):
        return found
    return LOCAL_USER if the_team() is None else _NOBODY


def can_change() -> bool:
    """Whether the user's role may create and save scenarios at all (pages turn their
    change controls off otherwise; the store refuses anyway)."""
    user = current_user()
    return user.local or (not user.disabled and role_allows(user.role, "create"))


def sign_in_gate() -> TeamUser:
    """The signed-in user; shows the sign-in page and stops the run when there is none."""
    try:
        team = the_team()
    except InputError as exc:
        show_input_error(exc)
        st.stop()
    if team is None:
        st.session_state[USER_KEY] = LOCAL_USER
        st.sidebar.caption(
            t(
                "本机单用户模式：尚未设置账号，仅本机可访问。",
                "Local single-user mode: no accounts are set up; reachable from this machine only.",
            )
        )
        return LOCAL_USER
    token = st.session_state.get(TOKEN_KEY) or _cookie_token()
    user = team.session_user(token) if token else _sso_user(team)
    if user is None:
        st.session_state.pop(USER_KEY, None)
        st.session_state.pop(TOKEN_KEY, None)
        _sign_in_page(team, expired=bool(token))
        st.stop()
    st.session_state[USER_KEY] = user
    if token:
        st.session_state[TOKEN_KEY] = token
    _sidebar(team, user)
    return user


def _cookie_token() -> str:
    """The session token of the browser's cookie (sent when the page connected)."""
    try:
        return str(st.context.cookies.get(COOKIE_NAME) or "")
    except (AttributeError, RuntimeError):  # no browser connection (scripted runs)
        return ""


def _remember(token: str | None) -> None:
    """Have the browser keep ``token`` as its session cookie (None: clear the cookie)."""
    if token:
        request = (
            f"{{method:'POST',credentials:'same-origin',headers:{{'Content-Type':"
            f"'application/json'}},body:JSON.stringify({{token:{json.dumps(token)}}})}}"
        )
    else:
        request = "{method:'DELETE',credentials:'same-origin'}"
    with st.sidebar:
        components.html(
            f"<script>window.parent.fetch({json.dumps(SESSION_PATH)},{request});</script>",
            height=0,
        )


def _sso_user(team: TeamStore) -> TeamUser | None:
    if not getattr(st.user, "is_logged_in", False):
        return None
    try:
        return oidc_user(team, st.user.to_dict())
    except InputError as exc:
        show_input_error(exc)
        return None


def _sign_in_page(team: TeamStore, *, expired: bool) -> None:
    st.title(t("坪山产业空间规划工具 · 登录", "Pingshan industrial land planner · Sign in"))
    if expired:
        st.info(t("会话已过期或已退出，请重新登录。", "The session has ended; sign in again."))
        _remember(None)
    with st.form("team_sign_in", clear_on_submit=True):  # the password leaves the session
        name = st.text_input(t("用户名", "User name"), key="team_sign_in_name")
        password = st.text_input(t("密码", "Password"), type="password", key="team_sign_in_pw")
        submitted = st.form_submit_button(t("登录", "Sign in"), type="primary")
    if submitted:
        try:
            user, token = team.sign_in(name, password)
        except InputError as exc:
            show_input_error(exc)
        else:
            st.session_state[TOKEN_KEY] = token
            st.session_state[USER_KEY] = user
            st.rerun()
    from layers.team import sso_configured

    if sso_configured() and st.button(t("单点登录", "Single sign-on"), key="team_sso"):
        st.login()


def _sidebar(team: TeamStore, user: TeamUser) -> None:
    zh_role, en_role = ROLE_LABELS.get(user.role, (user.role, user.role))
    st.sidebar.caption(
        md_escape(t(f"已登录：{user.name}（{zh_role}）", f"Signed in: {user.name} ({en_role})"))
    )
    token = st.session_state.get(TOKEN_KEY)
    if token and token not in (_cookie_token(), st.session_state.get(_REMEMBERED_KEY)):
        # Once per session token: the request belongs to the page (its fetch), so it
        # completes even when the next run removes this frame.
        _remember(token)
        st.session_state[_REMEMBERED_KEY] = token
    if st.sidebar.button(t("退出登录", "Sign out"), key="team_sign_out"):
        token = st.session_state.pop(TOKEN_KEY, None)
        if token:
            team.sign_out(token)
        st.session_state.pop(USER_KEY, None)
        if getattr(st.user, "is_logged_in", False):
            st.logout()
        st.rerun()


def read_only_notice() -> str:
    """Why the scenario store refuses changes: the user's role, or a read-only file."""
    user = current_user()
    if not user.local and user.role == VIEWER:
        return t(
            "您的角色是「查看」：可以查看、打开、对比和导出情景，不能保存、新建或删除。",
            "Your role is 'viewer': scenarios can be viewed, opened, compared and exported, "
            "not saved, created or deleted.",
        )
    return t(
        "情景文件只能读取：可以查看、打开和对比情景，但不能保存、新建或删除。"
        "请让管理员把工作区设为可写的文件夹（环境变量 LANDPLAN_WORKSPACE）。",
        "The scenario file is read-only: scenarios can be viewed, opened and compared, "
        "not saved, created or deleted. Ask for a writable workspace folder "
        "(LANDPLAN_WORKSPACE).",
    )
