"""Start a throwaway PostgreSQL 15 + PostGIS server for the tests and the benchmarks.

The server is a real one (Debian's ``postgresql-15`` and ``postgresql-15-postgis-3``): a new
cluster is made with ``initdb`` in a temporary folder, started with ``pg_ctl`` on a free port
of 127.0.0.1 (and a Unix socket in the same folder), and removed when it stops. PostgreSQL
refuses to run as root, so as root the cluster belongs to the ``postgres`` system user the
Debian package creates, and the commands run as that user.

Usage::

    with PostgresServer.start() as server:
        url = server.create_database("landplan")   # with the postgis extension
        ...
        server.restart()                           # e.g. a restart under load
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "PostgresUnavailable", "postgres_bindir"]


class PostgresUnavailable(RuntimeError):
    """PostgreSQL 15 (with PostGIS) is not installed or would not start here."""


def postgres_bindir() -> Path:
    """The folder with ``initdb`` and ``pg_ctl``: ``$LANDPLAN_PG_BINDIR`` or the newest
    ``/usr/lib/postgresql/*/bin``; :class:`PostgresUnavailable` when there is none."""
    configured = os.environ.get("LANDPLAN_PG_BINDIR")
    candidates = [configured] if configured else sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    for folder in reversed(candidates):
        if folder and Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    raise PostgresUnavailable(
        "PostgreSQL is not installed: apt-get install postgresql-15 postgresql-15-postgis-3"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    """A running throwaway cluster; use :meth:`start` and stop it (or use ``with``)."""

    bindir: Path
    folder: Path
    port: int
    user: str | None  # the system user running the server (None: the current user)

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @classmethod
    def start(cls, *, timeout_s: float = 60.0) -> PostgresServer:
        bindir = postgres_bindir()
        folder = Path(tempfile.mkdtemp(prefix="landplan-pg-"))
        user = None
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailable("no 'postgres' system user to run the server") from exc
            os.chown(folder, entry.pw_uid, entry.pw_gid)
            user = "postgres"
        server = cls(bindir=bindir, folder=folder, port=_free_port(), user=user)
        try:
            server._run(
                "initdb",
                "-D",
                str(server.data_dir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            with open(server.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
                conf.write(
                    f"\nport = {server.port}\nlisten_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{folder}'\nfsync = on\n"
                    "max_connections = 200\nlogging_collector = off\n"
                )
            server._pg_ctl_start(timeout_s)
        except Exception:
            server.stop()
            raise
        return server

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if check and done.returncode != 0:
            raise PostgresUnavailable(f"{program} failed: {done.stderr.strip() or done.stdout}")
        return done

    def _pg_ctl_start(self, timeout_s: float) -> None:
        log = self.folder / "server.log"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(log),
            "-w",
            "-t",
            str(int(timeout_s)),
            "start",
        )

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        """A connection URL for ``database`` as the superuser ``postgres``."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = self._run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
            "-v", "ON_ERROR_STOP=1", "-At", "-c", sql,
        )  # fmt: skip
        return done.stdout

    def create_database(self, name: str, *, postgis: bool = True) -> str:
        """Create ``name`` (with the postgis extension) and return its URL."""
        self.psql(f'CREATE DATABASE "{name}"')
        if postgis:
            self.psql("CREATE EXTENSION IF NOT EXISTS postgis", database=name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (if it runs) and remove its folder."""
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def restart(self, *, down_s: float = 0.0, timeout_s: float = 60.0) -> None:
        """Stop the server (``immediate``: as a crash would), wait ``down_s``, start it."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        time.sleep(down_s)
        self._pg_ctl_start(timeout_s)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
