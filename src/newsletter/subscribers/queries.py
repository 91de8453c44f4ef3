"""Read-only questions about subscribers: lists, lapsing consent, counts, history, export."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from typing import IO

import sqlalchemy as sa

from newsletter.db import ACTIVE, IMPLIED, subscriber_history, subscribers

from .consent import format_moment
from .listfile import write_csv
from .rows import Subscriber, deliverable_query, find_by_keys
from .store import Store

EXPORT_COLUMNS = ["email", "name", "language", "status", "consent", "consented_at", "source"]
STREAM_ROWS = 1000  # rows fetched at a time when walking the whole table


def list_subscribers(
    store: Store, status: str | None = None, language: str | None = None
) -> list[Subscriber]:
    query = sa.select(subscribers).order_by(subscribers.c.id)
    if status:
        query = query.where(subscribers.c.status == status)
    if language:
        query = query.where(subscribers.c.language == language)
    with store.reading() as connection:
        return [Subscriber.from_row(row) for row in connection.execute(query)]


def _implied_active() -> sa.Select:
    return sa.select(subscribers).where(
        subscribers.c.status == ACTIVE, subscribers.c.consent == IMPLIED
    )


def expiring(store: Store, now: dt.datetime, days: int) -> list[Subscriber]:
    """Active subscribers whose implied consent lapses after `now` and by the end of the
    `days`th day after today (0: later today), where the newsletter is."""
    ends = subscribers.c.consent_expires_at
    query = _implied_active().where(ends > now, ends < _end_of_day(now, days, store.timezone))
    with store.reading() as connection:
        return [Subscriber.from_row(row) for row in connection.execute(query.order_by(ends))]


def _end_of_day(now: dt.datetime, days: int, timezone: str) -> dt.datetime:
    """Midnight at the end of the day `days` days after the day of `now`, in `timezone`."""
    day = now.astimezone(zoneinfo.ZoneInfo(timezone)).date() + dt.timedelta(days=days + 1)
    return dt.datetime.combine(day, dt.time(), zoneinfo.ZoneInfo(timezone))


def expired(store: Store, now: dt.datetime) -> list[Subscriber]:
    """Active subscribers no longer mailed because their implied consent has lapsed."""
    ends = subscribers.c.consent_expires_at
    query = _implied_active().where(ends <= now).order_by(ends)
    with store.reading() as connection:
        return [Subscriber.from_row(row) for row in connection.execute(query)]


def deliverable(store: Store, at: dt.datetime, language: str | None = None) -> list[Subscriber]:
    with store.reading() as connection:
        rows = connection.execute(deliverable_query(at, language))
        return [Subscriber.from_row(row) for row in rows]


def counts(store: Store, now: dt.datetime) -> tuple[Counter, int]:
    """Subscribers by (status, language), and how many may be mailed now."""
    by = sa.select(subscribers.c.status, subscribers.c.language, sa.func.count()).group_by(
        subscribers.c.status, subscribers.c.language
    )
    mailable = sa.select(sa.func.count()).select_from(deliverable_query(now).subquery())
    with store.reading() as connection:
        table = Counter({(s, lang): n for s, lang, n in connection.execute(by)})
        return table, connection.execute(mailable).scalar_one()


def history(store: Store, email: str) -> tuple[Subscriber | None, list[sa.Row]]:
    """The subscriber and every change of their status, consent or preferences, oldest
    first."""
    key = store.key(email)
    with store.reading() as connection:
        subscriber = find_by_keys(connection, [key]).get(key)
        if subscriber is None:
            return None, []
        query = (
            sa.select(subscriber_history)
            .where(subscriber_history.c.subscriber_id == subscriber.id)
            .order_by(subscriber_history.c.id)
        )
        return subscriber, list(connection.execute(query))


def export_csv(store: Store, stream: IO[str]) -> int:
    """Every subscriber as CSV that `subscribers import` reads back; returns how many."""
    with store.reading() as connection:
        keys: set[str] = set()
        for attributes in _walk(connection, sa.select(subscribers.c.attributes)):
            keys.update(attributes[0] or {})
        extra = sorted(keys - set(EXPORT_COLUMNS))
        # Why implied consent was implied sets how long it lasts: exported where any has one,
        # so that a list exported and imported again keeps each consent's period.
        reasons = sa.select(subscribers.c.id).where(subscribers.c.consent_reason.is_not(None))
        if connection.execute(reasons.limit(1)).first() is not None:
            extra = ["consent_reason", *extra]
        rows = (
            _export_row(Subscriber.from_row(row), store.timezone)
            for row in _walk(connection, sa.select(subscribers).order_by(subscribers.c.id))
        )
        return write_csv(stream, EXPORT_COLUMNS + extra, rows)


def _walk(connection: sa.Connection, query: sa.Select) -> Iterator[sa.Row]:
    """All rows of a query without holding them all (a server-side cursor on PostgreSQL)."""
    result = connection.execution_options(yield_per=STREAM_ROWS).execute(query)
    yield from result


def _export_row(subscriber: Subscriber, timezone: str) -> dict[str, str]:
    return {
        **subscriber.attributes,
        "email": subscriber.email,
        "name": subscriber.name,
        "language": subscriber.language,
        "status": subscriber.status,
        "consent": subscriber.consent.kind,
        "consented_at": format_moment(subscriber.consent.at, timezone),
        "source": subscriber.consent.source,
        "consent_reason": subscriber.consent.reason or "",
    }
