"""Failures of the workspace, the scenario store and uploads, as the pages show them:
bilingual messages saying what to do, never an exception; read-only where possible.

Tests run as root (permissions do not stop them), so failures are simulated: a workspace
below a regular file, a store file of random bytes, a refused write probe (read-only
store), writes raising ENOSPC, a deletion through the store between two runs, and a
reader limit made small for an upload.
"""

from __future__ import annotations

import errno
import os
import tomllib
from pathlib import Path

import pytest

import geo.io
from layers.store import GpkgScenarioStore
from tests.app_harness import app, plain
from tests.test_app_data import confirm_import, demo_parcels_file, upload
from tests.test_app_scenario import create, mark_highrise, pocket_ids

SCENARIOS = "ui/scenario_page.py"
DATA = "ui/data_page.py"
ROOT = Path(__file__).resolve().parent.parent


def no_traceback(at) -> None:
    assert not at.exception
    for box in at.error:
        assert "Traceback" not in box.value and "/site-packages/" not in box.value


# --------------------------------------------------------------------------- configuration


def test_error_details_are_hidden_from_the_browser():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


def test_upload_limit_of_streamlit_equals_the_readers():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] * 1024**2 == geo.io.DEFAULT_MAX_BYTES


# --------------------------------------------------------------------------- scenario store


def test_a_workspace_that_cannot_be_created_is_a_message(monkeypatch, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    monkeypatch.setenv("LANDPLAN_WORKSPACE", str(blocker / "ws"))
    with app(SCENARIOS) as (at, _):
        no_traceback(at)
        assert any("LANDPLAN_WORKSPACE" in plain(e.value) for e in at.error)


def test_a_damaged_store_is_a_message(own_workspace):
    (own_workspace / "scenarios.gpkg").write_bytes(os.urandom(4096))
    with app(SCENARIOS) as (at, _):
        no_traceback(at)
        assert any("已损坏" in e.value for e in at.error)


def test_a_read_only_store_still_lists_and_opens_scenarios(own_workspace, monkeypatch):
    store = GpkgScenarioStore(own_workspace / "scenarios.gpkg")
    from layers.scenario import new_scenario

    saved = store.save(new_scenario("只读情景"), expected_version=0)

    def refuse(self, con):
        import sqlite3

        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(GpkgScenarioStore, "_probe_write", refuse)
    with app(SCENARIOS) as (at, _):
        no_traceback(at)
        assert any("只能读取" in i.value for i in at.info)
        choice = at.selectbox(key="scenario_choice")
        assert any("只读情景" in option for option in choice.options)
        choice.set_value(saved.id).run()
        no_traceback(at)
        assert at.session_state["scenario_draft"].id == saved.id
        mark_highrise(at, pocket_ids()[:2])
        at.button(key="scenario_save").click().run()
        no_traceback(at)
        assert any("只能读取、不能写入" in e.value for e in at.error)
        assert len(at.session_state["scenario_draft"].edits) == 1  # the edit is kept
    assert GpkgScenarioStore(own_workspace / "scenarios.gpkg").open(saved.id).version == 1


def test_a_full_disk_on_save_is_a_message_and_keeps_the_edits(monkeypatch):
    def full(con, stamp):
        raise OSError(errno.ENOSPC, "No space left on device")

    with app(SCENARIOS) as (at, _):
        create(at)
        mark_highrise(at, pocket_ids()[:2])
        monkeypatch.setattr(GpkgScenarioStore, "_touch", staticmethod(full))
        at.button(key="scenario_save").click().run()
        no_traceback(at)
        assert any("磁盘空间已满" in e.value for e in at.error)
        assert len(at.session_state["scenario_draft"].edits) == 1


def test_a_scenario_deleted_elsewhere_keeps_the_edits_and_saves_as_new(own_workspace):
    ids = pocket_ids()[:3]
    with app(SCENARIOS) as (at, _):
        create(at, "将被删除")
        mark_highrise(at, ids)
        draft = at.session_state["scenario_draft"]
        store = GpkgScenarioStore(own_workspace / "scenarios.gpkg")
        store.delete(draft.id, confirm=True)  # another session deletes it
        at.run()
        no_traceback(at)
        assert any("已在其他窗口或由其他人删除" in w.value for w in at.warning)
        kept = at.session_state["scenario_draft"]
        assert kept.id == draft.id and kept.edits == draft.edits
        assert at.button(key="scenario_save").disabled
        at.button(key="scenario_save_as_new").click().run()
        no_traceback(at)
        [info] = store.list()
        assert info.id != draft.id and info.name == "将被删除" and info.edit_count == 1
        assert set(store.open(info.id).edits[0].parcel_ids) == set(ids)
        assert at.session_state["scenario_draft"].id == info.id
        assert not any("删除" in w.value for w in at.warning)


# --------------------------------------------------------------------------- data page


def test_an_upload_over_the_limit_is_refused_before_it_is_read(monkeypatch):
    _, data = demo_parcels_file(n=5)
    monkeypatch.setattr(geo.io, "DEFAULT_MAX_BYTES", len(data) - 1)

    def must_not_read(*args, **kwargs):
        raise AssertionError("an upload over the limit was read")

    monkeypatch.setattr("ui.imports.read_import", must_not_read)
    with app(DATA) as (at, _):
        at.file_uploader[0].set_value(("big.geojson", data, "application/geo+json")).run()
        no_traceback(at)
        [message] = [e.value for e in at.error]
        assert "超过导入上限" in message and "MB" in message
        assert at.button[0].disabled


def test_kept_imports_are_shown_and_pruned_to_the_quota(own_workspace, monkeypatch):
    monkeypatch.setenv("LANDPLAN_IMPORTS_MAX_COUNT", "2")
    with app(DATA) as (at, _):
        ids = []
        for n in (6, 7, 8):
            _, data = demo_parcels_file(n=n)
            at.selectbox(key="import_kind").set_value("parcels")
            upload(at, f"parcels_{n}.geojson", data)
            confirm_import(at)
            no_traceback(at)
            ids.append(at.query_params["data"])
            assert "pending_import" not in at.session_state  # released after the import
            assert at.file_uploader[0].value is None  # the upload is released too
        kept = sorted(p.stem for p in (own_workspace / "imports").glob("*.gpkg"))
        assert kept == sorted(ids[1:])  # the oldest went; the one in use stays
        assert any("保留了 2 份导入的数据" in c.value for c in at.caption)


def test_a_kept_import_reopened_counts_as_used(own_workspace, monkeypatch):
    from layers.catalog import load_demo
    from ui.imports import prune_kept_imports, save_imported_layers

    demo = load_demo()
    first = save_imported_layers(demo.with_layer("parcels", demo.parcels.head(5), is_demo=False))
    second = save_imported_layers(demo.with_layer("parcels", demo.parcels.head(6), is_demo=False))
    old = os.stat(own_workspace / "imports" / f"{first}.gpkg").st_mtime - 100
    os.utime(own_workspace / "imports" / f"{second}.gpkg", (old - 100, old - 100))
    os.utime(own_workspace / "imports" / f"{first}.gpkg", (old, old))
    with app(DATA, query={"data": second}) as (at, _):  # reopening touches it
        no_traceback(at)
    monkeypatch.setenv("LANDPLAN_IMPORTS_MAX_COUNT", "1")
    assert prune_kept_imports() == [first]


def test_a_malformed_quota_variable_is_a_message(monkeypatch):
    monkeypatch.setenv("LANDPLAN_IMPORTS_MAX_MB", "lots")
    with app(DATA) as (at, _):
        no_traceback(at)
        assert any("LANDPLAN_IMPORTS_MAX_MB" in plain(e.value) for e in at.error)


def test_a_full_disk_when_keeping_an_import_keeps_it_for_the_session(monkeypatch):
    def full(layers, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("ui.imports.save_layerset", full)
    _, data = demo_parcels_file(n=9)
    with app(DATA) as (at, _):
        at.selectbox(key="import_kind").set_value("parcels")
        upload(at, "parcels.geojson", data)
        confirm_import(at)
        no_traceback(at)
        assert at.session_state["layers"].counts()["parcels"] == 9
        assert any(
            "只在本次浏览器会话中有效" in w.value and "磁盘空间已满" in w.value for w in at.warning
        )
        assert "data" not in at.query_params


@pytest.mark.parametrize("value", ["0", "-3"])
def test_a_quota_must_be_positive(monkeypatch, value):
    from geo.errors import InputError
    from ui.imports import import_quota

    monkeypatch.setenv("LANDPLAN_IMPORTS_MAX_COUNT", value)
    with pytest.raises(InputError, match="LANDPLAN_IMPORTS_MAX_COUNT"):
        import_quota()
