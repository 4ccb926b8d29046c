"""The scenario store when the disk or the file fails: always a bilingual message, and a
store that cannot be written is still read.

Tests run as root, for whom file permissions do not apply, so failures are simulated:
a workspace below a regular file (the folder cannot be created), a file of random bytes,
a lock held by another connection, and writes that raise the errors SQLite and the OS
raise on a full disk or a read-only file.
"""

from __future__ import annotations

import errno
import os
import sqlite3

import pytest

from geo.errors import InputError
from layers.scenario import new_scenario
from layers.store import GpkgScenarioStore, default_store


@pytest.fixture
def stored(tmp_path):
    """A store holding one saved scenario; returns (path, scenario)."""
    path = tmp_path / "scenarios.gpkg"
    store = GpkgScenarioStore(path)
    saved = store.save(new_scenario("情景一", author="王工"), expected_version=0)
    return path, saved


def unwritable_probe(monkeypatch):
    """Make the write probe refused as SQLite refuses a read-only file."""

    def refuse(self, con):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(GpkgScenarioStore, "_probe_write", refuse)


def test_a_store_that_cannot_be_written_is_opened_read_only(stored, monkeypatch):
    path, saved = stored
    unwritable_probe(monkeypatch)
    store = GpkgScenarioStore(path)
    assert store.read_only
    [info] = store.list()
    assert info.name == "情景一"
    assert store.open(saved.id).name == "情景一"
    for write in (
        lambda: store.save(saved),
        lambda: store.delete(saved.id, confirm=True),
        lambda: store.rename(saved.id, "新名", expected_version=saved.version),
        lambda: store.duplicate(saved.id),
        lambda: store.save_as_new(saved),
    ):
        with pytest.raises(InputError) as err:
            write()
        assert (
            "只能读取、不能写入" in err.value.zh and "can be read but not written" in err.value.en
        )
    assert GpkgScenarioStore(path.with_name("other.gpkg")).read_only is False


def test_read_only_connections_really_cannot_write(stored, monkeypatch):
    path, _ = stored
    unwritable_probe(monkeypatch)
    store = GpkgScenarioStore(path)
    con = store._connect()
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            con.execute("DELETE FROM scenarios")
    finally:
        con.close()
    assert len(store.list()) == 1


def test_a_new_file_that_cannot_be_written_is_a_message(tmp_path, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise InputError("x", "x") from sqlite3.OperationalError(
            "attempt to write a readonly database"
        )

    monkeypatch.setattr(GpkgScenarioStore, "_initialise_writable", refuse)
    path = tmp_path / "scenarios.gpkg"
    sqlite3.connect(path).close()  # an empty file: no scenario tables to read
    with pytest.raises(InputError) as err:
        GpkgScenarioStore(path)
    assert "不能写入" in err.value.zh and str(tmp_path) not in err.value.zh


def test_a_workspace_below_a_file_is_a_message_naming_the_variable(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    monkeypatch.setenv("LANDPLAN_WORKSPACE", str(blocker / "ws"))
    with pytest.raises(InputError) as err:
        default_store()
    assert "LANDPLAN_WORKSPACE" in err.value.zh and "LANDPLAN_WORKSPACE" in err.value.en


def test_a_damaged_file_is_a_message(tmp_path):
    path = tmp_path / "scenarios.gpkg"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(InputError) as err:
        GpkgScenarioStore(path)
    assert "已损坏" in err.value.zh and "damaged" in err.value.en


def test_a_locked_file_is_a_message_and_still_readable(stored):
    path, saved = stored
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        store = GpkgScenarioStore(path, busy_timeout_s=0.2)
        assert not store.read_only  # busy is not read-only
        assert [i.id for i in store.list()] == [saved.id]  # WAL: readers do not wait
        with pytest.raises(InputError) as err:
            store.save(saved.with_details(name="改名"))
        assert "占用" in err.value.zh and "busy" in err.value.en
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.save(saved.with_details(name="改名")).version == 2


@pytest.mark.parametrize(
    ("failure", "zh", "en"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "磁盘空间已满", "disk is full"),
        (sqlite3.OperationalError("database or disk is full"), "磁盘空间已满", "disk is full"),
        (
            sqlite3.OperationalError("attempt to write a readonly database"),
            "不能写入",
            "not written",
        ),
    ],
)
def test_a_failing_save_is_a_message_and_keeps_the_stored_version(stored, failure, zh, en):
    path, saved = stored
    store = GpkgScenarioStore(path)

    def fail():
        raise failure

    store.before_commit = fail
    with pytest.raises(InputError) as err:
        store.save(saved.with_details(name="改名"))
    assert zh in err.value.zh and en in err.value.en
    assert str(path.parent) not in err.value.zh + err.value.en
    store.before_commit = None
    assert store.open(saved.id).version == saved.version
    assert store.open(saved.id).name == "情景一"


def test_save_as_new_keeps_the_edits_under_a_new_id(store):
    saved = store.save(new_scenario("情景一", author="王工"), expected_version=0)
    store.delete(saved.id, confirm=True)
    copy = store.save_as_new(saved)
    assert copy.id != saved.id and copy.version == 1 and copy.name == "情景一"
    assert [i.id for i in store.list()] == [copy.id]
