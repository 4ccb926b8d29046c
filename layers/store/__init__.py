"""Saving scenarios: a small store interface, its embedded GeoPackage implementation and the
shared PostGIS one.

The UI talks to a :class:`ScenarioStore` only (list, open, save, duplicate, rename,
delete) and obtains it from :func:`open_store`: :class:`PostgisScenarioStore` when
``$LANDPLAN_DATABASE_URL`` names a PostgreSQL + PostGIS database (the same two tables,
geometry in ``geometry(Geometry, 4326)`` with a GiST index, schema made by versioned
migrations at first use; several app servers share it), else the embedded GeoPackage.
Both apply the same rules (versions, names, bases, deletion: :mod:`layers.store._rules`).

Base-data versions: an administrator's import of base layers is recorded under a name
(:meth:`~ScenarioStore.record_base_data`, table ``base_data_versions``); a scenario saved
for the first time records the newest one (``scenarios.base_data_version``), and
:func:`outdated_edits` lists the edits of a scenario built on an older version that no
longer apply to the current layers.

:class:`GpkgScenarioStore` keeps every scenario of a workspace in one GeoPackage file
(default ``<workspace>/scenarios.gpkg``; the workspace folder is ``$LANDPLAN_WORKSPACE`` or
``./workspace``). A GeoPackage is an SQLite database with a few system tables, so the store
writes it with :mod:`sqlite3` directly, and QGIS or GDAL open it as two layers:

``scenarios`` (attribute table)
    One row per scenario: ``scenario_id``, ``name``, ``description``, ``author``,
    ``created_at``, ``updated_at``, ``base_id``, ``version``, ``edit_count``.
``scenario_edits`` (features, EPSG:4326)
    One row per edit: ``scenario_id``, ``seq`` (0-based order), ``kind``, ``parcel_ids``
    and ``attributes`` (JSON text), ``author``, ``created_at``, ``note``, and ``geom`` —
    the drawn polygon or cutting line, empty for other edits — as GeoPackage binary
    geometry (:func:`gpkg_geometry_blob`).

Safety
------
* **One transaction per save.** A save takes the write lock first (``BEGIN IMMEDIATE``),
  checks the version, replaces the scenario's row and all its edit rows and commits; any
  error rolls it all back. A reader never sees half a scenario: reads run in one read
  transaction too.
* **Optimistic versions.** Every scenario carries the version it was read at; a save
  whose expected version is not the stored one is refused (another tab or colleague
  saved in between; ``InputError.code`` :data:`VERSION_CONFLICT`), so nothing is
  overwritten silently. The refused copy keeps the planner's work: recipe —
  ``newest = store.open(mine.id)``; ``r = rebase(mine, newest, mine.version, base)``
  (:func:`layers.scenario.rebase`) replays the unsaved edits on the newest version and
  lists those that no longer apply; ``store.save(r.scenario)`` is then accepted. Or
  ``store.save_as_new(mine)`` keeps the copy as a scenario of its own.
* **Unique names.** A scenario saved new (created, duplicated, imported) or renamed to a
  name another scenario has is named ``名称 (2)``, ``名称 (3)`` … in the same transaction
  (:func:`unique_scenario_name`); :meth:`GpkgScenarioStore.list` shows each scenario's
  stored ``version`` and ``edit_count``.
* **Journal: WAL.** With write-ahead logging a writer appends to ``scenarios.gpkg-wal``
  and readers keep reading the last committed state, so listing and opening scenarios
  never waits for a save, and a save waits only for another save (busy timeout, default
  10 s). A writer killed mid-save leaves uncommitted frames that the next connection
  ignores, so the last good version is what everyone sees. ``synchronous=FULL`` makes a
  committed save survive a power cut too. WAL needs shared memory between the processes
  using the file, so the workspace must be on a local disk, not a network share; several
  users on several machines are what a server-backed store is for.

Failures
--------
Every failure is a bilingual :class:`InputError` saying what to do, never a raw
``sqlite3`` error: a busy file (another save holds the lock longer than the busy
timeout), a full disk, a damaged file, a file or folder that cannot be written.
A store that exists but cannot be written (read-only folder or file system, or a write
probe at start refused) is opened **read-only**: :attr:`GpkgScenarioStore.read_only` is
True, every connection is a ``mode=ro`` SQLite connection (``immutable=1`` when even
that cannot open the write-ahead log), listing and opening scenarios work, and every
write is refused with a message before it starts.
"""

from layers.store._base_data import outdated_edits
from layers.store._gpkg import STORE_FILE_NAME, GpkgScenarioStore, default_store
from layers.store._gpkg_format import (
    BASE_DATA_TABLE,
    EDITS_TABLE,
    GEOMETRY_COLUMN,
    GPKG_APPLICATION_ID,
    GPKG_USER_VERSION,
    SCENARIOS_TABLE,
    SRS_ID,
    gpkg_geometry_blob,
    parse_gpkg_geometry,
)
from layers.store._interface import BaseDataVersion, ScenarioInfo, ScenarioStore
from layers.store._names import SCENARIO_DELETED, VERSION_CONFLICT, unique_scenario_name
from layers.store._open import open_store, store_location
from layers.store._postgis import PostgisScenarioStore

__all__ = [
    "BASE_DATA_TABLE",
    "EDITS_TABLE",
    "GEOMETRY_COLUMN",
    "GPKG_APPLICATION_ID",
    "GPKG_USER_VERSION",
    "SCENARIOS_TABLE",
    "SCENARIO_DELETED",
    "SRS_ID",
    "STORE_FILE_NAME",
    "VERSION_CONFLICT",
    "BaseDataVersion",
    "GpkgScenarioStore",
    "PostgisScenarioStore",
    "ScenarioInfo",
    "ScenarioStore",
    "default_store",
    "gpkg_geometry_blob",
    "open_store",
    "outdated_edits",
    "parse_gpkg_geometry",
    "store_location",
    "unique_scenario_name",
]
