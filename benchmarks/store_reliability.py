"""Reliability of the scenario stores, GeoPackage and PostGIS in the same run.

Three checks, each a function the tests call with small counts:

* :func:`concurrent_saves` — ``processes`` processes each make ``saves`` save attempts on
  one scenario (open the newest version, add one edit, save with the version check). A
  refused save must carry ``VERSION_CONFLICT`` and a Chinese and an English message. Lost
  updates are counted from the final version: every accepted edit must be in it, and its
  version must be 1 + the number of accepted saves.
* :func:`killed_writers` — ``rounds`` times, a writer process stops inside its save
  transaction (after writing its rows, before COMMIT) and is SIGKILLed; the stored scenario
  must then be exactly the last committed version, and the next save must go through.
* :func:`restart_under_load` (PostGIS) — writers keep saving while the database server is
  restarted (``immediate`` stop, as a crash); during the outage every failure must be the
  store's bilingual "cannot be reached" message, afterwards the same store objects must
  save again without being reopened, and no accepted save may be lost.

Usage: ``python benchmarks/store_reliability.py [--processes 4 --saves 50 --kills 20]``;
prints one table. Needs PostgreSQL 15 + PostGIS (``benchmarks/postgres.py``).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.errors import InputError
from layers import scenario as sc
from layers.store import VERSION_CONFLICT, open_store

_SPAWN = multiprocessing.get_context("spawn")  # no pool or file handle crosses a fork


def _clear(err: InputError) -> bool:
    """A refusal the user can act on: bilingual, no traceback or server path."""
    return bool(err.zh and err.en) and "Traceback" not in str(err) and "/tmp/" not in str(err)


def _edit(tag: str) -> sc.Edit:
    return sc.set_attributes([f"P-{tag}"], status="available", note=tag)


# --- concurrent saves ----------------------------------------------------------------------


@dataclass
class SaveTally:
    accepted: int = 0
    refused: int = 0
    unclear: int = 0
    lost: int = 0
    final_version: int = 0
    final_edits: int = 0
    seconds: float = 0.0


def _saver(location: str, scenario_id: str, worker: int, saves: int, go, results) -> None:
    store = open_store(location)
    accepted, refused, unclear = [], 0, 0
    go.wait()
    for attempt in range(saves):
        tag = f"w{worker}-{attempt}"
        try:
            newest = store.open(scenario_id)
            store.save(newest.with_edit(_edit(tag)))
            accepted.append(tag)
        except InputError as err:
            if err.code == VERSION_CONFLICT and _clear(err):
                refused += 1
            else:
                unclear += 1
    results.put((accepted, refused, unclear))


def concurrent_saves(location: str, *, processes: int = 4, saves: int = 50) -> SaveTally:
    """``processes`` × ``saves`` version-checked save attempts on one scenario."""
    store = open_store(location)
    first = store.save(sc.new_scenario("并发保存"))
    go, results = _SPAWN.Event(), _SPAWN.Queue()
    workers = [
        _SPAWN.Process(target=_saver, args=(location, first.id, i, saves, go, results))
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    time.sleep(2.0)  # let every worker import and connect before the race starts
    started = time.perf_counter()
    go.set()
    outcomes = [results.get(timeout=600) for _ in workers]
    seconds = time.perf_counter() - started
    for worker in workers:
        worker.join(timeout=60)
    accepted = [tag for tags, _, _ in outcomes for tag in tags]
    final = store.open(first.id)
    kept = {edit.note for edit in final.edits}
    lost = sum(tag not in kept for tag in accepted) + abs(final.version - 1 - len(accepted))
    return SaveTally(
        accepted=len(accepted),
        refused=sum(r for _, r, _ in outcomes),
        unclear=sum(u for _, _, u in outcomes),
        lost=lost,
        final_version=final.version,
        final_edits=len(final.edits),
        seconds=seconds,
    )


# --- writers killed inside their transaction -------------------------------------------------


@dataclass
class KillTally:
    rounds: int = 0
    intact: int = 0
    saved_after: int = 0


def _stalled_writer(location: str, scenario_id: str, inside) -> None:
    store = open_store(location)
    newest = store.open(scenario_id)
    doomed = newest.with_details(name="被中断的保存")
    for i in range(200):
        doomed = doomed.with_edit(_edit(f"doomed-{i}"))

    def stall() -> None:
        inside.set()
        time.sleep(600)

    store.before_commit = stall
    store.save(doomed)


def killed_writers(location: str, *, rounds: int = 20) -> KillTally:
    """Kill a writer inside its save transaction ``rounds`` times; check what is stored."""
    store = open_store(location)
    good = store.save(sc.new_scenario("强制中断").with_edit(_edit("good-0")))
    tally = KillTally()
    for round_ in range(rounds):
        inside = _SPAWN.Event()
        writer = _SPAWN.Process(target=_stalled_writer, args=(location, good.id, inside))
        writer.start()
        if not inside.wait(timeout=120):
            writer.kill()
            raise RuntimeError("the writer never reached its commit")
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(timeout=60)
        tally.rounds += 1
        stored = store.open(good.id)
        tally.intact += stored == good
        try:  # the lock died with the writer: the next save goes through
            good = store.save(stored.with_edit(_edit(f"good-{round_ + 1}")))
            tally.saved_after += 1
        except InputError:
            good = store.open(good.id)
    return tally


# --- a database restart under load ---------------------------------------------------------


@dataclass
class RestartTally:
    accepted: int = 0
    outage_failures: int = 0
    unclear: int = 0
    lost: int = 0
    saved_after: bool = False
    recovery_s: float = float("nan")
    messages: set[str] = field(default_factory=set)


def restart_under_load(url: str, server, *, writers: int = 2, down_s: float = 2.0) -> RestartTally:
    """Writers (threads, each with its own store object) save while ``server`` restarts."""
    stores = [open_store(url) for _ in range(writers)]
    for store in stores:
        store.timeout_s = 1.0  # report an outage after 1 s instead of the default 10 s
    scenario = stores[0].save(sc.new_scenario("重启"))
    tally, lock, stop = RestartTally(), threading.Lock(), threading.Event()
    accepted: list[str] = []
    moments: list[float] = []  # when each accepted save returned (perf_counter)

    def write(number: int) -> None:
        store, attempt = stores[number], 0
        while not stop.is_set():
            attempt += 1
            tag = f"r{number}-{attempt}"
            try:
                store.save(store.open(scenario.id).with_edit(_edit(tag)))
                with lock:
                    accepted.append(tag)
                    moments.append(time.perf_counter())
            except InputError as err:
                with lock:
                    if err.code == VERSION_CONFLICT:
                        continue
                    if err.code == "database_unavailable" and _clear(err):
                        tally.outage_failures += 1
                        tally.messages.add(err.en.split("(")[0].strip())
                    else:
                        tally.unclear += 1
                time.sleep(0.05)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    server.restart(down_s=down_s)
    back = time.perf_counter()
    deadline = back + 120.0
    while time.perf_counter() < deadline and not any(m > back for m in moments):
        time.sleep(0.05)
    recovered = [m for m in moments if m > back]
    tally.recovery_s = (min(recovered) - back) if recovered else float("inf")
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    # The same store objects, never reopened, work again.
    after = stores[-1].open(scenario.id)
    after = stores[-1].save(after.with_edit(_edit("after")))
    tally.saved_after = after.version > 0
    kept = {edit.note for edit in stores[0].open(scenario.id).edits}
    tally.accepted = len(accepted)
    tally.lost = sum(tag not in kept for tag in accepted)
    return tally


# --- the report ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--kills", type=int, default=20)
    args = parser.parse_args(argv)

    from benchmarks.postgres import PostgresServer

    # The pool logs every failed reconnection during the restart; the table says it all.
    logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
    from layers.database import close_pools

    rows = []
    with PostgresServer.start() as server, tempfile.TemporaryDirectory() as folder:
        locations = {
            "GeoPackage": str(Path(folder) / "scenarios.gpkg"),
            "PostGIS": server.create_database("reliability"),
        }
        for backend, location in locations.items():
            saves = concurrent_saves(location, processes=args.processes, saves=args.saves)
            kills = killed_writers(location, rounds=args.kills)
            restart = restart_under_load(location, server) if backend == "PostGIS" else None
            rows.append((backend, saves, kills, restart))
        close_pools()

    print(f"{'':28}" + "".join(f"{name:>14}" for name, *_ in rows))
    lines = [
        (f"saves ({args.processes} proc × {args.saves})", lambda s, k, r: s.accepted + s.refused),
        ("  accepted", lambda s, k, r: s.accepted),
        ("  refused (version conflict)", lambda s, k, r: s.refused),
        ("  unclear failures", lambda s, k, r: s.unclear),
        ("  lost updates", lambda s, k, r: s.lost),
        ("  final version / edits", lambda s, k, r: f"{s.final_version}/{s.final_edits}"),
        ("  seconds", lambda s, k, r: f"{s.seconds:.1f}"),
        (f"writer SIGKILLed ({args.kills}×)", lambda s, k, r: k.rounds),
        ("  last version intact", lambda s, k, r: k.intact),
        ("  next save accepted", lambda s, k, r: k.saved_after),
        ("database restart", lambda s, k, r: "—" if r is None else "yes"),
        ("  saves accepted", lambda s, k, r: "—" if r is None else r.accepted),
        ("  outage: clear refusals", lambda s, k, r: "—" if r is None else r.outage_failures),
        ("  unclear failures", lambda s, k, r: "—" if r is None else r.unclear),
        ("  lost updates", lambda s, k, r: "—" if r is None else r.lost),
        ("  saves after, same store", lambda s, k, r: "—" if r is None else r.saved_after),
        ("  recovery after start, s", lambda s, k, r: "—" if r is None else f"{r.recovery_s:.1f}"),
    ]
    for label, value in lines:
        print(f"{label:28}" + "".join(f"{value(s, k, r)!s:>14}" for _, s, k, r in rows))
    failed = any(
        s.lost or s.unclear or k.intact != k.rounds or (r and (r.lost or r.unclear))
        for _, s, k, r in rows
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
