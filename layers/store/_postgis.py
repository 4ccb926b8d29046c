"""The shared store: every scenario of a team in PostgreSQL + PostGIS.

Method: :class:`PostgisScenarioStore` keeps the same two tables as the GeoPackage store —
``scenarios`` (one row per scenario) and ``scenario_edits`` (one row per edit, the drawn
polygon or cutting line in a ``geometry(Geometry, 4326)`` column with a GiST index) — so
QGIS and other GIS read them directly as a PostGIS layer. The schema is created at first
use by versioned migration steps (:func:`layers.database.migrate`, component
``"scenarios"``). Connections come from the process's pool (:func:`layers.database.pool`),
which reconnects after a database restart.

A save is one transaction: it takes the store's write lock (a transaction-level advisory
lock, the counterpart of SQLite's ``BEGIN IMMEDIATE``: saves, renames and deletes of the
team run one after another, so unique names and base checks cannot race) and locks the
scenario row (``SELECT … FOR UPDATE``), checks the stored version, replaces the row and
all its edit rows, and commits; any error rolls it all back, and a writer that dies
mid-save leaves the last committed version. Reads run in one ``REPEATABLE READ READ ONLY``
transaction, so a scenario row and its edits agree. The rules (optimistic versions, unique
names, bases, deletion) are those of every store (:mod:`layers.store._rules`); failures of
the database are bilingual messages (:func:`layers.database.database_failure`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

import psycopg
import shapely

from layers.database import MIGRATIONS_TABLE, database_failure, migrate, pool, redacted
from layers.scenario import Scenario, now_iso, parse_time, scenario_name
from layers.store._copies import CopyingStore
from layers.store._gpkg_format import (
    BASE_DATA_TABLE,
    EDITS_TABLE,
    GEOMETRY_COLUMN,
    SCENARIOS_TABLE,
    SRS_ID,
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

__all__ = ["MIGRATIONS", "MIGRATION_COMPONENT", "PostgisScenarioStore"]

#: The component name of the store's schema in ``landplan_migrations``.
MIGRATION_COMPONENT = "scenarios"

#: The schema, one migration step per entry; never edited once released (a change is a
#: new step).
MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE EXTENSION IF NOT EXISTS postgis;
    CREATE TABLE {SCENARIOS_TABLE} (
        fid bigserial PRIMARY KEY,
        scenario_id text NOT NULL UNIQUE,
        name text NOT NULL,
        description text,
        author text,
        created_at timestamptz,
        updated_at timestamptz,
        base_id text,
        version integer NOT NULL,
        edit_count integer NOT NULL
    );
    CREATE TABLE {EDITS_TABLE} (
        fid bigserial PRIMARY KEY,
        {GEOMETRY_COLUMN} geometry(Geometry, {SRS_ID}),
        scenario_id text NOT NULL
            REFERENCES {SCENARIOS_TABLE} (scenario_id) ON DELETE CASCADE,
        seq integer NOT NULL,
        kind text NOT NULL,
        parcel_ids jsonb NOT NULL,
        attributes jsonb NOT NULL,
        author text,
        created_at timestamptz,
        note text,
        UNIQUE (scenario_id, seq)
    );
    CREATE INDEX {EDITS_TABLE}_{GEOMETRY_COLUMN}_gist
        ON {EDITS_TABLE} USING gist ({GEOMETRY_COLUMN});
    COMMENT ON TABLE {SCENARIOS_TABLE} IS '情景 scenarios';
    COMMENT ON TABLE {EDITS_TABLE} IS '情景编辑 scenario edits';
    """,
    f"""
    ALTER TABLE {SCENARIOS_TABLE} ADD COLUMN base_data_version text;
    CREATE TABLE {BASE_DATA_TABLE} (
        fid bigserial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        content_id text NOT NULL,
        recorded_at timestamptz NOT NULL,
        author text
    );
    COMMENT ON TABLE {BASE_DATA_TABLE} IS '基础数据版本 base-data versions';
    """,
)

#: The advisory lock key every write transaction of the store takes.
_WRITE_LOCK = "landplan.scenarios.write"
#: Messages name the table, the layer QGIS shows.
_SOURCE = SCENARIOS_TABLE


def _iso(column: str) -> str:
    """SQL giving ``column`` (timestamptz) as ``YYYY-MM-DDTHH:MM:SS.sssZ`` text."""
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


_INFO_COLUMNS = (
    f"scenario_id, name, description, author, {_iso('created_at')}, {_iso('updated_at')}, "
    "base_id, version, base_data_version"
)


def _schema_current(conn: psycopg.Connection) -> bool:
    """Every migration step is applied already: no schema change is tried, so an account
    without the right to change the schema (a read-only one, or app servers deployed with
    one) can use an up-to-date database."""
    table = conn.execute("SELECT to_regclass(%s)", (MIGRATIONS_TABLE,)).fetchone()[0]
    if table is None:
        return False
    done = conn.execute(
        f"SELECT count(*) FROM {MIGRATIONS_TABLE} WHERE component = %s",
        (MIGRATION_COMPONENT,),
    ).fetchone()[0]
    return done >= len(MIGRATIONS)


def _geometry(wkb: bytes | None) -> shapely.Geometry | None:
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


class PostgisScenarioStore(CopyingStore):
    """Scenarios of a team in a PostgreSQL + PostGIS database, shared by app servers.

    Parameters
    ----------
    url : str
        A libpq URL, e.g. ``postgresql://landplan@db.example/landplan``
        (``$LANDPLAN_DATABASE_URL``). The tables are created at first use.
    timeout_s : float
        How long a call waits for a connection (a database being restarted) before it
        reports that the database cannot be reached, seconds.

    Notes
    -----
    The store holds no state but its URL: one object can serve every thread of a web
    server, and any number of app servers can use the same database.
    """

    #: A shared store is never opened read-only; permissions are the database's.
    read_only = False

    def __init__(self, url: str, *, timeout_s: float = 10.0) -> None:
        self.url = str(url)
        self.timeout_s = float(timeout_s)
        #: Called inside a save transaction just before COMMIT (None normally). It lets a
        #: test stop or kill a writer at the worst moment.
        self.before_commit: Callable[[], None] | None = None
        try:
            with psycopg.connect(
                self.url, autocommit=True, connect_timeout=max(1, round(self.timeout_s))
            ) as conn:
                if not _schema_current(conn):
                    migrate(conn, MIGRATION_COMPONENT, MIGRATIONS)
        except psycopg.Error as exc:
            raise database_failure(exc, source=_SOURCE) from exc

    def __repr__(self) -> str:
        return f"PostgisScenarioStore({redacted(self.url)!r})"

    # connections and transactions

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[psycopg.Connection]:
        """One transaction: committed when the block ends, rolled back on any exception.

        A write transaction first takes the store's write lock; a read transaction sees
        one committed state of the whole database."""
        try:
            with pool(self.url, timeout_s=self.timeout_s).connection(
                timeout=self.timeout_s
            ) as conn:
                if write:
                    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_WRITE_LOCK,))
                else:
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield conn
                if write and self.before_commit is not None:
                    self.before_commit()
        except psycopg.Error as exc:
            raise database_failure(exc, source=_SOURCE) from exc

    # reading

    def list(self) -> list[ScenarioInfo]:
        """Every scenario, most recently saved first."""
        with self._transaction(write=False) as conn:
            rows = conn.execute(
                f"SELECT {_INFO_COLUMNS}, edit_count FROM {SCENARIOS_TABLE} "
                "ORDER BY updated_at DESC, name"
            ).fetchall()
        return [
            ScenarioInfo(
                r[0], r[1], r[2] or "", r[3] or "", r[4] or "", r[5] or "", r[6], r[7], r[9], r[8]
            )
            for r in rows
        ]

    def exists(self, scenario_id: str) -> bool:
        with self._transaction(write=False) as conn:
            return self._version(conn, scenario_id) is not None

    def open(self, scenario_id: str) -> Scenario:
        """The stored scenario with its edits; :class:`InputError` if there is none."""
        with self._transaction(write=False) as conn:
            row = conn.execute(
                f"SELECT {_INFO_COLUMNS} FROM {SCENARIOS_TABLE} WHERE scenario_id = %s",
                (str(scenario_id),),
            ).fetchone()
            if row is None:
                raise not_found(scenario_id, _SOURCE)
            edits = conn.execute(
                f"SELECT seq, kind, parcel_ids::text, attributes::text, "
                f"ST_AsBinary({GEOMETRY_COLUMN}), author, {_iso('created_at')}, note "
                f"FROM {EDITS_TABLE} WHERE scenario_id = %s ORDER BY seq",
                (str(scenario_id),),
            ).fetchall()
        return scenario_from_row(
            row, tuple(edit_from_row(row[1], e[0], e[1:], _geometry, _SOURCE) for e in edits)
        )

    @staticmethod
    def _version(conn: psycopg.Connection, scenario_id: str, *, lock: bool = False) -> int | None:
        row = conn.execute(
            f"SELECT version FROM {SCENARIOS_TABLE} WHERE scenario_id = %s"
            + (" FOR UPDATE" if lock else ""),
            (str(scenario_id),),
        ).fetchone()
        return None if row is None else int(row[0])

    # writing

    def save(self, scenario: Scenario, expected_version: int | None = None) -> Scenario:
        """Store the scenario in one transaction if nobody saved it in between; the same
        contract as :meth:`layers.store.GpkgScenarioStore.save` (``VERSION_CONFLICT``,
        ``SCENARIO_DELETED``, unique names, bases that exist and do not loop)."""
        check_scenario(scenario)
        expected = scenario.version if expected_version is None else int(expected_version)
        name = scenario_name(scenario.name)
        rows = [(scenario.id, seq, *_edit_columns(edit)) for seq, edit in enumerate(scenario.edits)]
        stamp = now_iso()
        with self._transaction(write=True) as conn:
            current = self._version(conn, scenario.id, lock=True)
            check_version(current, expected, name, _SOURCE)
            self._check_base(conn, scenario)
            stored_name = conn.execute(
                f"SELECT name FROM {SCENARIOS_TABLE} WHERE scenario_id = %s", (scenario.id,)
            ).fetchone()
            if stored_name is None or stored_name[0] != name:
                taken = conn.execute(
                    f"SELECT name FROM {SCENARIOS_TABLE} WHERE scenario_id <> %s", (scenario.id,)
                ).fetchall()
                name = unique_scenario_name(name, [t for (t,) in taken])
            version = expected + 1
            created = parse_time(scenario.created_at) if scenario.created_at else stamp
            base_data = recorded_base_data(scenario, current is None, self._newest(conn))
            values = (
                name,
                scenario.description,
                scenario.author,
                stamp,
                scenario.base_id,
                version,
                len(rows),
                base_data,
            )
            if current is None:
                conn.execute(
                    f"INSERT INTO {SCENARIOS_TABLE} (name, description, author, updated_at, "
                    "base_id, version, edit_count, base_data_version, created_at, scenario_id) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (*values, created, scenario.id),
                )
            else:
                conn.execute(
                    f"UPDATE {SCENARIOS_TABLE} SET name = %s, description = %s, author = %s, "
                    "updated_at = %s, base_id = %s, version = %s, edit_count = %s, "
                    "base_data_version = %s WHERE scenario_id = %s",
                    (*values, scenario.id),
                )
                conn.execute(f"DELETE FROM {EDITS_TABLE} WHERE scenario_id = %s", (scenario.id,))
            if rows:
                with conn.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {EDITS_TABLE} (scenario_id, seq, kind, parcel_ids, "
                        f"attributes, author, created_at, note, {GEOMETRY_COLUMN}) VALUES "
                        "(%s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, %s, "
                        f"ST_GeomFromWKB(%s, {SRS_ID}))",
                        rows,
                    )
        return replace(
            scenario, name=name, updated_at=stamp, created_at=created, base_data_version=base_data
        ).with_saved(version)

    @staticmethod
    def _newest(conn: psycopg.Connection) -> str | None:
        row = conn.execute(
            f"SELECT name FROM {BASE_DATA_TABLE} ORDER BY recorded_at DESC, fid DESC LIMIT 1"
        ).fetchone()
        return None if row is None else row[0]

    # base-data versions

    def record_base_data(self, name: str, content_id: str, *, author: str = "") -> BaseDataVersion:
        """Record an import of base layers as the newest named version; see
        :meth:`layers.store.GpkgScenarioStore.record_base_data`."""
        name = base_data_name(name)
        recorded = BaseDataVersion(name, str(content_id), now_iso(), str(author))
        with self._transaction(write=True) as conn:
            if conn.execute(f"SELECT 1 FROM {BASE_DATA_TABLE} WHERE name = %s", (name,)).fetchone():
                raise base_data_taken(name)
            conn.execute(
                f"INSERT INTO {BASE_DATA_TABLE} (name, content_id, recorded_at, author) "
                "VALUES (%s, %s, %s, %s)",
                (recorded.name, recorded.content_id, recorded.recorded_at, recorded.author),
            )
        return recorded

    def base_data_versions(self) -> list[BaseDataVersion]:
        """Every recorded base-data version, newest first."""
        with self._transaction(write=False) as conn:
            rows = conn.execute(
                f"SELECT name, content_id, {_iso('recorded_at')}, author FROM {BASE_DATA_TABLE} "
                "ORDER BY recorded_at DESC, fid DESC"
            ).fetchall()
        return [BaseDataVersion(r[0], r[1], r[2], r[3] or "") for r in rows]

    def _check_base(self, conn: psycopg.Connection, scenario: Scenario) -> None:
        def stored_base_of(scenario_id: str) -> object:
            row = conn.execute(
                f"SELECT base_id FROM {SCENARIOS_TABLE} WHERE scenario_id = %s", (scenario_id,)
            ).fetchone()
            return MISSING if row is None else row[0]

        check_bases(scenario, stored_base_of, _SOURCE)

    def delete(self, scenario_id: str, *, confirm: bool = False) -> None:
        """Delete a scenario and its edits; refused without ``confirm=True``, for a
        scenario not stored, and while other scenarios build on it (they are named)."""
        check_confirmed(confirm)
        with self._transaction(write=True) as conn:
            if self._version(conn, scenario_id, lock=True) is None:
                raise not_found(scenario_id, _SOURCE)
            children = conn.execute(
                f"SELECT name FROM {SCENARIOS_TABLE} WHERE base_id = %s ORDER BY name",
                (str(scenario_id),),
            ).fetchall()
            check_no_children([c for (c,) in children])
            conn.execute(
                f"DELETE FROM {SCENARIOS_TABLE} WHERE scenario_id = %s", (str(scenario_id),)
            )


def _edit_columns(edit) -> tuple:
    """The edit's columns in the order of the INSERT: the shared parts, then ISO WKB."""
    geometry = edit.geometry
    wkb = (
        None
        if geometry is None
        else shapely.to_wkb(geometry, byte_order=1, flavor="iso", output_dimension=2)
    )
    return (*edit_parts(edit), wkb)
