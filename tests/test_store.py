"""Scenario store: GeoPackage layout, round trips, versions, killed writers, concurrent
writers, GeoJSON exchange."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import psycopg
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from geo.errors import InputError
from layers import scenario as sc
from layers.catalog import LayerSet
from layers.exchange import scenario_from_geojson, scenario_to_geojson
from layers.store import (
    BASE_DATA_TABLE,
    EDITS_TABLE,
    GPKG_APPLICATION_ID,
    SCENARIOS_TABLE,
    GpkgScenarioStore,
    ScenarioStore,
    default_store,
    gpkg_geometry_blob,
    open_store,
    parse_gpkg_geometry,
)
from layers.workspace import workspace_dir
from tests.store_backends import location, stored_edit_kinds
from tests.test_scenario import metric_box

ROOT = Path(__file__).resolve().parent.parent
#: Longest wait for a child process to reach a given point; only a safety net.
WAIT_S = 120


@pytest.fixture
def gpkg_store(tmp_path: Path) -> GpkgScenarioStore:
    """A GeoPackage store, for what is particular to the file (``store`` runs both)."""
    return GpkgScenarioStore(tmp_path / "ws" / "scenarios.gpkg")


def every_kind() -> sc.Scenario:
    """A scenario with one edit of every kind, with Chinese text and provenance."""
    drawn = box(114.400, 22.700, 114.402, 22.702)
    cut = LineString([(114.3001, 22.6990), (114.3001, 22.7010)])
    return (
        sc.new_scenario("高新南工业上楼", author="张工", description="整备低效用地")
        .with_edit(
            sc.set_attributes(
                ["PS00001", "PS00002"],
                status="可供应",
                highrise=True,
                far_target=4.5,
                guided_cluster="chip",
                author="张工",
                note="工业上楼",
            )
        )
        .with_edit(sc.set_attributes(["PS00003"], far_target=None, guided_cluster=None))
        .with_edit(
            sc.add_parcel(
                drawn, {"land_use": "M0", "name": "新地块", "density_zone": 2}, author="李工"
            )
        )
        .with_edit(sc.remove_parcel(["PS00004"]))
        .with_edit(sc.split_parcel("PS00005", cut))
        .with_edit(sc.merge_parcels(["PS00006", "PS00007"], {"status": "reserve"}))
    )


# --- GeoPackage binary geometry -------------------------------------------------------------


def test_geometry_blob_header_known_answer():
    blob = gpkg_geometry_blob(Point(1.5, 2.5))
    expected = (
        b"GP\x00\x03"
        + struct.pack("<i", 4326)
        + struct.pack("<4d", 1.5, 1.5, 2.5, 2.5)
        + struct.pack("<BIdd", 1, 1, 1.5, 2.5)
    )
    assert blob == expected


def test_geometry_blob_round_trips_and_empties():
    for geom in (
        box(114.3, 22.6, 114.4, 22.7),
        LineString([(114.3, 22.6), (114.4, 22.7)]),
        shapely.multipolygons([box(0, 0, 1, 1), box(2, 2, 3, 3)]),
    ):
        assert parse_gpkg_geometry(gpkg_geometry_blob(geom)) == geom
    empty = gpkg_geometry_blob(Polygon())
    assert empty[3] == 0b0001_0001 and len(empty) == 8 + len(shapely.to_wkb(Polygon()))
    assert parse_gpkg_geometry(empty).is_empty
    assert gpkg_geometry_blob(None) is None and parse_gpkg_geometry(None) is None


def test_geometry_decoder_reads_other_envelopes():
    # Big-endian header with an XYZ envelope (kind 2, 48 bytes), as other writers may use.
    wkb = shapely.to_wkb(Point(3.0, 4.0), byte_order=0)
    blob = b"GP\x00" + bytes([0b0000_0100]) + struct.pack(">i6d", 4326, 3, 3, 4, 4, 0, 0) + wkb
    assert parse_gpkg_geometry(blob) == Point(3.0, 4.0)
    with pytest.raises(InputError):
        parse_gpkg_geometry(b"XX\x00\x01\x00\x00\x00\x00")


# --- the file ------------------------------------------------------------------------------


def test_new_file_is_a_geopackage_gdal_reads(gpkg_store):
    saved = gpkg_store.save(every_kind())
    path = gpkg_store.path
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA application_id").fetchone()[0] == GPKG_APPLICATION_ID
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10300
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        contents = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
        assert contents == {
            SCENARIOS_TABLE: "attributes",
            EDITS_TABLE: "features",
            BASE_DATA_TABLE: "attributes",
        }
        srs = {r[0] for r in con.execute("SELECT srs_id FROM gpkg_spatial_ref_sys")}
        assert {4326, 0, -1} <= srs
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()

    layers = {name: kind for name, kind in pyogrio.list_layers(path)}
    assert set(layers) == {SCENARIOS_TABLE, EDITS_TABLE, BASE_DATA_TABLE}
    edits = pyogrio.read_dataframe(path, layer=EDITS_TABLE)
    assert edits.crs.to_epsg() == 4326
    assert edits["seq"].tolist() == list(range(6))
    assert edits["kind"].tolist() == [e.kind for e in saved.edits]
    assert json.loads(edits["parcel_ids"].iloc[0]) == ["PS00001", "PS00002"]
    assert json.loads(edits["attributes"].iloc[0])["status"] == "available"
    assert edits.geometry.iloc[2].equals(saved.edits[2].geometry)
    assert edits.geometry.iloc[4].equals(saved.edits[4].geometry)
    assert edits.geometry.iloc[[0, 1, 3, 5]].isna().all()
    table = pyogrio.read_dataframe(path, layer=SCENARIOS_TABLE, read_geometry=False)
    assert table["name"].tolist() == ["高新南工业上楼"]
    assert table["version"].tolist() == [1] and table["edit_count"].tolist() == [6]


def test_other_files_are_refused(tmp_path):
    text = tmp_path / "notes.gpkg"
    text.write_text("not a database " * 100)
    with pytest.raises(InputError, match="GeoPackage"):
        GpkgScenarioStore(text)
    plain = tmp_path / "plain.sqlite"
    con = sqlite3.connect(plain)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="不是 GeoPackage"):
        GpkgScenarioStore(plain)


def test_an_existing_store_is_reopened_without_change(store):
    saved = store.save(every_kind())
    again = open_store(location(store))
    assert type(again) is type(store)
    assert again.open(saved.id) == saved


def test_store_satisfies_the_interface(store):
    assert isinstance(store, ScenarioStore)


def test_workspace_folder_from_the_environment(tmp_path, monkeypatch):
    target = tmp_path / "my" / "workspace"
    monkeypatch.setenv("LANDPLAN_WORKSPACE", str(target))
    assert workspace_dir() == target and target.is_dir()
    assert default_store().path == target / "scenarios.gpkg"
    monkeypatch.delenv("LANDPLAN_WORKSPACE")
    monkeypatch.chdir(tmp_path)
    assert workspace_dir() == Path("workspace") and (tmp_path / "workspace").is_dir()


# --- round trips and versions ----------------------------------------------------------------


def test_every_edit_kind_round_trips(store):
    scenario = every_kind()
    saved = store.save(scenario, expected_version=0)
    assert saved.version == 1 and saved.updated_at >= scenario.created_at
    opened = store.open(scenario.id)
    assert opened == saved
    for original, back in zip(scenario.edits, opened.edits, strict=True):
        assert back.kind == original.kind
        assert back.parcel_ids == original.parcel_ids
        assert back.attributes == original.attributes
        assert back.author == original.author and back.note == original.note
        assert back.created_at == original.created_at
        if original.geometry is None:
            assert back.geometry is None
        else:
            assert back.geometry.equals_exact(original.geometry, 0.0)


def test_saves_increment_the_version_and_list_shows_them(store):
    first = store.save(sc.new_scenario("甲"))
    second = store.save(sc.new_scenario("乙"))
    first = store.save(first.with_edit(sc.remove_parcel("P1")))
    assert first.version == 2
    listed = store.list()
    assert [i.name for i in listed] == ["甲", "乙"]  # most recently saved first
    assert (listed[0].version, listed[0].edit_count) == (2, 1)
    assert (listed[1].id, listed[1].version) == (second.id, 1)


def test_a_save_from_a_stale_version_is_refused(store):
    saved = store.save(sc.new_scenario("方案"))
    tab_a = store.open(saved.id)
    tab_b = store.open(saved.id)
    store.save(tab_a.with_edit(sc.remove_parcel("P1")))
    with pytest.raises(InputError) as err:
        store.save(tab_b.with_edit(sc.remove_parcel("P2")))
    assert err.value.message_zh.startswith("情景已被其他人修改（当前版本 2）")
    assert "changed by someone else" in str(err.value)
    kept = store.open(saved.id)
    assert kept.version == 2 and kept.edits[0].parcel_ids == ("P1",)
    with pytest.raises(InputError, match="当前版本 2"):
        store.save(kept, expected_version=5)


def test_saving_a_deleted_or_clashing_scenario_is_refused(store):
    saved = store.save(sc.new_scenario("方案"))
    store.delete(saved.id, confirm=True)
    with pytest.raises(InputError, match="已被删除"):
        store.save(saved)
    again = store.save(sc.new_scenario("另一个"))
    with pytest.raises(InputError, match="同一编号"):
        store.save(again, expected_version=0)


def test_delete_needs_confirmation_and_spares_bases(store):
    base = store.save(sc.new_scenario("基础"))
    child = store.save(sc.new_scenario("派生", base_id=base.id))
    with pytest.raises(InputError, match="需要确认"):
        store.delete(base.id)
    with pytest.raises(InputError, match="派生"):
        store.delete(base.id, confirm=True)
    store.delete(child.id, confirm=True)
    store.delete(base.id, confirm=True)
    assert store.list() == []
    with pytest.raises(InputError, match="找不到情景"):
        store.open(base.id)
    with pytest.raises(InputError, match="找不到情景"):
        store.delete(base.id, confirm=True)


def test_bases_must_exist_and_not_loop(store):
    with pytest.raises(InputError, match="不在本工作区"):
        store.save(sc.new_scenario("孤儿", base_id="no-such-id"))
    a = store.save(sc.new_scenario("A"))
    b = store.save(sc.new_scenario("B", base_id=a.id))
    with pytest.raises(InputError, match="循环"):
        store.save(sc.Scenario(a.id, "A", base_id=b.id, version=1))
    assert store.open(a.id).base_id is None


def test_duplicate_and_rename(store):
    saved = store.save(every_kind())
    copy = store.duplicate(saved.id)
    assert copy.id != saved.id and copy.version == 1
    assert copy.name == "高新南工业上楼（副本）" and copy.edits == saved.edits
    assert store.open(copy.id) == copy
    renamed = store.rename(saved.id, "高新南二期", expected_version=1, description="新的说明")
    assert (renamed.name, renamed.description, renamed.version) == ("高新南二期", "新的说明", 2)
    assert store.open(saved.id).edits == saved.edits
    with pytest.raises(InputError, match="当前版本 2"):
        store.rename(saved.id, "再改", expected_version=1)
    with pytest.raises(InputError, match="名称"):
        store.rename(saved.id, "  ", expected_version=2)


def test_applying_through_the_store_resolves_bases(store, tmp_path):
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["P1", "P2"],
            "status": ["reserve", "reserve"],
            "land_use": ["M1", "M1"],
            "far_current": [0.0, 0.0],
            "density_zone": [3, 3],
        },
        geometry=[metric_box(0, 0, 100, 100), metric_box(110, 0, 210, 100)],
        crs="EPSG:4326",
    )
    base_layers = LayerSet().with_layer("parcels", parcels)
    parent = store.save(
        sc.new_scenario("释放").with_edit(sc.set_attributes("P1", status="available"))
    )
    child = store.save(
        sc.new_scenario("上楼", base_id=parent.id).with_edit(sc.set_attributes("P1", highrise=True))
    )
    applied = sc.apply(store.open(child.id), base_layers, resolve_base=store.open)
    row = applied.parcels.set_index("parcel_id").loc["P1"]
    assert row["status"] == "available" and row["highrise"]


# --- a writer killed mid-save ----------------------------------------------------------------


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from layers import scenario as sc
    from layers.store import open_store

    path, scenario_id, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    store = open_store(path)
    scenario = store.open(scenario_id)
    edits = tuple(sc.set_attributes([f"P{i}"], status="available") for i in range(20_000))
    big = sc.Scenario(scenario.id, "被中断的保存", edits=scenario.edits + edits,
                      version=scenario.version)

    def stall():
        marker.write_text("in transaction")
        time.sleep(600)

    store.before_commit = stall
    store.save(big)
""")


def _python(script: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for(path: Path, proc: subprocess.Popen) -> None:
    for _ in range(WAIT_S * 20):
        if path.exists():
            return
        if proc.poll() is not None:
            raise AssertionError(f"child process exited early: {proc.stderr.read().decode()}")
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.05)
    proc.kill()
    raise AssertionError("child process never reached the expected point")


def test_a_writer_killed_mid_save_leaves_the_last_good_version(store, tmp_path):
    good = store.save(every_kind())
    marker = tmp_path / "marker"
    writer = _python(KILLED_WRITER, location(store), good.id, str(marker))
    _wait_for(marker, writer)
    # The writer holds the write lock with 20,000 uncommitted edit rows. Readers are not
    # blocked and see the committed state.
    assert [(i.version, i.edit_count) for i in store.list()] == [(1, 6)]
    if isinstance(store, GpkgScenarioStore):  # another writer is told the file is busy
        impatient = GpkgScenarioStore(store.path, busy_timeout_s=0.2)
        with pytest.raises(InputError, match="正被另一个保存占用"):
            impatient.save(good.with_edit(sc.remove_parcel("P1")))
        wal = store.path.with_name(store.path.name + "-wal")
        assert wal.stat().st_size > 1_000_000  # the uncommitted rows did reach the disk
    else:
        with psycopg.connect(store.url) as conn:  # the writer's session holds them, open
            waiting = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' "
                "AND datname = current_database()"
            ).fetchone()[0]
        assert waiting == 1
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=WAIT_S)
    assert writer.returncode == -signal.SIGKILL

    reopened = open_store(location(store))
    listed = reopened.list()
    assert [(i.id, i.name, i.version, i.edit_count) for i in listed] == [(good.id, good.name, 1, 6)]
    assert reopened.open(good.id) == good
    assert stored_edit_kinds(store) == [e.kind for e in good.edits]
    if isinstance(store, GpkgScenarioStore):
        con = sqlite3.connect(store.path)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
    # The lock died with the writer: the next save goes through.
    assert reopened.save(good.with_edit(sc.remove_parcel("P1"))).version == 2


# --- concurrent writers ---------------------------------------------------------------------


CONCURRENT_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from layers import scenario as sc
    from layers.store import open_store

    path, name, go, ready = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    store = open_store(path)
    ready.write_text("ready")
    while not go.exists():
        time.sleep(0.01)
    scenario = store.save(sc.new_scenario(name))
    for i in range(15):
        scenario = store.open(scenario.id)
        edit = sc.set_attributes([f"{name}-{i}"], status="available", note=name)
        scenario = store.save(scenario.with_edit(edit))
    print(scenario.id)
""")


def test_two_processes_saving_different_scenarios_both_succeed(store, tmp_path):
    go = tmp_path / "go"
    writers = []
    for name in ("甲", "乙"):
        ready = tmp_path / f"ready-{name}"
        proc = _python(CONCURRENT_WRITER, location(store), name, str(go), str(ready))
        _wait_for(ready, proc)
        writers.append(proc)
    go.write_text("go")
    ids = []
    for proc in writers:
        out, err = proc.communicate(timeout=WAIT_S)
        assert proc.returncode == 0, err.decode()
        ids.append(out.decode().strip())
    for scenario_id, name in zip(ids, ("甲", "乙"), strict=True):
        scenario = store.open(scenario_id)
        assert scenario.name == name and scenario.version == 16
        assert [e.parcel_ids[0] for e in scenario.edits] == [f"{name}-{i}" for i in range(15)]
    assert len(stored_edit_kinds(store)) == 30


# --- GeoJSON exchange -----------------------------------------------------------------------


def test_geojson_export_holds_the_scenario_and_its_provenance(store):
    saved = store.save(every_kind())
    doc = json.loads(scenario_to_geojson(saved))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert (doc["name"], doc["author"], doc["description"]) == (
        "高新南工业上楼",
        "张工",
        "整备低效用地",
    )
    assert (doc["version"], doc["base_id"], doc["scenario_id"]) == (1, None, saved.id)
    assert doc["created_at"] == saved.created_at and doc["updated_at"] == saved.updated_at
    features = doc["features"]
    assert [f["properties"]["seq"] for f in features] == list(range(6))
    assert [f["properties"]["kind"] for f in features] == [e.kind for e in saved.edits]
    assert features[0]["geometry"] is None
    assert features[0]["properties"]["parcel_ids"] == ["PS00001", "PS00002"]
    assert features[0]["properties"]["attributes"]["guided_cluster"] == "chip"
    assert features[0]["properties"]["note"] == "工业上楼"
    assert features[2]["geometry"]["type"] == "Polygon"
    assert features[2]["properties"]["author"] == "李工"
    ring = shapely.geometry.shape(features[2]["geometry"]).exterior
    assert ring.is_ccw  # RFC 7946 orientation


def test_geojson_import_round_trip(store):
    saved = store.save(every_kind())
    text = scenario_to_geojson(saved)
    imported = scenario_from_geojson(text)
    assert imported.id != saved.id and imported.version == 0
    assert imported.name == saved.name and imported.created_at == saved.created_at
    assert imported.edits == saved.edits
    assert scenario_from_geojson(text.encode("utf-8"), keep_id=True).id == saved.id
    stored = store.save(imported)
    assert store.open(stored.id).edits == saved.edits


def test_geojson_import_lists_every_bad_edit():
    doc = json.loads(scenario_to_geojson(every_kind()))
    doc["features"][0]["properties"]["attributes"]["status"] = "拆除"
    doc["features"][3]["properties"]["kind"] = "paint"
    doc["features"][2]["geometry"]["coordinates"] = [
        [[114.3, 22.7], [114.31, 22.71], [114.31, 22.7], [114.3, 22.71], [114.3, 22.7]]
    ]
    with pytest.raises(InputError) as err:
        scenario_from_geojson(json.dumps(doc))
    details = err.value.details
    assert len(details) == 3
    assert details[0].startswith("第 1 个要素") and "拆除" in details[0]
    assert details[1].startswith("第 3 个要素") and "自相交" in details[1]
    assert details[2].startswith("第 4 个要素") and "paint" in details[2]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "不是有效的 JSON"),
        ('{"type": "Feature"}', "FeatureCollection"),
        ('{"type": "FeatureCollection", "format": "other", "features": []}', "不是情景文件"),
        ('{"type": "FeatureCollection", "features": []}', "情景名称"),
    ],
)
def test_geojson_import_rejects_other_files(text, fragment):
    with pytest.raises(InputError, match=fragment):
        scenario_from_geojson(text)


def test_a_row_damaged_in_another_program_is_named(gpkg_store):
    store = gpkg_store
    saved = store.save(every_kind())
    con = sqlite3.connect(store.path)
    con.execute(f"UPDATE {EDITS_TABLE} SET attributes = ? WHERE seq = 1", ('{"status": "拆除"}',))
    con.commit()
    con.close()
    with pytest.raises(InputError) as err:
        store.open(saved.id)
    assert "第 2 项编辑已损坏" in err.value.message_zh and "拆除" in str(err.value)
