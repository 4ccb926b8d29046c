"""The signed-in session as a browser cookie: a reload keeps the sign-in, and the browser's
requests to ``/ogc`` are recognised as the signed-in user.

Method: Streamlit pages cannot set cookies, so after sign-in the page posts its session
token to ``POST /auth/session`` on its own origin (a request from another origin is
refused). The route sets the cookie only for a token that is a live session of the team
store: ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's page sends
it), ``Path=/``, ``Secure`` over HTTPS, and a lifetime of the session's longest life
(:data:`layers.team.SESSION_HOURS`). The store stays the judge: every use checks the token
against it (expired, idle, signed-out and disabled sessions end there), and signing out
deletes the session, so a copied cookie is worth nothing afterwards. ``DELETE
/auth/session`` clears the cookie. No Streamlit here: the pages read the cookie through
``st.context.cookies`` (:mod:`ui.signin`); the routes are mounted by ``ui/server_app.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from geo.errors import InputError
from layers.team import SESSION_HOURS, TeamStore
from ogc import Principal

__all__ = ["COOKIE_NAME", "SESSION_PATH", "cookie_principal", "session_routes"]

#: Name of the session cookie.
COOKIE_NAME = "landplan_session"
#: Path of the route that sets and clears it.
SESSION_PATH = "/auth/session"

TeamGetter = Callable[[], TeamStore | None]


def _answer(status: int, zh: str, en: str) -> Response:
    body = json.dumps({"description": f"{zh}\n{en}"}, ensure_ascii=False)
    return Response(body.encode("utf-8"), status, media_type="application/json")


def _same_origin(request: Request) -> bool:
    """Whether the request comes from a page of this server (browsers send ``Origin`` with
    every POST and DELETE made by a script)."""
    origin = request.headers.get("origin")
    if not origin:
        return False
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _live_user(team_getter: TeamGetter, token: str):
    try:
        team = team_getter()
        return None if team is None or not token else team.session_user(token)
    except InputError:  # the store cannot be read: nobody is recognised
        return None


def session_routes(team_getter: TeamGetter) -> list[Route]:
    """``/auth/session``: POST ``{"token": …}`` sets the cookie, DELETE clears it."""

    async def session(request: Request) -> Response:
        if not _same_origin(request):
            return _answer(403, "只接受本站页面的请求。", "Only this site's pages may ask.")
        secure = request.url.scheme == "https" or (
            request.headers.get("x-forwarded-proto", "").lower() == "https"
        )
        if request.method == "DELETE":
            response = _answer(200, "已清除。", "Cleared.")
            response.delete_cookie(COOKIE_NAME, path="/", secure=secure, samesite="strict")
            return response
        try:
            token = str((await request.json()).get("token") or "")
        except (ValueError, AttributeError):
            token = ""
        if await run_in_threadpool(_live_user, team_getter, token) is None:
            return _answer(401, "会话无效或已过期。", "The session is not valid or has ended.")
        response = _answer(200, "已记住登录。", "Sign-in remembered.")
        response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=SESSION_HOURS * 3600,
            path="/",
            secure=secure,
            httponly=True,
            samesite="strict",
        )
        return response

    return [Route(SESSION_PATH, session, methods=["POST", "DELETE"])]


def cookie_principal(team_getter: TeamGetter) -> Callable[[Request], Principal | None]:
    """Recognise the signed-in user of a request by its session cookie (for ``/ogc``)."""

    def principal(request: Request) -> Principal | None:
        user = _live_user(team_getter, request.cookies.get(COOKIE_NAME, ""))
        return None if user is None else Principal(user.name, "user")

    return principal
