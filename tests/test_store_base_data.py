"""Base-data versions in the store, on both backends: an import recorded under a name,
scenarios recording the version they were built on, and the edits that no longer apply
when the base data moved on."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import pytest

from geo.errors import InputError
from layers import scenario as sc
from layers.catalog import LayerSet
from layers.store import BASE_DATA_TABLE, GpkgScenarioStore, outdated_edits
from tests.test_scenario import metric_box


def parcels(ids: list[str]) -> LayerSet:
    frame = gpd.GeoDataFrame(
        {
            "parcel_id": ids,
            "status": ["reserve"] * len(ids),
            "land_use": ["M1"] * len(ids),
            "far_current": [0.0] * len(ids),
            "density_zone": [3] * len(ids),
        },
        geometry=[metric_box(120 * i, 0, 120 * i + 100, 100) for i in range(len(ids))],
        crs="EPSG:4326",
    )
    return LayerSet().with_layer("parcels", frame)


def test_versions_are_named_listed_newest_first_and_unique(store):
    assert store.base_data_versions() == []
    first = store.record_base_data(" 2024 年现状调查 ", "c2024", author="管理员")
    second = store.record_base_data("2025 年现状调查", "c2025")
    assert first.name == "2024 年现状调查" and first.author == "管理员"
    assert store.base_data_versions() == [second, first]
    with pytest.raises(InputError) as err:
        store.record_base_data("2025 年现状调查", "other")
    assert "已有名为「2025 年现状调查」" in err.value.zh and "already exists" in err.value.en
    with pytest.raises(InputError, match="请填写基础数据版本名称"):
        store.record_base_data("  ", "c")
    assert len(store.base_data_versions()) == 2


def test_a_scenario_records_the_version_it_was_built_on(store):
    before = store.save(sc.new_scenario("无版本"))
    assert before.base_data_version is None
    store.record_base_data("2024 年现状调查", "c2024")
    old = store.save(sc.new_scenario("旧方案"))
    assert old.base_data_version == "2024 年现状调查"
    store.record_base_data("2025 年现状调查", "c2025")
    old = store.save(store.open(old.id).with_edit(sc.remove_parcel("P1")))
    assert old.base_data_version == "2024 年现状调查"  # a later save keeps it
    new = store.save(sc.new_scenario("新方案"))
    assert store.open(new.id).base_data_version == "2025 年现状调查"
    listed = {info.name: info.base_data_version for info in store.list()}
    assert listed == {"无版本": None, "旧方案": "2024 年现状调查", "新方案": "2025 年现状调查"}
    moved = store.save(store.open(old.id).with_base_data("2025 年现状调查"))
    assert store.open(moved.id).base_data_version == "2025 年现状调查"


def test_edits_that_no_longer_apply_on_newer_base_data_are_listed(store):
    store.record_base_data("2024 年现状调查", "c2024")
    plan = store.save(
        sc.new_scenario("整备")
        .with_edit(sc.remove_parcel("P2"))
        .with_edit(sc.set_attributes("P1", status="available"))
        .with_edit(sc.remove_parcel(["P3", "P4"]))
    )
    current = store.base_data_versions()[0]
    assert outdated_edits(plan, current, parcels(["P1", "P2", "P3", "P4", "P5"])) == ()
    newest = store.record_base_data("2025 年现状调查", "c2025")
    problems = outdated_edits(store.open(plan.id), newest, parcels(["P1", "P3", "P5"]))
    # P2 and P4 are gone from the 2025 data: edit 0 changes nothing, edit 2 applies in part.
    assert [(p.index, p.applied) for p in problems] == [(0, False), (2, True)]
    assert "P2" in problems[0].message and "P4" in problems[1].message
    assert outdated_edits(plan, None, parcels(["P1"])) == ()


def test_a_file_written_before_versions_gains_them(tmp_path):
    path = tmp_path / "scenarios.gpkg"
    kept = GpkgScenarioStore(path).save(sc.new_scenario("旧文件"))
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE scenarios DROP COLUMN base_data_version")
    con.execute(f"DROP TABLE {BASE_DATA_TABLE}")
    con.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (BASE_DATA_TABLE,))
    con.commit()
    con.close()
    store = GpkgScenarioStore(path)
    assert store.open(kept.id) == kept and store.open(kept.id).base_data_version is None
    store.record_base_data("2025 年现状调查", "c2025")
    assert store.save(sc.new_scenario("新")).base_data_version == "2025 年现状调查"
