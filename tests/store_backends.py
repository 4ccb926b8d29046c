"""Stores of every backend for the tests: the ``store`` fixture (tests/conftest.py) is a
GeoPackage store and a PostGIS store (on a fresh database of the throwaway server), so one
test checks both."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pyogrio
import pytest

from layers.database import close_pools
from layers.store import EDITS_TABLE, GEOMETRY_COLUMN, GpkgScenarioStore, PostgisScenarioStore

BACKENDS = ("gpkg", "postgis")


def make_store(kind: str, request: pytest.FixtureRequest, folder: Path):
    """A new, empty store of ``kind``; a PostGIS one closes its pools when the test ends."""
    if kind == "gpkg":
        return GpkgScenarioStore(folder / "ws" / "scenarios.gpkg")
    url = request.getfixturevalue("postgres_url")
    request.addfinalizer(close_pools)  # before the database is dropped
    return PostgisScenarioStore(url)


def location(store) -> str:
    """What :func:`layers.store.open_store` opens the same store from (path or URL)."""
    return store.url if isinstance(store, PostgisScenarioStore) else str(store.path)


def stored_edit_kinds(store) -> list[str]:
    """The ``kind`` column of every stored edit in order, read the way GIS software reads
    the layer: GDAL on the GeoPackage, plain SQL on PostGIS."""
    if isinstance(store, GpkgScenarioStore):
        edits = pyogrio.read_dataframe(store.path, layer=EDITS_TABLE)
        return edits["kind"].tolist()
    with psycopg.connect(store.url) as conn:
        rows = conn.execute(
            f"SELECT kind, {GEOMETRY_COLUMN} FROM {EDITS_TABLE} ORDER BY scenario_id, seq"
        ).fetchall()
    return [kind for kind, _ in rows]
