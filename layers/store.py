"""Saving scenarios: a small store interface and its embedded GeoPackage implementation.

The UI talks to a :class:`ScenarioStore` only (list, open, save, duplicate, rename,
delete), so a server-backed store for many users can stand beside the embedded one later.

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
  saved in between), so nothing is overwritten silently.
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

from __future__ import annotations

import errno
import json
import os
import sqlite3
import struct
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote

import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from geo.errors import InputError
from geo.values import json_value
from layers.scenario import (
    EDIT_KINDS,
    Edit,
    Scenario,
    edit_from_parts,
    now_iso,
    parse_time,
    scenario_name,
)
from layers.workspace import WORKSPACE_ENV, workspace_dir

__all__ = [
    "EDITS_TABLE",
    "GEOMETRY_COLUMN",
    "GPKG_APPLICATION_ID",
    "GPKG_USER_VERSION",
    "SCENARIOS_TABLE",
    "SRS_ID",
    "STORE_FILE_NAME",
    "GpkgScenarioStore",
    "ScenarioInfo",
    "ScenarioStore",
    "default_store",
    "gpkg_geometry_blob",
    "parse_gpkg_geometry",
]

#: File name of the embedded store inside the workspace.
STORE_FILE_NAME = "scenarios.gpkg"

SCENARIOS_TABLE = "scenarios"
EDITS_TABLE = "scenario_edits"
GEOMETRY_COLUMN = "geom"
SRS_ID = 4326
#: SQLite ``application_id`` of a GeoPackage ('GPKG').
GPKG_APPLICATION_ID = 0x47504B47
#: SQLite ``user_version`` of GeoPackage 1.3.
GPKG_USER_VERSION = 10300

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


# --- interface --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioInfo:
    """What the scenario list shows: everything but the edits."""

    id: str
    name: str
    description: str
    author: str
    created_at: str
    updated_at: str
    base_id: str | None
    version: int
    edit_count: int


@runtime_checkable
class ScenarioStore(Protocol):
    """Where scenarios are kept. Every method raises :class:`InputError` on bad input."""

    def list(self) -> list[ScenarioInfo]:
        """Every scenario, most recently saved first."""
        ...

    def open(self, scenario_id: str) -> Scenario:
        """The stored scenario; its ``version`` is the stored version."""
        ...

    def save(self, scenario: Scenario, expected_version: int | None = None) -> Scenario:
        """Store ``scenario`` if the stored version is ``expected_version`` (default:
        ``scenario.version``; 0 = not stored yet); return it with the new version."""
        ...

    def delete(self, scenario_id: str, *, confirm: bool = False) -> None:
        """Delete a scenario; refused unless ``confirm`` is True."""
        ...

    def duplicate(
        self, scenario_id: str, *, name: str | None = None, author: str | None = None
    ) -> Scenario:
        """Save a copy under a new id and return it."""
        ...

    def rename(
        self, scenario_id: str, name: str, *, expected_version: int, description: str | None = None
    ) -> Scenario:
        """Change the name (and description) of a stored scenario."""
        ...


def default_store() -> GpkgScenarioStore:
    """The embedded store of the workspace: ``<workspace>/scenarios.gpkg``."""
    return GpkgScenarioStore(workspace_dir() / STORE_FILE_NAME)


# --- GeoPackage geometry encoding ---------------------------------------------------------


def gpkg_geometry_blob(geometry: BaseGeometry | None, srs_id: int = SRS_ID) -> bytes | None:
    """Encode a geometry as GeoPackage binary: ``GP`` header, envelope, then ISO WKB.

    The header (GeoPackage 1.3, §2.1.3) is the magic ``GP``, version 0, a flags byte
    (bit 0 little-endian, bits 1–3 envelope kind, bit 4 empty), the ``srs_id`` as int32,
    and the envelope ``[minx, maxx, miny, maxy]`` as doubles; empty geometries carry no
    envelope. None stays None (SQL NULL).
    """
    if geometry is None:
        return None
    wkb = shapely.to_wkb(geometry, byte_order=1, flavor="iso", output_dimension=2)
    if geometry.is_empty:
        return b"GP" + bytes([0, 0b0001_0001]) + struct.pack("<i", srs_id) + wkb
    minx, miny, maxx, maxy = geometry.bounds
    header = b"GP" + bytes([0, 0b0000_0011])
    return header + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy) + wkb


def parse_gpkg_geometry(blob: bytes | None) -> BaseGeometry | None:
    """Decode GeoPackage binary geometry (any byte order and envelope kind)."""
    if blob is None:
        return None
    data = bytes(blob)
    if len(data) < 8 or data[:2] != b"GP":
        raise InputError(
            "几何数据不是 GeoPackage 格式。", "Geometry blob is not GeoPackage binary."
        )
    flags = data[3]
    if flags & 0b0010_0000:
        raise InputError(
            "不支持扩展 GeoPackage 几何。", "Extended GeoPackage geometries are not supported."
        )
    envelope = (flags >> 1) & 0b111
    if envelope not in _ENVELOPE_BYTES:
        raise InputError("GeoPackage 几何头无效。", "Invalid GeoPackage geometry header.")
    return shapely.from_wkb(data[8 + _ENVELOPE_BYTES[envelope] :])


# --- the GeoPackage store -----------------------------------------------------------------


def _srs_rows() -> list[tuple]:
    wkt = CRS.from_epsg(4326).to_wkt("WKT1_GDAL")
    return [
        (
            "WGS 84 geodetic",
            4326,
            "EPSG",
            4326,
            wkt,
            "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
        ),
        (
            "Undefined cartesian SRS",
            -1,
            "NONE",
            -1,
            "undefined",
            "undefined cartesian coordinate reference system",
        ),
        (
            "Undefined geographic SRS",
            0,
            "NONE",
            0,
            "undefined",
            "undefined geographic coordinate reference system",
        ),
    ]


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
    srs_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL PRIMARY KEY,
    organization TEXT NOT NULL,
    organization_coordsys_id INTEGER NOT NULL,
    definition TEXT NOT NULL,
    description TEXT
);
CREATE TABLE IF NOT EXISTS gpkg_contents (
    table_name TEXT NOT NULL PRIMARY KEY,
    data_type TEXT NOT NULL,
    identifier TEXT UNIQUE,
    description TEXT DEFAULT '',
    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    min_x DOUBLE,
    min_y DOUBLE,
    max_x DOUBLE,
    max_y DOUBLE,
    srs_id INTEGER,
    CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    geometry_type_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL,
    z TINYINT NOT NULL,
    m TINYINT NOT NULL,
    CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
    CONSTRAINT uk_gc_table_name UNIQUE (table_name),
    CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE IF NOT EXISTS {SCENARIOS_TABLE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    scenario_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    author TEXT,
    created_at DATETIME,
    updated_at DATETIME,
    base_id TEXT,
    version INTEGER NOT NULL,
    edit_count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS {EDITS_TABLE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    {GEOMETRY_COLUMN} GEOMETRY,
    scenario_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    parcel_ids TEXT NOT NULL,
    attributes TEXT NOT NULL,
    author TEXT,
    created_at DATETIME,
    note TEXT,
    UNIQUE (scenario_id, seq)
);
"""


class GpkgScenarioStore:
    """Scenarios in one GeoPackage file, safe for several tabs and processes on one machine.

    Parameters
    ----------
    path : path
        The ``.gpkg`` file; created (with its folder) when missing. An existing
        GeoPackage gains the two tables; any other file is refused.
    busy_timeout_s : float
        How long a save waits for another save to finish before giving up, seconds.

    Notes
    -----
    Each call opens its own short-lived connection, so one store object can be shared
    by the threads of a web server. A store file that exists but cannot be written is
    opened read-only (:attr:`read_only`).
    """

    def __init__(self, path: str | os.PathLike, *, busy_timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self.busy_timeout_s = float(busy_timeout_s)
        #: True when the file can be read but not written: scenarios can be listed and
        #: opened, every write is refused.
        self.read_only = False
        #: How read-only connections open the file: "ro", or "immutable" when a read-only
        #: connection cannot open the write-ahead log either.
        self._ro_mode = "ro"
        #: Called inside a save transaction just before COMMIT (None normally). It lets a
        #: test stop or kill a writer at the worst moment.
        self.before_commit: Callable[[], None] | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if not self.path.is_file():
                raise InputError(
                    f"无法创建情景文件夹 {self.path.parent}：{exc.strerror}。请把环境变量 "
                    f"{WORKSPACE_ENV} 设为可写的文件夹。",
                    f"Cannot create the scenario folder {self.path.parent}: {exc.strerror}. "
                    f"Set {WORKSPACE_ENV} to a writable folder.",
                ) from exc
            self.read_only = True
        if self.read_only:
            self._open_read_only()
        else:
            self._initialise()

    # connections and transactions

    def _connect(self) -> sqlite3.Connection:
        try:
            if self.read_only:
                query = "mode=ro" if self._ro_mode == "ro" else "immutable=1"
                uri = f"file:{quote(str(self.path.resolve()))}?{query}"
                con = sqlite3.connect(
                    uri, uri=True, timeout=self.busy_timeout_s, isolation_level=None
                )
            else:
                con = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        try:
            con.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            con.close()
            raise self._error(exc) from exc
        return con

    def _error(self, exc: sqlite3.Error | OSError) -> InputError:
        """A bilingual message for a failure of SQLite or of the disk: what happened and
        what to do. The exception's own text names no server path, so it may be shown."""
        text = exc.strerror if isinstance(exc, OSError) else str(exc)
        if _is_disk_full(exc):
            return InputError(
                "磁盘空间已满，情景未保存。请清理工作区所在磁盘的空间后再保存；已保存的情景不受影响。",
                "The disk is full; the scenario was not saved. Free space on the workspace's "
                "disk and save again; scenarios saved before are unaffected.",
                source=self.path.name,
            )
        if "locked" in text or "busy" in text:
            return InputError(
                "情景文件正被另一个保存占用，请稍后再试。",
                "The scenario file is busy with another save; try again in a moment.",
                source=self.path.name,
            )
        if "not a database" in text or "malformed" in text:
            return InputError(
                "情景文件不是有效的 GeoPackage/SQLite 文件，或已损坏。请换一个工作区文件。",
                "The scenario file is not a valid GeoPackage/SQLite file or is damaged; use "
                "another workspace file.",
                source=self.path.name,
            )
        if _is_unwritable(exc):
            return self._read_only_error()
        return InputError(
            f"读写情景文件失败：{text}。请稍后再试；问题持续时请检查工作区所在磁盘。",
            f"Reading/writing the scenario file failed: {text}. Try again; if it keeps "
            "failing, check the workspace's disk.",
            source=self.path.name,
        )

    def _read_only_error(self) -> InputError:
        return InputError(
            f"情景文件只能读取、不能写入：可以查看和打开情景，但不能保存、重命名或删除。"
            f"请把环境变量 {WORKSPACE_ENV} 设为可写的文件夹，或检查文件权限。",
            "The scenario file can be read but not written: scenarios can be listed and "
            f"opened, not saved, renamed or deleted. Set {WORKSPACE_ENV} to a writable "
            "folder, or check the file's permissions.",
            source=self.path.name,
        )

    def _check_writable(self) -> None:
        """Refuse a write before it starts when the store is read-only."""
        if self.read_only:
            raise self._read_only_error()

    @contextmanager
    def _transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back on any exception.

        ``IMMEDIATE`` takes the write lock at once, so the version check and the write
        that follows cannot interleave with another writer; ``DEFERRED`` is a read
        transaction that sees one committed state (a scenario row and its edits agree).
        """
        con = self._connect()
        try:
            con.execute(f"BEGIN {mode}")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        except (sqlite3.Error, OSError) as exc:
            raise self._error(exc) from exc
        finally:
            # Closing with a transaction still open (a failed COMMIT) rolls it back.
            con.close()

    def _initialise(self) -> None:
        """Create or check the tables; fall back to read-only when the file exists but
        cannot be written (the write probe, or the creation, is refused)."""
        try:
            self._initialise_writable()
        except InputError as exc:
            cause = exc.__cause__
            if not (cause is not None and _is_unwritable(cause) and self.path.is_file()):
                raise
            self._open_read_only()

    def _open_read_only(self) -> None:
        """Switch to read-only connections and check that the file holds a store."""
        self.read_only = True
        for mode in ("ro", "immutable"):
            self._ro_mode = mode
            try:
                with self._transaction("DEFERRED") as con:
                    app_id = con.execute("PRAGMA application_id").fetchone()[0]
                    has_tables = con.execute(
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                        "AND name IN (?, ?)",
                        (SCENARIOS_TABLE, EDITS_TABLE),
                    ).fetchone()[0]
            except InputError as exc:
                cause = exc.__cause__
                if mode == "ro" and cause is not None and _is_unwritable(cause):
                    continue  # the WAL index cannot be created: read the file as it is
                raise
            break
        if app_id != GPKG_APPLICATION_ID or has_tables != 2:
            raise InputError(
                "情景文件不能写入，且其中还没有情景表，无法使用。请把环境变量 "
                f"{WORKSPACE_ENV} 设为可写的文件夹。",
                "The scenario file cannot be written and holds no scenario tables yet; set "
                f"{WORKSPACE_ENV} to a writable folder.",
                source=self.path.name,
            )

    def _probe_write(self, con: sqlite3.Connection) -> None:
        """Take and release the write lock: refused at once when the file (or its folder,
        for the write-ahead log) cannot be written. A lock held by another save is not a
        refusal; that save's end is not waited for here."""
        con.execute("PRAGMA busy_timeout = 0")
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return
            raise
        con.execute("ROLLBACK")

    def _initialise_writable(self) -> None:
        con = self._connect()
        try:
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables and app_id != GPKG_APPLICATION_ID:
                raise InputError(
                    "该文件不是 GeoPackage，不能用来保存情景。请选择 .gpkg 文件或新的文件名。",
                    "The file is not a GeoPackage and cannot hold scenarios; choose a .gpkg "
                    "file or a new file name.",
                    source=self.path.name,
                )
            if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                con.execute("PRAGMA journal_mode = WAL")
            registered = (
                con.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                    ("gpkg_contents",),
                ).fetchone()[0]
                and con.execute(
                    "SELECT count(*) FROM gpkg_contents WHERE table_name IN (?, ?)",
                    (SCENARIOS_TABLE, EDITS_TABLE),
                ).fetchone()[0]
                == 2
            )
            if registered and app_id == GPKG_APPLICATION_ID:
                self._probe_write(con)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        finally:
            con.close()
        if registered and app_id == GPKG_APPLICATION_ID:
            return
        with self._transaction() as con:
            # Two processes may create the file at once: every statement is idempotent.
            con.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
            con.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            con.execute(
                f"CREATE INDEX IF NOT EXISTS {EDITS_TABLE}_scenario "
                f"ON {EDITS_TABLE} (scenario_id, seq)"
            )
            con.executemany(
                "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
                _srs_rows(),
            )
            stamp = now_iso()
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                "description, last_change, srs_id) VALUES (?, 'attributes', ?, ?, ?, NULL)",
                (SCENARIOS_TABLE, SCENARIOS_TABLE, "情景 scenarios", stamp),
            )
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                "description, last_change, srs_id) VALUES (?, 'features', ?, ?, ?, ?)",
                (EDITS_TABLE, EDITS_TABLE, "情景编辑 scenario edits", stamp, SRS_ID),
            )
            con.execute(
                "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?, ?, 'GEOMETRY', ?, 0, 0)",
                (EDITS_TABLE, GEOMETRY_COLUMN, SRS_ID),
            )

    # reading

    def list(self) -> list[ScenarioInfo]:
        """Every scenario, most recently saved first."""
        with self._transaction("DEFERRED") as con:
            rows = con.execute(
                f"SELECT scenario_id, name, description, author, created_at, updated_at, "
                f"base_id, version, edit_count FROM {SCENARIOS_TABLE} "
                f"ORDER BY updated_at DESC, name"
            ).fetchall()
        return [
            ScenarioInfo(
                r[0],
                r[1],
                r[2] or "",
                r[3] or "",
                r[4] or "",
                r[5] or "",
                r[6],
                int(r[7]),
                int(r[8]),
            )
            for r in rows
        ]

    def exists(self, scenario_id: str) -> bool:
        with self._transaction("DEFERRED") as con:
            return self._version(con, scenario_id) is not None

    def open(self, scenario_id: str) -> Scenario:
        """The stored scenario with its edits; :class:`InputError` if there is none."""
        with self._transaction("DEFERRED") as con:
            row = con.execute(
                f"SELECT scenario_id, name, description, author, created_at, updated_at, "
                f"base_id, version FROM {SCENARIOS_TABLE} WHERE scenario_id = ?",
                (str(scenario_id),),
            ).fetchone()
            if row is None:
                raise self._not_found(scenario_id)
            edits = con.execute(
                f"SELECT seq, kind, parcel_ids, attributes, {GEOMETRY_COLUMN}, author, "
                f"created_at, note FROM {EDITS_TABLE} WHERE scenario_id = ? ORDER BY seq",
                (str(scenario_id),),
            ).fetchall()
        return Scenario(
            id=row[0],
            name=row[1],
            description=row[2] or "",
            author=row[3] or "",
            created_at=row[4] or "",
            updated_at=row[5] or "",
            base_id=row[6],
            version=int(row[7]),
            edits=tuple(self._edit(row[1], e) for e in edits),
        )

    def _edit(self, name: str, record: tuple) -> Edit:
        seq, kind, ids, attrs, blob, author, created_at, note = record
        try:
            parcel_ids = json.loads(ids)
            attributes = json.loads(attrs)
            geometry = parse_gpkg_geometry(blob)
            if geometry is not None and geometry.is_empty:
                geometry = None
            return edit_from_parts(
                kind,
                parcel_ids,
                attributes,
                geometry,
                created_at=created_at,
                author=author or "",
                note=note or "",
            )
        except (json.JSONDecodeError, TypeError, shapely.errors.GEOSException, InputError) as exc:
            raise InputError(
                f"情景「{name}」第 {seq + 1} 项编辑已损坏（可能在其他软件中被修改）：{exc}",
                f"Edit #{seq + 1} of scenario '{name}' is damaged (edited in another "
                f"program?): {exc}",
                source=self.path.name,
            ) from exc

    def _not_found(self, scenario_id: str) -> InputError:
        return InputError(
            f"找不到情景 {scenario_id}（可能已被删除）。",
            f"Scenario {scenario_id} not found (it may have been deleted).",
            source=self.path.name,
        )

    @staticmethod
    def _version(con: sqlite3.Connection, scenario_id: str) -> int | None:
        row = con.execute(
            f"SELECT version FROM {SCENARIOS_TABLE} WHERE scenario_id = ?", (str(scenario_id),)
        ).fetchone()
        return None if row is None else int(row[0])

    # writing

    def save(self, scenario: Scenario, expected_version: int | None = None) -> Scenario:
        """Store the scenario in one transaction if nobody saved it in between.

        Parameters
        ----------
        scenario : Scenario
        expected_version : int, optional
            The stored version the caller's copy is based on: ``scenario.version`` by
            default, 0 for a scenario never saved.

        Returns
        -------
        Scenario
            The scenario as stored: ``version`` = expected + 1, ``updated_at`` = now.

        Raises
        ------
        InputError
            ``情景已被其他人修改（当前版本 N）…`` when the stored version differs; when
            the scenario was deleted meanwhile; when its base scenario is not in this
            store or the bases would form a cycle; when the file is busy for longer than
            the busy timeout.
        """
        if not isinstance(scenario, Scenario):
            raise InputError("只能保存 Scenario 情景。", "Only Scenario objects can be saved.")
        self._check_writable()
        expected = scenario.version if expected_version is None else int(expected_version)
        name = scenario_name(scenario.name)
        # Encoding happens before the lock is taken, so the lock is held only for the write.
        rows = [_edit_row(scenario.id, seq, edit) for seq, edit in enumerate(scenario.edits)]
        stamp = now_iso()
        with self._transaction() as con:
            current = self._version(con, scenario.id)
            if current is None and expected > 0:
                raise InputError(
                    f"情景「{name}」已被删除，无法按版本 {expected} 保存。可用“另存为”保存为新情景。",
                    f"Scenario '{name}' was deleted; it cannot be saved as version {expected}. "
                    "Save it as a new scenario instead.",
                )
            if current is not None and expected == 0:
                raise InputError(
                    f"工作区中已有同一编号的情景（版本 {current}），未保存。导入时请选择生成新编号。",
                    f"A scenario with this id is already stored (version {current}); not saved. "
                    "Import it with a new id instead.",
                    source=self.path.name,
                )
            if (current or 0) != expected:
                raise InputError(
                    f"情景已被其他人修改（当前版本 {current}），未保存：你的修改基于版本 "
                    f"{expected}。请重新打开情景，再做修改。",
                    f"The scenario was changed by someone else (stored version {current}); not "
                    f"saved: your changes are based on version {expected}. Reopen it and make "
                    "your changes again.",
                )
            self._check_base(con, scenario)
            version = expected + 1
            created = parse_time(scenario.created_at) if scenario.created_at else stamp
            if current is None:
                con.execute(
                    f"INSERT INTO {SCENARIOS_TABLE} (scenario_id, name, description, author, "
                    f"created_at, updated_at, base_id, version, edit_count) "
                    f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        scenario.id,
                        name,
                        scenario.description,
                        scenario.author,
                        created,
                        stamp,
                        scenario.base_id,
                        version,
                        len(rows),
                    ),
                )
            else:
                con.execute(
                    f"UPDATE {SCENARIOS_TABLE} SET name = ?, description = ?, author = ?, "
                    f"updated_at = ?, base_id = ?, version = ?, edit_count = ? "
                    f"WHERE scenario_id = ?",
                    (
                        name,
                        scenario.description,
                        scenario.author,
                        stamp,
                        scenario.base_id,
                        version,
                        len(rows),
                        scenario.id,
                    ),
                )
                con.execute(f"DELETE FROM {EDITS_TABLE} WHERE scenario_id = ?", (scenario.id,))
            con.executemany(
                f"INSERT INTO {EDITS_TABLE} (scenario_id, seq, kind, parcel_ids, attributes, "
                f"{GEOMETRY_COLUMN}, author, created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._touch(con, stamp)
            if self.before_commit is not None:
                self.before_commit()
        return replace(scenario, name=name, version=version, updated_at=stamp, created_at=created)

    def _check_base(self, con: sqlite3.Connection, scenario: Scenario) -> None:
        base_id = scenario.base_id
        seen = {scenario.id}
        while base_id is not None:
            if base_id in seen:
                raise InputError(
                    f"情景「{scenario.name}」的基础情景形成循环，未保存。",
                    f"The bases of scenario '{scenario.name}' form a cycle; not saved.",
                )
            seen.add(base_id)
            row = con.execute(
                f"SELECT base_id FROM {SCENARIOS_TABLE} WHERE scenario_id = ?", (base_id,)
            ).fetchone()
            if row is None:
                raise InputError(
                    f"情景「{scenario.name}」的基础情景 {base_id} 不在本工作区，未保存。"
                    "请先导入或保存基础情景。",
                    f"The base scenario {base_id} of '{scenario.name}' is not in this "
                    "workspace; not saved. Import or save the base first.",
                    source=self.path.name,
                )
            base_id = row[0]

    @staticmethod
    def _touch(con: sqlite3.Connection, stamp: str) -> None:
        con.execute(
            "UPDATE gpkg_contents SET last_change = ? WHERE table_name IN (?, ?)",
            (stamp, SCENARIOS_TABLE, EDITS_TABLE),
        )

    def delete(self, scenario_id: str, *, confirm: bool = False) -> None:
        """Delete a scenario and its edits.

        Raises
        ------
        InputError
            Without ``confirm=True`` (ask the user first); when no such scenario exists;
            when other scenarios build on it (they are named).
        """
        if confirm is not True:
            raise InputError(
                "删除情景需要确认：删除后无法恢复。",
                "Deleting a scenario needs confirmation: it cannot be undone.",
            )
        self._check_writable()
        with self._transaction() as con:
            if self._version(con, scenario_id) is None:
                raise self._not_found(scenario_id)
            children = [
                r[0]
                for r in con.execute(
                    f"SELECT name FROM {SCENARIOS_TABLE} WHERE base_id = ? ORDER BY name",
                    (str(scenario_id),),
                )
            ]
            if children:
                raise InputError(
                    f"情景 {'、'.join(children)} 建立在该情景之上，请先删除它们或改换其基础。",
                    f"Scenario(s) {', '.join(children)} build on this one; delete them or "
                    "change their base first.",
                )
            con.execute(f"DELETE FROM {EDITS_TABLE} WHERE scenario_id = ?", (str(scenario_id),))
            con.execute(f"DELETE FROM {SCENARIOS_TABLE} WHERE scenario_id = ?", (str(scenario_id),))
            self._touch(con, now_iso())

    def duplicate(
        self, scenario_id: str, *, name: str | None = None, author: str | None = None
    ) -> Scenario:
        """Save a copy (new id, version 1, same base and edits) and return it.

        The copy is named ``name`` or ``<name>（副本）``; ``author`` defaults to the original's.
        """
        self._check_writable()
        original = self.open(scenario_id)
        return self.save_as_new(
            original,
            name=name if name is not None else f"{original.name}（副本）",
            author=author,
        )

    def save_as_new(
        self, scenario: Scenario, *, name: str | None = None, author: str | None = None
    ) -> Scenario:
        """Save ``scenario`` (its base and edits) under a new id as version 1 and return it:
        "save as", e.g. for a working copy whose stored scenario was deleted meanwhile.
        ``name`` and ``author`` default to the scenario's."""
        stamp = now_iso()
        copy = replace(
            scenario,
            id=str(uuid.uuid4()),
            name=scenario_name(scenario.name if name is None else name),
            author=scenario.author if author is None else str(author),
            created_at=stamp,
            updated_at=stamp,
            version=0,
        )
        return self.save(copy, 0)

    def rename(
        self, scenario_id: str, name: str, *, expected_version: int, description: str | None = None
    ) -> Scenario:
        """Change name (and description) of a stored scenario; version-checked like save."""
        self._check_writable()
        current = self.open(scenario_id)
        return self.save(current.with_details(name=name, description=description), expected_version)


def _is_disk_full(exc: BaseException) -> bool:
    """A full disk: ``ENOSPC``, or SQLite's "database or disk is full"."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return "disk is full" in str(exc) or "SQLITE_FULL" in str(exc)


def _is_unwritable(exc: BaseException) -> bool:
    """The file or its folder cannot be written (permissions, read-only file system)."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    text = str(exc)
    return any(
        part in text for part in ("readonly database", "read-only", "unable to open database file")
    )


def _edit_row(scenario_id: str, seq: int, edit: Edit) -> tuple:
    if edit.kind not in EDIT_KINDS:
        raise InputError(f"未知的编辑类型「{edit.kind}」。", f"Unknown edit kind '{edit.kind}'.")
    return (
        scenario_id,
        seq,
        edit.kind,
        json.dumps(list(edit.parcel_ids), ensure_ascii=False),
        _json(edit.attributes),
        gpkg_geometry_blob(edit.geometry),
        edit.author,
        # GeoPackage DATETIME is exactly YYYY-MM-DDTHH:MM:SS.SSSZ, the form GDAL and QGIS read.
        parse_time(edit.created_at, "编辑时间 created_at") if edit.created_at else None,
        edit.note,
    )


def _json(value: Any) -> str:
    return json.dumps(json_value(value), ensure_ascii=False, allow_nan=False, sort_keys=True)
