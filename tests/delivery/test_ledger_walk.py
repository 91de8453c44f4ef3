"""Claims walk a send's ids a window at a time (no index covers the state, so that a
message's progress updates its row in place), and nobody is left behind: rows that go back
to pending behind the walk are swept up."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from newsletter.db import PENDING, SENT, deliveries
from newsletter.delivery import ledger
from newsletter.delivery.hot_writes import HotWrites

from .conftest import add_subscribers

NOW = dt.datetime.now(dt.UTC)

# What a message's progress changes in its row (next_attempt_at only when it is deferred).
PROGRESS_COLUMNS = {"state", "worker_id", "updated_at", "reply_code", "reply", "message_id"}


def a_send(store, recipients: int) -> tuple[int, int]:
    add_subscribers(store, recipients)
    with store.transaction() as connection:
        send_id, _ = ledger.start_send(connection, "2013-05", "en", "s", NOW)
        worker = ledger.register_worker(connection, "here", 1, NOW)
    return send_id, worker


def claim(store, send_id: int, worker: int, limit: int, walk: ledger.Walk, sweep=False):
    with store.transaction() as connection:
        return [
            row.id for row in ledger.claim(connection, send_id, worker, limit, NOW, walk, sweep)
        ]


def give_back(store, ids: list[int]) -> None:
    """As a worker's clean stop gives back what it claimed and never handed over."""
    with store.transaction() as connection:
        connection.execute(
            sa.update(deliveries).where(deliveries.c.id.in_(ids)).values(state=PENDING)
        )


def test_claims_walk_the_send_in_order_and_sweep_up_what_went_back_behind_them(store):
    send_id, worker = a_send(store, 30)
    walk = ledger.Walk()
    first = claim(store, send_id, worker, 10, walk)
    second = claim(store, send_id, worker, 10, walk)
    assert first == sorted(first) and second[0] > first[-1]
    give_back(store, first[3:5])  # behind the walk now
    third = claim(store, send_id, worker, 10, walk)
    assert third[0] > second[-1] and len(third) == 10  # the walk goes on first
    assert claim(store, send_id, worker, 10, walk) == first[3:5]  # then sweeps at its end
    assert claim(store, send_id, worker, 10, walk) == []
    assert walk.swept


def test_after_a_sweep_found_nothing_the_next_looks_only_when_asked(store):
    send_id, worker = a_send(store, 12)
    walk = ledger.Walk()
    taken = claim(store, send_id, worker, 20, walk)
    assert len(taken) == 12 and claim(store, send_id, worker, 20, walk) == []
    give_back(store, taken[:1])
    assert claim(store, send_id, worker, 20, walk) == []  # no whole-send look at each claim
    assert claim(store, send_id, worker, 20, walk, sweep=True) == taken[:1]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_a_message_s_progress_touches_no_index(store):
    """Its mark and its outcome are HOT updates: no index entry written, half the WAL and
    a third less of the server's time a group (BENCHMARKS.md)."""
    send_id, worker = a_send(store, 200)
    with store.transaction() as connection:
        claimed = ledger.claim(connection, send_id, worker, 200, NOW)
    with store.engine.connect() as connection:
        driver = connection.connection.driver_connection
        indexed = driver.execute(
            "SELECT DISTINCT a.attname FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = 'deliveries'::regclass"
        ).fetchall()
        assert PROGRESS_COLUMNS.isdisjoint(name for (name,) in indexed)
        options = driver.execute(
            "SELECT reloptions FROM pg_class WHERE oid = 'deliveries'::regclass"
        ).fetchone()[0]
        assert "fillfactor=50" in options
        before = _updates(driver)
        writes = HotWrites(connection)
        for row in claimed:
            writes.commit_hot([], [row.id], worker, NOW)
        writes.commit_hot(
            [ledger.Outcome(row.id, SENT, 250, "ok") for row in claimed], [], worker, NOW
        )
        updated, hot = (after - then for after, then in zip(_updates(driver), before, strict=True))
        writes.close()
    assert updated == 400 and hot >= 380  # a page full of new versions may not take one more


def _updates(driver) -> tuple[int, int]:
    """(updates, HOT updates) of the ledger by this connection's own transactions."""
    driver.commit()
    driver.execute("SELECT pg_stat_force_next_flush()")
    driver.commit()
    driver.execute("SELECT pg_stat_clear_snapshot()")
    row = driver.execute(
        "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'deliveries'"
    ).fetchone()
    driver.commit()
    return row
