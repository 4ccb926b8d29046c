"""What is particular to the PostGIS store: tables GIS software reads directly, migrations
applied once, database failures as messages, and the choice of store by
``LANDPLAN_DATABASE_URL``. (Everything else runs on both backends in tests/test_store*.py.)"""

from __future__ import annotations

import re

import psycopg
import pytest
import shapely
from shapely.geometry import LineString, box

from geo.errors import InputError
from layers import scenario as sc
from layers.database import DATABASE_URL_ENV, MIGRATIONS_TABLE, close_pools
from layers.store import (
    BASE_DATA_TABLE,
    EDITS_TABLE,
    SCENARIOS_TABLE,
    GpkgScenarioStore,
    PostgisScenarioStore,
    ScenarioStore,
    open_store,
    store_location,
)


@pytest.fixture
def pg_store(postgres_url):
    yield PostgisScenarioStore(postgres_url)
    close_pools()


def drawn() -> sc.Scenario:
    return (
        sc.new_scenario("坪山新区", author="张工")
        .with_edit(sc.add_parcel(box(114.400, 22.700, 114.402, 22.702), {"land_use": "M0"}))
        .with_edit(sc.set_attributes(["PS1", "PS2"], status="available", far_target=4.0))
        .with_edit(sc.split_parcel("PS3", LineString([(114.30, 22.69), (114.30, 22.71)])))
    )


def test_gis_software_sees_a_postgis_layer_with_a_spatial_index(pg_store):
    saved = pg_store.save(drawn())
    with psycopg.connect(pg_store.url) as conn:
        columns = conn.execute(
            "SELECT f_table_name, f_geometry_column, srid, type FROM geometry_columns"
        ).fetchall()
        assert columns == [(EDITS_TABLE, "geom", 4326, "GEOMETRY")]
        index = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexdef ILIKE %s",
            (EDITS_TABLE, "%USING gist%"),
        ).fetchone()
        assert index is not None and "(geom)" in index[0]
        rows = conn.execute(
            f"SELECT seq, kind, ST_AsText(geom), parcel_ids, attributes ->> 'status' "
            f"FROM {EDITS_TABLE} ORDER BY seq"
        ).fetchall()
        table = conn.execute(
            f"SELECT name, author, version, edit_count FROM {SCENARIOS_TABLE}"
        ).fetchall()
    assert [r[1] for r in rows] == ["add_parcel", "set_attributes", "split_parcel"]
    assert shapely.from_wkt(rows[0][2]).equals(saved.edits[0].geometry)
    assert rows[1][2] is None and rows[1][3] == ["PS1", "PS2"] and rows[1][4] == "available"
    assert rows[2][2].startswith("LINESTRING")
    assert table == [("坪山新区", "张工", 1, 3)]
    pg_store.record_base_data("2025 年现状调查", "c2025")
    with psycopg.connect(pg_store.url) as conn:
        assert conn.execute(f"SELECT name FROM {BASE_DATA_TABLE}").fetchall() == [
            ("2025 年现状调查",)
        ]


def test_the_schema_is_migrated_once(pg_store):
    again = PostgisScenarioStore(pg_store.url)  # a second app server starting
    assert again.list() == []
    with psycopg.connect(pg_store.url) as conn:
        steps = conn.execute(
            f"SELECT component, version FROM {MIGRATIONS_TABLE} ORDER BY version"
        ).fetchall()
    assert steps == [("scenarios", 1), ("scenarios", 2)]


def test_a_failing_save_is_a_message_and_keeps_the_stored_version(pg_store):
    saved = pg_store.save(drawn())

    def fail():
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    pg_store.before_commit = fail
    with pytest.raises(InputError) as err:
        pg_store.save(saved.with_details(name="改名"))
    assert err.value.code == "database_unavailable"
    assert "暂时连接不上共享数据库" in err.value.zh and "cannot be reached" in err.value.en
    pg_store.before_commit = None
    assert pg_store.open(saved.id).name == "坪山新区" and pg_store.open(saved.id).version == 1


def test_an_unreachable_database_is_a_message_without_the_password():
    with pytest.raises(InputError) as err:
        PostgisScenarioStore("postgresql://planner:s3cret@127.0.0.1:1/landplan", timeout_s=1)
    assert err.value.code == "database_unavailable"
    assert "s3cret" not in str(err.value) and "共享数据库" in err.value.zh


def test_the_database_url_selects_the_shared_store(postgres_url, monkeypatch, own_workspace):
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    embedded = open_store()
    assert isinstance(embedded, GpkgScenarioStore)
    assert store_location() == str(own_workspace / "scenarios.gpkg")
    monkeypatch.setenv(DATABASE_URL_ENV, postgres_url)
    try:
        shared = open_store()
        assert isinstance(shared, PostgisScenarioStore) and isinstance(shared, ScenarioStore)
        assert store_location() == postgres_url
        saved = shared.save(drawn())
        assert [i.id for i in open_store().list()] == [saved.id]
        assert embedded.list() == []
        assert shared.open(saved.id) == saved
        host, port, database = re.match(
            r"postgresql://postgres@([^:]+):(\d+)/(.+)", postgres_url
        ).groups()
        keywords = open_store(f"host={host} port={port} user=postgres dbname={database}")
        assert isinstance(keywords, PostgisScenarioStore) and keywords.list() == shared.list()
    finally:
        close_pools()


def test_an_account_that_may_only_read_lists_and_opens_but_cannot_save(pg_store, postgres_server):
    saved = pg_store.save(drawn())
    database = pg_store.url.rsplit("/", 1)[1]
    reader = f"reader_{database}"
    postgres_server.psql(f"CREATE ROLE {reader} LOGIN", database=database)
    postgres_server.psql(
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}", database=database
    )
    try:
        store = PostgisScenarioStore(pg_store.url.replace("postgres@", f"{reader}@"))
        assert store.open(saved.id) == saved and len(store.list()) == 1
        with pytest.raises(InputError) as err:
            store.save(saved.with_edit(sc.remove_parcel("PS9")))
        assert err.value.code == "database_permission"
        assert "没有相应权限" in err.value.zh and "lacks the right" in err.value.en
        assert pg_store.open(saved.id).version == 1
    finally:
        close_pools()
        postgres_server.psql(f"DROP OWNED BY {reader}", database=database)
        postgres_server.psql(f"DROP ROLE {reader}")
