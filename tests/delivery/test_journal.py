"""The journal's two connections: claims, made ahead by the claimer thread, are committed
apart from the groups of marks and outcomes that connections wait for; on SQLite the two
take turns rather than meet SQLite's busy handler."""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from newsletter.db import CLAIMED, SENT, deliveries
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
                journal.sending(row.id)()
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
