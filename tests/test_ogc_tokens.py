"""Access tokens of the OGC API: issued once in clear, stored hashed, revocable; the
``python -m ogc tokens`` command line."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from geo.errors import InputError
from layers.database import DATABASE_URL_ENV, close_pools
from layers.workspace import workspace_dir
from ogc import TOKEN_FILE_NAME, TokenStore, default_token_store

ROOT = Path(__file__).resolve().parent.parent


def test_a_token_verifies_until_revoked_and_only_its_digest_is_stored(tmp_path):
    store = TokenStore(tmp_path / "t.sqlite")
    token = store.create("一张图平台")
    assert token.startswith("lp_") and len(token) > 40
    info = store.verify(token)
    assert info is not None and info.name == "一张图平台" and info.active
    assert store.verify(token + "x") is None
    assert store.verify("lp_" + "A" * 43) is None
    raw = (tmp_path / "t.sqlite").read_bytes()
    assert token.encode() not in raw
    with sqlite3.connect(tmp_path / "t.sqlite") as db:
        (digest,) = db.execute("SELECT digest FROM tokens").fetchone()
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    store.revoke("一张图平台")
    assert store.verify(token) is None
    [listed] = store.list()
    assert listed.name == "一张图平台" and not listed.active and listed.revoked_at


@pytest.fixture(params=("sqlite", "postgres"))
def any_store(request, tmp_path):
    """An empty token store in a workspace file, and one in a PostgreSQL database."""
    if request.param == "sqlite":
        yield TokenStore(tmp_path / "t.sqlite")
        return
    url = request.getfixturevalue("postgres_url")
    yield TokenStore.postgres(url)
    close_pools()


def test_names_are_unique_among_active_tokens_and_can_be_reused_after_revoking(any_store):
    store = any_store
    first = store.create("qgis")
    with pytest.raises(InputError, match="qgis"):
        store.create("qgis")
    store.revoke("qgis")
    second = store.create("qgis")
    assert first != second and store.verify(second).name == "qgis"
    assert [t.active for t in store.list()] == [True, False]


@pytest.mark.parametrize("name", ["", " ", "a" * 65, "x;DROP", "名\n字"])
def test_bad_names_and_unknown_revocations_are_refused_in_both_languages(any_store, name):
    store = any_store
    with pytest.raises(InputError) as caught:
        store.create(name)
    assert caught.value.zh and caught.value.en
    with pytest.raises(InputError, match="nobody"):
        store.revoke("nobody")


def test_who_issued_a_token_is_listed_with_it(any_store):
    any_store.create("仪表盘", by="管理员")
    any_store.create("qgis")
    listed = {info.name: info.created_by for info in any_store.list()}
    assert listed == {"仪表盘": "管理员", "qgis": ""}


def test_with_a_shared_database_every_app_server_knows_every_token(
    postgres_url, tmp_path, monkeypatch
):
    """Tokens live in the database when one is configured: a token issued through one
    server's store verifies through another's, and revoking it there ends it here."""
    monkeypatch.setenv(DATABASE_URL_ENV, postgres_url)
    try:
        one, other = default_token_store(), default_token_store()
        assert one.path is None  # not a workspace file
        token = one.create("一张图平台", by="admin")
        assert other.verify(token).name == "一张图平台"
        other.revoke("一张图平台")
        assert one.verify(token) is None
        assert not (workspace_dir() / TOKEN_FILE_NAME).exists()
        with psycopg.connect(postgres_url) as conn:
            rows = conn.execute("SELECT digest FROM ogc_tokens").fetchall()
        assert rows == [(hashlib.sha256(token.encode()).hexdigest(),)]
    finally:
        close_pools()


def test_a_store_that_was_never_written_verifies_nothing_and_lists_nothing(tmp_path):
    store = TokenStore(tmp_path / "absent.sqlite")
    assert store.verify("lp_anything") is None and store.list() == []
    assert not (tmp_path / "absent.sqlite").exists()


def run_cli(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, LANDPLAN_WORKSPACE=str(workspace))
    return subprocess.run(
        [sys.executable, "-m", "ogc", "tokens", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_creates_lists_and_revokes_tokens_in_the_workspace(tmp_path):
    created = run_cli(tmp_path, "create", "dashboard")
    assert created.returncode == 0, created.stderr
    token = created.stdout.splitlines()[1]
    store = TokenStore(tmp_path / TOKEN_FILE_NAME)
    assert store.verify(token).name == "dashboard"
    listed = run_cli(tmp_path, "list")
    assert "dashboard" in listed.stdout and token not in listed.stdout
    assert run_cli(tmp_path, "revoke", "dashboard").returncode == 0
    assert store.verify(token) is None
    again = run_cli(tmp_path, "revoke", "dashboard")
    assert again.returncode == 1
    assert "dashboard" in again.stderr and "Traceback" not in again.stderr
