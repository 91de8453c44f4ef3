"""Bounces and complaints read back into the store: each report recorded once (a second
reading of it changes nothing), its events kept, and statuses changed as the caller's
policy decides, all in one transaction.

The policy (which bounces make someone bounced) is deliverability's: it is passed in as
`decide`, given each concerned subscriber's tally.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsletter.core import InvalidAddress, address_key
from newsletter.db import (
    COMPLAINT,
    HARD,
    SOFT,
    bounce_events,
    bounce_reports,
    sends,
    subscribers,
)

from .rows import Change, Subscriber, find_by_keys, history_values, record_history


@dataclass(frozen=True)
class BounceEvent:
    """What one report says about one recipient (or, with no one named, about nobody)."""

    kind: str  # one of BOUNCE_KINDS
    email: str = ""
    status: str = ""  # the DSN status, 5.1.1
    detail: str = ""
    send_id: int | None = None  # from the return path (VERP)
    subscriber_id: int | None = None  # from the return path: wins over `email`


@dataclass(frozen=True)
class Tally:
    """A subscriber's bounces and complaints since they last became active."""

    subscriber: Subscriber
    hard: tuple[str, ...]  # the status of each hard bounce ("" when the report gave none)
    soft: int  # sends (or reports, when the send is not known) with a soft bounce
    complaints: int


Decide = Callable[[Tally], str | None]  # the new status, or None to leave it


@dataclass(frozen=True)
class StatusChange:
    subscriber: Subscriber  # as before the change
    status: str
    reason: str


def record_report(
    store, key: str, source: str, events: list[BounceEvent], decide: Decide, made: Change
) -> list[StatusChange] | None:
    """Record one report and apply `decide`; None when this report was recorded before."""
    try:
        return _record(store, key, source, events, decide, made)
    except sa.exc.IntegrityError:
        with store.reading() as connection:
            if connection.execute(_seen(key)).first() is not None:
                return None  # another process recorded it since we looked: counted once
        raise


def _seen(key: str) -> sa.Select:
    return sa.select(bounce_reports.c.report_key).where(bounce_reports.c.report_key == key)


def _record(
    store, key: str, source: str, events: list[BounceEvent], decide: Decide, made: Change
) -> list[StatusChange] | None:
    with store.transaction() as connection:
        if connection.execute(_seen(key)).first() is not None:
            return None
        connection.execute(
            sa.insert(bounce_reports).values(report_key=key, processed_at=made.at, source=source)
        )
        rows, concerned = [], {}
        for event in events:
            subscriber = _subscriber(connection, event)
            if subscriber is not None and event.kind in (HARD, SOFT, COMPLAINT):
                concerned.setdefault(subscriber.id, (subscriber, event))
            rows.append(_event_row(connection, key, event, subscriber, made.at))
        connection.execute(sa.insert(bounce_events), rows)
        changes = []
        for subscriber, event in concerned.values():
            status = decide(_tally(connection, subscriber))
            if status and status != subscriber.status:
                reason = _reason(event)
                _set_status(connection, subscriber, status, Change(reason, made.actor, made.at))
                changes.append(StatusChange(subscriber, status, reason))
        return changes


def _subscriber(connection: Connection, event: BounceEvent) -> Subscriber | None:
    if event.subscriber_id is not None:
        row = connection.execute(
            sa.select(subscribers).where(subscribers.c.id == event.subscriber_id)
        ).first()
        if row is not None:
            return Subscriber.from_row(row)
    try:
        key = address_key(event.email)
    except InvalidAddress:
        return None
    return find_by_keys(connection, [key]).get(key)


def _event_row(connection, key, event: BounceEvent, subscriber, at: dt.datetime) -> dict:
    send_id = event.send_id
    if send_id is not None:  # a forged or stale return path may name a send that is gone
        exists = sa.select(sends.c.id).where(sends.c.id == send_id)
        send_id = connection.execute(exists).scalar()
    return {
        "report_key": key,
        "subscriber_id": subscriber.id if subscriber else None,
        "send_id": send_id,
        "email": (subscriber.email if subscriber else event.email)[:320],
        "kind": event.kind,
        "status": event.status[:20],
        "detail": event.detail[:1000],
        "received_at": at,
    }


def _tally(connection: Connection, subscriber: Subscriber) -> Tally:
    since = sa.and_(
        bounce_events.c.subscriber_id == subscriber.id,
        bounce_events.c.received_at >= subscriber.status_changed_at,
    )
    hard = connection.execute(
        sa.select(bounce_events.c.status).where(since, bounce_events.c.kind == HARD)
    ).scalars()
    soft_sends = sa.func.coalesce(
        sa.cast(bounce_events.c.send_id, sa.String), bounce_events.c.report_key
    )
    soft = connection.execute(
        sa.select(sa.func.count(sa.distinct(soft_sends))).where(since, bounce_events.c.kind == SOFT)
    ).scalar_one()
    complaints = connection.execute(
        sa.select(sa.func.count()).where(since, bounce_events.c.kind == COMPLAINT)
    ).scalar_one()
    return Tally(subscriber, tuple(hard), soft, complaints)


def _reason(event: BounceEvent) -> str:
    """`bounces: complaint abuse`, `bounces: hard 5.1.1 550 5.1.1 user unknown`: history's."""
    words = [event.kind, event.status, event.detail]
    return ("bounces: " + " ".join(w for w in words if w))[:500]


def _set_status(connection: Connection, subscriber: Subscriber, status: str, made: Change) -> None:
    connection.execute(
        sa.update(subscribers)
        .where(subscribers.c.id == subscriber.id)
        .values(status=status, status_changed_at=made.at)
    )
    row = history_values(subscriber.id, "status", status, subscriber.consent, made)
    record_history(connection, [row])


def bounce_counts(store, send_ids: list[int]) -> dict[int, Counter]:
    """Per send: how many of its subscribers bounced (hard), soft-bounced and complained."""
    query = (
        sa.select(
            bounce_events.c.send_id,
            bounce_events.c.kind,
            sa.func.count(sa.distinct(bounce_events.c.subscriber_id)),
        )
        .where(bounce_events.c.send_id.in_(send_ids))
        .group_by(bounce_events.c.send_id, bounce_events.c.kind)
    )
    found: dict[int, Counter] = {}
    with store.reading() as connection:
        for send_id, kind, count in connection.execute(query):
            found.setdefault(send_id, Counter())[kind] = count
    return found
