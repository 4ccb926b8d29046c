"""The signed-in session as a cookie: set only for a live session and only from this site's
pages, HttpOnly and SameSite=Strict, cleared on request; ``/ogc`` recognises the user by it
and ends with the session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from layers.team import IDLE_MINUTES, TeamStore
from ogc import Catalog, TokenStore, create_app
from tests.asgi_client import Client
from tests.team_fixtures import FAST_HASHER, Clock
from ui.session_cookie import COOKIE_NAME, SESSION_PATH, cookie_principal, session_routes

PASSWORD = "a long password 2026"
HOST = "testserver"


@pytest.fixture
def setup(tmp_path, pingshan_parcels):
    clock = Clock()
    team = TeamStore.sqlite(
        tmp_path / "team.sqlite", clock=clock, sleep=lambda s: None, hasher=FAST_HASHER
    )
    team.add_user("pat", "planner", PASSWORD)
    team.add_user("vera", "viewer", PASSWORD)

    def no_layers():
        raise AssertionError("the landing page and conformance need no layers")

    ogc = create_app(
        Catalog(no_layers, lambda: None, dict),
        lambda: TokenStore(tmp_path / "tokens.sqlite"),
        session_principal=cookie_principal(lambda: team),
    )
    app = Starlette(routes=[*session_routes(lambda: team), Mount("/ogc", app=ogc)])
    return Client(app, base_url=f"http://{HOST}"), team, clock


def remember(client: Client, token: str, origin: str | None = f"http://{HOST}"):
    headers = {"Origin": origin} if origin else {}
    return client.post(SESSION_PATH, json_body={"token": token}, headers=headers)


def test_a_live_session_becomes_an_httponly_strict_cookie(setup):
    client, team, _ = setup
    _, token = team.sign_in("pat", PASSWORD)
    answer = remember(client, token)
    assert answer.status_code == 200
    header = answer.headers["set-cookie"]
    assert header.startswith(f"{COOKIE_NAME}={token};")
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/", "max-age=43200"} <= attributes
    assert "secure" not in attributes  # plain HTTP here; HTTPS adds Secure
    without_origin = remember(client, token, origin=None)
    assert without_origin.status_code == 403  # a POST without Origin is no page of this site


def test_over_https_behind_a_proxy_the_cookie_is_secure(setup):
    client, team, _ = setup
    _, token = team.sign_in("pat", PASSWORD)
    answer = client.post(
        SESSION_PATH,
        json_body={"token": token},
        headers={"Origin": f"https://{HOST}", "X-Forwarded-Proto": "https"},
    )
    assert answer.status_code == 200 and "secure" in answer.headers["set-cookie"].lower()


@pytest.mark.parametrize("token", ["", "lp_not-a-session", "x" * 43])
def test_no_cookie_for_a_token_that_is_no_live_session(setup, token):
    client, _, _ = setup
    answer = remember(client, token)
    assert answer.status_code == 401 and "set-cookie" not in answer.headers
    assert "会话无效" in answer.json()["description"]


def test_another_sites_page_cannot_set_or_clear_the_cookie(setup):
    client, team, _ = setup
    _, token = team.sign_in("pat", PASSWORD)
    for method in ("post", "delete"):
        answer = getattr(client, method)(
            SESSION_PATH, json_body={"token": token}, headers={"Origin": "https://evil.example"}
        )
        assert answer.status_code == 403 and "set-cookie" not in answer.headers
    assert client.get(SESSION_PATH).status_code == 405


def test_ogc_answers_as_the_signed_in_user_until_the_session_ends(setup):
    client, team, clock = setup
    assert client.get("/ogc/conformance").status_code == 401
    _, token = team.sign_in("pat", PASSWORD)
    remember(client, token)  # the client keeps the cookie, as the browser does
    assert client.get("/ogc/conformance").status_code == 200
    team.sign_out(token)
    assert client.get("/ogc/conformance").status_code == 401
    _, token = team.sign_in("vera", PASSWORD)
    remember(client, token)
    assert client.get("/ogc/conformance").status_code == 200
    clock.now += timedelta(minutes=IDLE_MINUTES + 1)
    assert client.get("/ogc/conformance").status_code == 401  # idle too long


def test_clearing_the_cookie_ends_recognition(setup):
    client, team, _ = setup
    _, token = team.sign_in("pat", PASSWORD)
    remember(client, token)
    cleared = client.delete(SESSION_PATH, headers={"Origin": f"http://{HOST}"})
    assert cleared.status_code == 200
    assert COOKIE_NAME in cleared.headers["set-cookie"]
    assert "max-age=0" in cleared.headers["set-cookie"].lower()
    assert client.get("/ogc/conformance").status_code == 401


def test_a_disabled_users_cookie_is_worth_nothing(setup):
    client, team, _ = setup
    _, token = team.sign_in("pat", PASSWORD)
    remember(client, token)
    team.add_user("ada", "admin", PASSWORD)
    team.set_disabled("pat", by="ada")
    assert client.get("/ogc/conformance").status_code == 401
