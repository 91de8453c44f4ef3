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
from newsletter.delivery.journal import Journal
from newsletter.subscribers import Change

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


def in_order(store, send_id: int, column) -> list:
    """`column` of the send's rows, in the order of their ids."""
    with store.reading() as connection:
        query = sa.select(column).where(deliveries.c.send_id == send_id).order_by(deliveries.c.id)
        return connection.execute(query).scalars().all()


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
    # Every mark at least: the fill factor leaves each row room for one new version. The
    # outcomes too when the marks' old versions can be pruned, which a snapshot held
    # elsewhere meanwhile prevents (an autovacuum ANALYZE: CI saw 269 of 400; here, 400).
    assert updated == 400 and hot >= 200


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


def test_a_claim_of_only_people_who_left_goes_on_to_the_next_rows(store):
    """Three who unsubscribed since the snapshot, then two still subscribed: a claim of three
    skips the three and brings the two, where an empty claim would have ended the worker."""
    send_id, worker = a_send(store, 5)
    rows = in_order(store, send_id, deliveries.c.email)
    for email in rows[:3]:
        store.set_status(email, "unsubscribed", Change("test", "tester", NOW))
    with store.transaction() as connection:
        claimed = ledger.claim(connection, send_id, worker, 3, NOW, ledger.Walk())
    assert [row.email for row in claimed] == rows[3:]


def test_a_walk_starts_at_the_first_pending_row(store):
    """A worker joining a send half sent goes straight to what is left: one window, not a
    window for each stretch of rows already sent."""
    send_id, worker = a_send(store, 40)
    ids = in_order(store, send_id, deliveries.c.id)
    with store.transaction() as connection:
        connection.execute(
            sa.update(deliveries).where(deliveries.c.id.in_(ids[:30])).values(state=SENT)
        )
    updates = []

    def seen(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        assert claim(store, send_id, worker, 2, ledger.Walk()) == ids[30:32]
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
    assert len(updates) == 1


def test_a_message_whose_connection_broke_before_it_is_swept_up_again(store):
    """Its row goes back to pending behind the walk; the journal says so to the walks, and
    the next claim that finds nothing else sweeps it up."""
    send_id, worker = a_send(store, 6)
    journal = Journal(store.engine, worker, [send_id], store.shown)
    try:
        taken = journal.claim(send_id, 10)
        assert len(taken) == 6 and journal.claim(send_id, 10) == []  # swept: nothing left
        journal.record(ledger.Outcome(taken[2].id, PENDING, None, "lost", attempted=False))
        journal.call(lambda connection, at: None)  # the outcome is committed
        assert [row.id for row in journal.claim(send_id, 10)] == [taken[2].id]
    finally:
        journal.close()
