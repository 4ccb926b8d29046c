"""The embedded store: every scenario of a workspace in one GeoPackage file.

Method: :class:`GpkgScenarioStore` writes the file with :mod:`sqlite3` directly, one short
connection per call. A save is one ``BEGIN IMMEDIATE`` transaction that checks the stored
version (optimistic versions: a stale copy is refused), replaces the scenario row and all
its edit rows, and commits; reads run in one read transaction. The journal is WAL with
``synchronous=FULL``. A file that exists but cannot be written (write probe refused) is
opened read-only (``mode=ro``, else ``immutable=1``) and every write is refused before it
starts. Failures become bilingual messages (:mod:`layers.store._errors`); geometries and
tables follow :mod:`layers.store._gpkg_format`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from geo.errors import InputError
from layers.scenario import Edit, Scenario, now_iso, parse_time, scenario_name
from layers.store._copies import CopyingStore
from layers.store._errors import _failure, _is_unwritable, _read_only_failure
from layers.store._gpkg_format import (
    _SCHEMA,
    BASE_DATA_TABLE,
    EDITS_TABLE,
    GEOMETRY_COLUMN,
    GPKG_APPLICATION_ID,
    GPKG_USER_VERSION,
    SCENARIOS_TABLE,
    SRS_ID,
    _srs_rows,
    gpkg_geometry_blob,
    parse_gpkg_geometry,
)
from layers.store._interface import BaseDataVersion, ScenarioInfo
from layers.store._names import unique_scenario_name
from layers.store._rules import (
    MISSING,
    base_data_name,
    base_data_taken,
    check_bases,
    check_confirmed,
    check_no_children,
    check_scenario,
    check_version,
    edit_from_row,
    edit_parts,
    not_found,
    recorded_base_data,
    scenario_from_row,
)
from layers.workspace import WORKSPACE_ENV, workspace_dir

__all__ = [
    "STORE_FILE_NAME",
    "GpkgScenarioStore",
    "default_store",
]


#: File name of the embedded store inside the workspace.
STORE_FILE_NAME = "scenarios.gpkg"


def default_store() -> GpkgScenarioStore:
    """The embedded store of the workspace: ``<workspace>/scenarios.gpkg``."""
    return GpkgScenarioStore(workspace_dir() / STORE_FILE_NAME)


class GpkgScenarioStore(CopyingStore):
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
        #: The file has the base-data version column and table (a file written before
        #: they existed gains them when opened writable; read-only it is read without).
        self._versioned = True
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
        what to do (:func:`~layers.store._errors._failure`)."""
        return _failure(exc, self.path.name)

    def _read_only_error(self) -> InputError:
        return _read_only_failure(self.path.name)

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
                    self._versioned = _has_base_data(con)
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
                    "SELECT count(*) FROM gpkg_contents WHERE table_name IN (?, ?, ?)",
                    (SCENARIOS_TABLE, EDITS_TABLE, BASE_DATA_TABLE),
                ).fetchone()[0]
                == 3
                and _has_base_data(con)
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
            if not _has_base_data(con):  # a file written before base-data versions
                con.execute(f"ALTER TABLE {SCENARIOS_TABLE} ADD COLUMN base_data_version TEXT")
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
                "description, last_change, srs_id) VALUES (?, 'attributes', ?, ?, ?, NULL)",
                (BASE_DATA_TABLE, BASE_DATA_TABLE, "基础数据版本 base-data versions", stamp),
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
                f"base_id, version, edit_count, {self._base_data_column} FROM {SCENARIOS_TABLE} "
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
                r[9],
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
                f"base_id, version, {self._base_data_column} FROM {SCENARIOS_TABLE} "
                "WHERE scenario_id = ?",
                (str(scenario_id),),
            ).fetchone()
            if row is None:
                raise self._not_found(scenario_id)
            edits = con.execute(
                f"SELECT seq, kind, parcel_ids, attributes, {GEOMETRY_COLUMN}, author, "
                f"created_at, note FROM {EDITS_TABLE} WHERE scenario_id = ? ORDER BY seq",
                (str(scenario_id),),
            ).fetchall()
        return scenario_from_row(row, tuple(self._edit(row[1], e) for e in edits))

    def _edit(self, name: str, record: tuple) -> Edit:
        return edit_from_row(name, record[0], record[1:], parse_gpkg_geometry, self.path.name)

    def _not_found(self, scenario_id: str) -> InputError:
        return not_found(scenario_id, self.path.name)

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
            The scenario as stored: ``version`` = expected + 1, ``updated_at`` = now,
            every edit saved (``saved_edit_count``), each with its own author and time.
            Its ``name`` is made unique in the store (:func:`unique_scenario_name`,
            ``名称 (2)``) when the scenario is new or renamed to a name another scenario
            has; read the name from the result.

        Raises
        ------
        InputError
            ``情景已被其他人修改（当前版本 N）…`` (``code`` :data:`VERSION_CONFLICT`) when
            the stored version differs: keep the copy, :func:`layers.scenario.rebase` it
            on :meth:`open`'s newest version and save the result, or :meth:`save_as_new`;
            when the scenario was deleted meanwhile (``code`` :data:`SCENARIO_DELETED`);
            when its base scenario is not in this store or the bases would form a cycle;
            when the file is busy for longer than the busy timeout.
        """
        check_scenario(scenario)
        self._check_writable()
        expected = scenario.version if expected_version is None else int(expected_version)
        name = scenario_name(scenario.name)
        # Encoding happens before the lock is taken, so the lock is held only for the write.
        rows = [_edit_row(scenario.id, seq, edit) for seq, edit in enumerate(scenario.edits)]
        stamp = now_iso()
        with self._transaction() as con:
            current = self._version(con, scenario.id)
            check_version(current, expected, name, self.path.name)
            self._check_base(con, scenario)
            stored_name = con.execute(
                f"SELECT name FROM {SCENARIOS_TABLE} WHERE scenario_id = ?", (scenario.id,)
            ).fetchone()
            if stored_name is None or stored_name[0] != name:
                taken = [
                    r[0]
                    for r in con.execute(
                        f"SELECT name FROM {SCENARIOS_TABLE} WHERE scenario_id != ?",
                        (scenario.id,),
                    )
                ]
                name = unique_scenario_name(name, taken)
            version = expected + 1
            created = parse_time(scenario.created_at) if scenario.created_at else stamp
            base_data = recorded_base_data(scenario, current is None, self._newest(con))
            if current is None:
                con.execute(
                    f"INSERT INTO {SCENARIOS_TABLE} (scenario_id, name, description, author, "
                    f"created_at, updated_at, base_id, version, edit_count, base_data_version) "
                    f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                        base_data,
                    ),
                )
            else:
                con.execute(
                    f"UPDATE {SCENARIOS_TABLE} SET name = ?, description = ?, author = ?, "
                    f"updated_at = ?, base_id = ?, version = ?, edit_count = ?, "
                    f"base_data_version = ? WHERE scenario_id = ?",
                    (
                        name,
                        scenario.description,
                        scenario.author,
                        stamp,
                        scenario.base_id,
                        version,
                        len(rows),
                        base_data,
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
        return replace(
            scenario, name=name, updated_at=stamp, created_at=created, base_data_version=base_data
        ).with_saved(version)

    @property
    def _base_data_column(self) -> str:
        return "base_data_version" if self._versioned else "NULL"

    def _newest(self, con: sqlite3.Connection) -> str | None:
        row = con.execute(
            f"SELECT name FROM {BASE_DATA_TABLE} ORDER BY recorded_at DESC, fid DESC LIMIT 1"
        ).fetchone()
        return None if row is None else row[0]

    # base-data versions

    def record_base_data(self, name: str, content_id: str, *, author: str = "") -> BaseDataVersion:
        """Record an import of base layers as the newest named version (e.g. "2025 年现状调查");
        scenarios saved for the first time from now on are built on it. A name already
        recorded is refused."""
        name = base_data_name(name)
        self._check_writable()
        recorded = BaseDataVersion(name, str(content_id), now_iso(), str(author))
        with self._transaction() as con:
            taken = con.execute(
                f"SELECT 1 FROM {BASE_DATA_TABLE} WHERE name = ?", (name,)
            ).fetchone()
            if taken:
                raise base_data_taken(name)
            con.execute(
                f"INSERT INTO {BASE_DATA_TABLE} (name, content_id, recorded_at, author) "
                "VALUES (?, ?, ?, ?)",
                (recorded.name, recorded.content_id, recorded.recorded_at, recorded.author),
            )
        return recorded

    def base_data_versions(self) -> list[BaseDataVersion]:
        """Every recorded base-data version, newest first."""
        if not self._versioned:
            return []
        with self._transaction("DEFERRED") as con:
            rows = con.execute(
                f"SELECT name, content_id, recorded_at, author FROM {BASE_DATA_TABLE} "
                "ORDER BY recorded_at DESC, fid DESC"
            ).fetchall()
        return [BaseDataVersion(r[0], r[1], r[2], r[3] or "") for r in rows]

    def _check_base(self, con: sqlite3.Connection, scenario: Scenario) -> None:
        def stored_base_of(scenario_id: str) -> object:
            row = con.execute(
                f"SELECT base_id FROM {SCENARIOS_TABLE} WHERE scenario_id = ?", (scenario_id,)
            ).fetchone()
            return MISSING if row is None else row[0]

        check_bases(scenario, stored_base_of, self.path.name)

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
        check_confirmed(confirm)
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
            check_no_children(children)
            con.execute(f"DELETE FROM {EDITS_TABLE} WHERE scenario_id = ?", (str(scenario_id),))
            con.execute(f"DELETE FROM {SCENARIOS_TABLE} WHERE scenario_id = ?", (str(scenario_id),))
            self._touch(con, now_iso())


def _edit_row(scenario_id: str, seq: int, edit: Edit) -> tuple:
    kind, ids, attributes, author, created_at, note = edit_parts(edit)
    return (
        scenario_id,
        seq,
        kind,
        ids,
        attributes,
        gpkg_geometry_blob(edit.geometry),
        author,
        created_at,
        note,
    )


def _has_base_data(con: sqlite3.Connection) -> bool:
    """The file has the base-data version column on scenarios and the versions table."""
    columns = {row[1] for row in con.execute(f"PRAGMA table_info({SCENARIOS_TABLE})")}
    table = con.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (BASE_DATA_TABLE,)
    ).fetchone()[0]
    return "base_data_version" in columns and bool(table)
