"""The journal: a message's end (SMTP's final dot) comes only once its `sending` mark is
durable, from whichever thread made it so; claims, made ahead by the claimer thread, are
committed apart from the groups of marks and outcomes; on SQLite the two connections take
turns rather than meet SQLite's busy handler."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from newsletter.core import NewsletterError
from newsletter.db import CLAIMED, SENDING, SENT, deliveries
from newsletter.delivery import ledger
from newsletter.delivery.journal import Journal

from .conftest import add_subscribers


def _journal(store, count: int) -> tuple[Journal, int]:
    now = dt.datetime.now(dt.UTC)
    add_subscribers(store, count)
    with store.transaction() as connection:
        send_id, _ = ledger.start_send(connection, "2013-05", "en", "s", now)
        worker = ledger.register_worker(connection, "here", 1, now)
    return Journal(store.engine, worker, [send_id], store.shown), send_id


def _states(store, send_id: int) -> dict[str, int]:
    with store.reading() as connection:
        query = (
            sa.select(deliveries.c.state, sa.func.count())
            .where(deliveries.c.send_id == send_id)
            .group_by(deliveries.c.state)
        )
        return dict(connection.execute(query).all())


def test_a_claim_is_committed_when_it_returns(store):
    journal, send_id = _journal(store, 30)
    try:
        claimed = journal.claim(send_id, 10)
        assert len(claimed) == 10
        assert _states(store, send_id)[CLAIMED] == 10  # seen from another connection
    finally:
        journal.close()
    assert CLAIMED not in _states(store, send_id)  # given back at the close


def test_claims_and_groups_written_at_once_lose_nothing(store):
    """Threads mark and record while another claims: every row claimed once, every
    outcome written, and no 'database is locked' on SQLite."""
    journal, send_id = _journal(store, 400)
    errors: list[BaseException] = []
    rows: list[ledger.Claimed] = []
    lock = threading.Lock()

    def claimer():
        while claimed := journal.claim(send_id, 20):
            with lock:
                rows.extend(claimed)

    def sender():
        try:
            while True:
                with lock:
                    if not rows:
                        if not claiming.is_alive():
                            return
                        row = None
                    else:
                        row = rows.pop()
                if row is None:
                    continue
                if row.id % 2:
                    journal.sending(row.id).wait()
                else:
                    ended = threading.Event()
                    journal.sending(row.id).then(ended.set, errors.append)
                    assert ended.wait(10)
                journal.record(ledger.Outcome(row.id, SENT, 250, "ok"))
        except BaseException as exc:
            errors.append(exc)

    claiming = threading.Thread(target=claimer)
    senders = [threading.Thread(target=sender) for _ in range(4)]
    claiming.start()
    for thread in senders:
        thread.start()
    claiming.join()
    for thread in senders:
        thread.join()
    journal.close()
    assert not errors
    assert _states(store, send_id) == {SENT: 400}


def test_a_message_ends_only_once_its_mark_is_durable(store):
    journal, send_id = _journal(store, 5)
    seen: dict[int, str] = {}
    ended = threading.Semaphore(0)

    def end(delivery_id: int):
        with store.reading() as connection:  # another connection: what a crash would leave
            query = sa.select(deliveries.c.state).where(deliveries.c.id == delivery_id)
            seen[delivery_id] = connection.execute(query).scalar_one()
        ended.release()

    try:
        rows = journal.claim(send_id, 5)
        for row in rows:
            journal.sending(row.id).then(lambda i=row.id: end(i), lambda: None)
        for _ in rows:
            assert ended.acquire(timeout=10)
    finally:
        journal.close()
    assert seen == {row.id: SENDING for row in rows}


def test_a_failed_group_abandons_the_messages_waiting_for_it(store):
    journal, send_id = _journal(store, 3)
    rows = journal.claim(send_id, 3)
    journal._writes._driver.close()  # the ledger's connection breaks: no group can be written
    abandoned = threading.Event()
    journal.sending(rows[0].id).then(lambda: None, abandoned.set)
    assert abandoned.wait(10)
    with pytest.raises((sa.exc.DBAPIError, NewsletterError)):  # says why to the next to ask
        journal.sending(rows[1].id)
    journal.close()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_only_the_groups_keep_one_plan(store):
    """The journal's connection keeps one generic plan for its group statement
    (tests/delivery/test_group_plan.py); the other work given to it plans as any connection
    does, and the pool gets it back as it was."""
    journal, _ = _journal(store, 3)
    try:
        shown = journal.call(
            lambda connection, now: connection.exec_driver_sql("SHOW plan_cache_mode").scalar()
        )
        assert shown == "auto"
    finally:
        journal.close()
    with store.engine.connect() as connection:  # the pool's connection, reset
        assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
