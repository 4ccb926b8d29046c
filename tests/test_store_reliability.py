"""The reliability checks of ``benchmarks/store_reliability.py`` with small counts, on both
backends: concurrent version-checked saves lose nothing, a writer killed inside its
transaction leaves the last committed version, a database restart is reported and the
same store works again afterwards."""

from __future__ import annotations

import logging
import math

from benchmarks.store_reliability import concurrent_saves, killed_writers, restart_under_load
from layers.database import close_pools
from layers.store import PostgisScenarioStore
from tests.store_backends import location


def test_concurrent_saves_lose_no_update(store):
    tally = concurrent_saves(location(store), processes=3, saves=6)
    assert tally.accepted + tally.refused == 18
    assert tally.accepted >= 1 and tally.unclear == 0 and tally.lost == 0
    assert tally.final_version == tally.accepted + 1 == tally.final_edits + 1


def test_a_writer_killed_inside_its_transaction_leaves_the_last_version(store):
    tally = killed_writers(location(store), rounds=2)
    assert (tally.rounds, tally.intact, tally.saved_after) == (2, 2, 2)
    [info] = store.list()
    assert info.version == 3 and info.name == "强制中断"  # never "被中断的保存"


def test_a_database_restart_is_reported_and_recovered_from(postgres_server, postgres_url):
    logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
    try:
        tally = restart_under_load(postgres_url, postgres_server, writers=2, down_s=2.0)
        assert tally.outage_failures >= 1 and tally.unclear == 0
        assert tally.messages == {"The shared database cannot be reached right now"}
        assert tally.saved_after and tally.lost == 0 and math.isfinite(tally.recovery_s)
        # A store made after the restart sees every accepted save and the check's last one.
        fresh = PostgisScenarioStore(postgres_url)
        [info] = fresh.list()
        assert info.edit_count >= tally.accepted + 1
        assert fresh.open(info.id).edits[-1].note == "after"
    finally:
        close_pools()  # before the database is dropped
