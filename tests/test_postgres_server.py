"""The throwaway PostgreSQL server the store tests use is real and has PostGIS."""

import psycopg


def test_server_answers_with_postgis(postgres_url):
    with psycopg.connect(postgres_url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        area = conn.execute(
            "SELECT ST_Area(ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0))', 4547))"
        ).fetchone()[0]
    assert version.split(".")[0] == "15"
    assert area == 100.0


def test_each_test_gets_an_empty_database(postgres_url):
    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
            "AND table_name <> 'spatial_ref_sys'"
        ).fetchone()[0]
        conn.execute("CREATE TABLE probe (id int)")
    assert tables == 0


def test_restart_keeps_committed_data(postgres_server, postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v text)")
        conn.execute("INSERT INTO kept VALUES ('坪山')")
    postgres_server.restart()
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone()[0] == "坪山"
