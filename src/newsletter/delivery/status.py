"""`newsletter status`: every send with its counts and state, or one issue's recipients.

A send is running only while a worker is alive: one whose workers stopped with messages
still open is shown as stalled, with the time of its last progress, never as running for
ever. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsletter.db import (
    CANCELLED,
    DEFERRED,
    FAILED,
    OPEN_STATES,
    SKIPPED,
    UNCERTAIN,
    deliveries,
    sends,
)

# The states worth a line each in `status ISSUE`: what did not simply go out.
NOTEWORTHY = (FAILED, UNCERTAIN, DEFERRED, SKIPPED, CANCELLED)


@dataclass(frozen=True)
class SendStatus:
    id: int
    issue: str
    language: str
    subject: str
    created_at: dt.datetime
    recipients: int
    lapsed: int
    counts: Counter
    state: str  # running, stalled, waiting, done, cancelled
    last_progress: dt.datetime | None
    finished_at: dt.datetime | None = None  # its end recorded (and its bounced marked)

    @property
    def open(self) -> int:
        return sum(self.counts[state] for state in OPEN_STATES)


@dataclass(frozen=True)
class RecipientLine:
    email: str
    state: str
    attempts: int
    reply: str
    updated_at: dt.datetime


def send_statuses(
    connection: Connection, now: dt.datetime, stalled_after: float, issue: str | None = None
) -> list[SendStatus]:
    """Every send (of `issue`), newest first."""
    query = sa.select(sends).order_by(sends.c.created_at.desc(), sends.c.language)
    if issue is not None:
        query = query.where(sends.c.issue == issue)
    rows = connection.execute(query).all()
    counts = _counts(connection, [row.id for row in rows])
    return [_status(row, counts.get(row.id, Counter()), now, stalled_after) for row in rows]


def _counts(connection: Connection, send_ids: list[int]) -> dict[int, Counter]:
    found: dict[int, Counter] = {}
    query = (
        sa.select(deliveries.c.send_id, deliveries.c.state, sa.func.count())
        .where(deliveries.c.send_id.in_(send_ids))
        .group_by(deliveries.c.send_id, deliveries.c.state)
    )
    for send_id, state, count in connection.execute(query):
        found.setdefault(send_id, Counter())[state] = count
    return found


def _status(row, counts: Counter, now: dt.datetime, stalled_after: float) -> SendStatus:
    still_open = sum(counts[state] for state in OPEN_STATES)
    alive = row.heartbeat_at and (now - row.heartbeat_at).total_seconds() < stalled_after
    if row.cancelled_at and not still_open:
        state = "cancelled"
    elif not still_open:
        state = "done"
    elif alive:
        state = "running"
    elif still_open == counts[DEFERRED]:
        state = "waiting"  # only retries are left, and nobody is sending: `send` resumes
    else:
        state = "stalled"
    return SendStatus(
        row.id,
        row.issue,
        row.language,
        row.subject,
        row.created_at,
        row.recipients,
        row.lapsed,
        counts,
        state,
        row.heartbeat_at,
        row.finished_at,
    )


def recipient_lines(connection: Connection, send_id: int) -> list[RecipientLine]:
    """The recipients who did not simply get the message, with the reason, by state."""
    order = sa.case(
        {state: index for index, state in enumerate(NOTEWORTHY)}, value=deliveries.c.state
    )
    query = (
        sa.select(
            deliveries.c.email,
            deliveries.c.state,
            deliveries.c.attempts,
            deliveries.c.reply,
            deliveries.c.updated_at,
        )
        .where(deliveries.c.send_id == send_id, deliveries.c.state.in_(NOTEWORTHY))
        .order_by(order, deliveries.c.id)
    )
    return [
        RecipientLine(
            row.email or "(forgotten)", row.state, row.attempts, row.reply or "", row.updated_at
        )
        for row in connection.execute(query)
    ]


def statuses(store, issue: str | None = None) -> list[SendStatus]:
    """Every send (of `issue`), from the project's store."""
    stalled_after = store.config.settings.delivery.stalled_after
    with store.reading() as connection:
        return send_statuses(connection, dt.datetime.now(dt.UTC), stalled_after, issue)


def recipients(store, send_id: int) -> list[RecipientLine]:
    with store.reading() as connection:
        return recipient_lines(connection, send_id)
