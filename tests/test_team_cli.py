"""The accounts command, the network-listen rule of ``ui.serve``, and the single sign-on
configuration path (as far as it goes offline)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from geo.errors import InputError
from layers.team import TeamStore, check_listen_address, oidc_settings, oidc_user
from tests.team_fixtures import FAST_HASHER, PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], workspace: Path, stdin: str = "", **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "LANDPLAN_WORKSPACE": str(workspace),
            "LANDPLAN_DATABASE_URL": "",
            **env,
        },
    )


def team_cli(workspace: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return run(["-m", "layers.team", "--by", "test", *args], workspace, stdin)


def test_accounts_command(tmp_path):
    done = team_cli(
        tmp_path, "add-user", "ada", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    assert (
        team_cli(
            tmp_path,
            "add-user",
            "pat",
            "--role",
            "planner",
            "--email",
            "pat@x.cn",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        ).returncode
        == 0
    )
    assert team_cli(tmp_path, "set-role", "pat", "viewer").returncode == 0
    assert team_cli(tmp_path, "disable-user", "pat").returncode == 0
    listed = team_cli(tmp_path, "list-users")
    assert listed.returncode == 0
    assert listed.stdout.splitlines() == [
        "ada\tadmin 管理\t启用 enabled\t",
        "pat\tviewer 查看\t停用 disabled\tpat@x.cn",
    ]
    reset = team_cli(
        tmp_path, "reset-password", "ada", "--password-stdin", stdin="brand new secret\n"
    )
    assert reset.returncode == 0
    team = TeamStore.sqlite(tmp_path / "team.sqlite", hasher=FAST_HASHER)
    assert team.sign_in("ada", "brand new secret")[0].role == "admin"
    assert PASSWORD.encode() not in (tmp_path / "team.sqlite").read_bytes()
    kinds = [e.kind for e in reversed(team.history(user="test"))]
    assert kinds == ["user_add", "user_add", "user_role", "user_disable", "user_password"]


def test_accounts_command_refusals(tmp_path):
    short = team_cli(
        tmp_path, "add-user", "ada", "--role", "admin", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 1
    assert "密码至少" in short.stderr and "at least" in short.stderr
    assert "Traceback" not in short.stderr
    unknown = team_cli(tmp_path, "set-role", "ghost", "admin")
    assert unknown.returncode == 1 and "ghost" in unknown.stderr
    assert team_cli(tmp_path, "add-user", "x", "--role", "boss").returncode == 2


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_is_always_served(address):
    check_listen_address(address, accounts=False, sso=False)


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "192.168.1.20", "planning.local"])
def test_network_needs_accounts_or_sso(address):
    with pytest.raises(InputError) as refused:
        check_listen_address(address, accounts=False, sso=False)
    assert refused.value.code == "listen_refused"
    assert "add-user" in str(refused.value)
    check_listen_address(address, accounts=True, sso=False)
    check_listen_address(address, accounts=False, sso=True)


def test_serve_refuses_the_network_without_accounts_and_listens_locally_by_default(tmp_path):
    refused = run(["-m", "ui.serve"], tmp_path, LANDPLAN_LISTEN="0.0.0.0")
    assert refused.returncode == 2
    assert "拒绝在网络地址 0.0.0.0" in refused.stderr and "Refusing to serve" in refused.stderr
    refused = run(["-m", "ui.serve", "--server.address", "0.0.0.0"], tmp_path)
    assert refused.returncode == 2
    from ui.serve import listen_args

    os.environ.pop("LANDPLAN_LISTEN", None)
    assert listen_args(["--server.port", "9000"])[-2:] == ["--server.address", "127.0.0.1"]


SECRETS = """
[auth]
redirect_uri = "https://plan.example.cn/oauth2callback"
cookie_secret = "a-long-random-string"
client_id = "landplan"
client_secret = "s3cret"
server_metadata_url = "https://sso.example.cn/.well-known/openid-configuration"
"""


def test_oidc_settings(tmp_path):
    path = tmp_path / "secrets.toml"
    assert oidc_settings(path) is None
    path.write_text("[other]\nx = 1\n", encoding="utf-8")
    assert oidc_settings(path) is None
    path.write_text(SECRETS, encoding="utf-8")
    assert oidc_settings(path)["default"]["client_id"] == "landplan"
    named = (
        '[auth]\nredirect_uri = "https://p/oauth2callback"\ncookie_secret = "c"\n'
        '[auth.bureau]\nclient_id = "id"\nclient_secret = "s"\n'
        'server_metadata_url = "https://sso/.well-known/openid-configuration"\n'
    )
    path.write_text(named, encoding="utf-8")
    providers = oidc_settings(path)
    assert list(providers) == ["bureau"] and providers["bureau"]["cookie_secret"] == "c"
    path.write_text('[auth]\nclient_id = "x"\n', encoding="utf-8")
    with pytest.raises(InputError) as incomplete:
        oidc_settings(path)
    assert len(incomplete.value.details) == 4  # every missing key named
    assert incomplete.value.code == "sso_config"
    path.write_text("[auth\n", encoding="utf-8")
    with pytest.raises(InputError):
        oidc_settings(path)


def test_oidc_user_maps_a_verified_email_to_a_role(tmp_path):
    team = TeamStore.sqlite(tmp_path / "team.sqlite", hasher=FAST_HASHER)
    team.add_user("wang", "viewer", PASSWORD, email="Wang@GXJ.example.cn")
    assert oidc_user(team, {"email": "wang@gxj.example.cn", "email_verified": True}).role == (
        "viewer"
    )
    for claims, code in (
        ({"email": "wang@gxj.example.cn", "email_verified": False}, "sso_no_email"),
        ({"name": "wang"}, "sso_no_email"),
        ({"email": "li@gxj.example.cn"}, "sso_unknown"),
    ):
        with pytest.raises(InputError) as refused:
            oidc_user(team, claims)
        assert refused.value.code == code
    team.set_disabled("wang")
    with pytest.raises(InputError):
        oidc_user(team, {"email": "wang@gxj.example.cn"})
