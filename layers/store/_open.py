"""Which store a deployment uses: the shared PostGIS database when one is configured, else
the embedded GeoPackage of the workspace.

Method: ``$LANDPLAN_DATABASE_URL`` set (:func:`layers.database.database_url`) selects
:class:`~layers.store._postgis.PostgisScenarioStore` on that database; unset, the
workspace's ``scenarios.gpkg`` (:func:`~layers.store._gpkg.default_store`). Callers see the
:class:`~layers.store._interface.ScenarioStore` protocol only.
"""

from __future__ import annotations

import re

from layers.database import database_url
from layers.store._gpkg import GpkgScenarioStore, default_store
from layers.store._interface import ScenarioStore
from layers.store._postgis import PostgisScenarioStore

__all__ = ["open_store", "store_location"]

_CONNINFO = re.compile(r"^\s*[a-z_]+\s*=")


def store_location() -> str:
    """Where :func:`open_store` keeps scenarios: the database URL or the GeoPackage path
    (a cache key; may hold a password, never shown)."""
    return database_url() or str(default_store().path)


def _is_database(location: str) -> bool:
    """``location`` names a database: a ``postgresql://`` / ``postgres://`` URL or a libpq
    key/value string (``host=db dbname=landplan``), not a file path."""
    return location.startswith(("postgresql://", "postgres://")) or bool(_CONNINFO.match(location))


def open_store(location: str | None = None) -> ScenarioStore:
    """The store at ``location`` (default :func:`store_location`): a database
    (:func:`_is_database`) opens the shared PostGIS store, anything else a GeoPackage file."""
    where = store_location() if location is None else str(location)
    if _is_database(where):
        return PostgisScenarioStore(where)
    return GpkgScenarioStore(where)
