"""The ledger's claims stay as quick at the millionth row as at the first: each statement a
claim makes finds its rows through an index, and none reads a whole table."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from newsletter.db import CLAIMED, PENDING, SENDING, UNCERTAIN, deliveries
from newsletter.delivery import ledger
from newsletter.subscribers import Change

from .conftest import add_subscribers


@pytest.fixture
def database_url(tmp_path) -> str:
    """SQLite only: its planner, without statistics, is the one that picked a bad plan."""
    return f"sqlite:///{tmp_path / 'ledger.db'}"


def test_a_claim_looks_its_rows_up_by_index_and_scans_no_table(store):
    """The check that claimed subscribers are still active once searched the (status,
    language) index, every active subscriber at each claim: 11 ms a claim at 100,000
    subscribers against 3 ms at 20,000 (BENCHMARKS.md)."""
    now = dt.datetime.now(dt.UTC)
    addresses = add_subscribers(store, 300)
    with store.transaction() as connection:
        send_id, _ = ledger.start_send(connection, "2013-05", "en", "s", now)
        worker = ledger.register_worker(connection, "here", 1, now)
    store.set_status(addresses[3], "unsubscribed", Change("test", "tester", now))
    statements = []

    def seen(connection, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        with store.transaction() as connection:
            claimed = ledger.claim(connection, send_id, worker, 50, now)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
    assert len(claimed) == 49  # the one who left is skipped
    queries = [(s, p) for s, p in statements if s.lstrip().upper().startswith(("SELECT", "UPDATE"))]
    assert len(queries) >= 2  # the claim (with each subscriber's status), the skip
    with store.reading() as connection:
        raw = connection.connection.driver_connection
        for statement, parameters in queries:
            plan = [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            assert not any(step.startswith("SCAN") for step in plan), (statement, plan)
            assert not any("ix_subscribers_status_language" in step for step in plan), plan


def test_a_claim_skips_someone_forgotten_since_the_snapshot(store):
    """Their row keeps no subscriber (nor address): the claim skips it, sends nothing."""
    now = dt.datetime.now(dt.UTC)
    addresses = add_subscribers(store, 5)
    with store.transaction() as connection:
        send_id, _ = ledger.start_send(connection, "2013-05", "en", "s", now)
        worker = ledger.register_worker(connection, "here", 1, now)
    store.forget(addresses[2], Change("test", "tester", now))
    with store.transaction() as connection:
        claimed = ledger.claim(connection, send_id, worker, 5, now)
    assert len(claimed) == 4
    assert addresses[2] not in {row.email for row in claimed}


def statements_of(store, work):
    """What `work(connection)` returns, and the SELECT and UPDATE statements it ran."""
    statements = []

    def seen(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE")):
            statements.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        with store.transaction() as connection:
            result = work(connection)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
    return result, statements


def assert_no_table_scan(store, statements) -> None:
    with store.reading() as connection:
        raw = connection.connection.driver_connection
        for statement, parameters in statements:
            plan = [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            assert not any(step.startswith("SCAN deliveries") for step in plan), (statement, plan)


def states(connection, send_id: int) -> list[str]:
    query = sa.select(deliveries.c.state).where(deliveries.c.send_id == send_id)
    return connection.execute(query.order_by(deliveries.c.id)).scalars().all()


def test_recovery_at_a_start_and_a_workers_stop_read_only_the_sends_at_hand(store):
    """A database keeps every send it ever made: finding what a killed worker left, and a
    worker's giving back at its stop, touch and read only the rows of the sends at hand;
    another send's are recovered when it is sent again."""
    now = dt.datetime.now(dt.UTC)
    add_subscribers(store, 4)
    with store.transaction() as connection:
        earlier, _ = ledger.start_send(connection, "2013-02", "en", "s", now)
        current, _ = ledger.start_send(connection, "2013-05", "en", "s", now)
        killed = ledger.register_worker(connection, "here", 1, now)
        for send_id in (earlier, current):
            taken = [row.id for row in ledger.claim(connection, send_id, killed, 3, now)]
            connection.execute(  # the first being handed over when the worker was killed
                sa.update(deliveries).where(deliveries.c.id == taken[0]).values(state=SENDING)
            )

    def recovery(connection):
        dead = ledger.dead_workers(connection, [current], now, "here", lambda pid: False)
        return dead, ledger.recover(connection, [current], dead, now)

    (dead, counts), statements = statements_of(store, recovery)
    assert (dead, counts) == ([killed], (2, 1))  # two back to pending, one uncertain
    with store.reading() as connection:
        assert states(connection, current) == [UNCERTAIN, PENDING, PENDING, PENDING]
        assert states(connection, earlier) == [SENDING, CLAIMED, CLAIMED, PENDING]
    assert_no_table_scan(store, statements)

    with store.transaction() as connection:
        ledger.claim(connection, current, killed, 2, now)
    released, statements = statements_of(
        store, lambda connection: ledger.release(connection, [current], killed, now)
    )
    assert released == 2
    assert_no_table_scan(store, statements)
