"""Rows of the subscriber tables, read and written in bulk on a caller's Connection.

The Store uses these for single changes; the importer (and later delivery) for thousands
of rows inside one transaction. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from newsletter.db import ACTIVE, IMPLIED, subscriber_history, subscribers

from .consent import Consent

CHUNK = 1000  # keys per IN (...) query: well under SQLite's limit on bound parameters


@dataclass(frozen=True)
class Subscriber:
    """One subscriber as stored."""

    id: int
    email: str
    email_key: str
    name: str
    language: str
    status: str
    status_changed_at: dt.datetime
    consent: Consent
    consent_changed_at: dt.datetime
    created_at: dt.datetime
    attributes: dict = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: sa.Row) -> Subscriber:
        consent = Consent(row.consent, row.consented_at, row.consent_source, row.consent_reason)
        return cls(
            row.id,
            row.email,
            row.email_key,
            row.name,
            row.language,
            row.status,
            row.status_changed_at,
            consent,
            row.consent_changed_at,
            row.created_at,
            dict(row.attributes or {}),
        )

    def deliverable_at(self, moment: dt.datetime) -> bool:
        return self.status == ACTIVE and self.consent.valid_at(moment)


@dataclass(frozen=True)
class Change:
    """Who and what made a change, and when: recorded with it in the history."""

    via: str  # "subscribers add", "import subscribers/sample.csv:4", "unsubscribe link"
    actor: str  # the login name of whoever ran the command, or "subscriber"
    at: dt.datetime


def deliverable_query(at: dt.datetime, language: str | None = None) -> sa.Select:
    """Subscribers who may be mailed at `at`: active, with consent given and not lapsed."""
    query = sa.select(subscribers).where(
        subscribers.c.status == ACTIVE,
        subscribers.c.consented_at <= at,
        sa.or_(subscribers.c.consent_expires_at.is_(None), subscribers.c.consent_expires_at > at),
    )
    if language is not None:
        query = query.where(subscribers.c.language == language)
    return query.order_by(subscribers.c.id)


def find_by_keys(connection: Connection, keys: Iterable[str]) -> dict[str, Subscriber]:
    """The stored subscribers among these address keys, by key (a query per thousand keys)."""
    keys = list(keys)
    found = {}
    for start in range(0, len(keys), CHUNK):
        query = sa.select(subscribers).where(_key_in(connection, keys[start : start + CHUNK]))
        for row in connection.execute(query):
            found[row.email_key] = Subscriber.from_row(row)
    return found


def _key_in(connection: Connection, keys: list[str]) -> sa.ColumnElement[bool]:
    # On PostgreSQL one array parameter: psycopg re-parses (uncached) a query with a
    # thousand placeholders each time, which costs more than the query itself.
    if connection.dialect.name == "postgresql":
        array = sa.bindparam("keys", keys, type_=postgresql.ARRAY(sa.String))
        return subscribers.c.email_key == sa.any_(array)
    return subscribers.c.email_key.in_(keys)


def new_subscriber_values(
    email: str,
    key: str,
    name: str,
    language: str,
    consent: Consent,
    attributes: dict,
    at: dt.datetime,
    status: str = ACTIVE,
) -> dict:
    """The row for a subscriber not yet stored."""
    return {
        "email_key": key,
        "email": email,
        "name": name,
        "language": language,
        "status": status,
        "status_changed_at": at,
        **consent_values(consent, at),
        "attributes": attributes,
        "created_at": at,
    }


def consent_values(consent: Consent, at: dt.datetime) -> dict:
    return {
        "consent": consent.kind,
        "consented_at": consent.at,
        "consent_expires_at": consent.expires_at,
        "consent_source": consent.source,
        "consent_changed_at": at,
        "consent_reason": consent.reason if consent.kind == IMPLIED else None,
    }


def insert_subscriber_if_new(connection: Connection, row: dict) -> int | None:
    """Insert one subscriber and return their id; None when the address is already stored,
    perhaps by a transaction that committed after ours looked (no unique-index error)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    query = (
        dialect.insert(subscribers)
        .values(row)
        .on_conflict_do_nothing(index_elements=["email_key"])
        .returning(subscribers.c.id)
    )
    return connection.execute(query).scalar()


def insert_subscribers(connection: Connection, rows: list[dict]) -> list[int]:
    """Insert many subscribers; their new ids, in the same order."""
    if not rows:
        return []
    # No RETURNING: neither COPY nor a plain executemany gives ids back in order, and
    # reading them back by key costs one query per thousand rows.
    bulk_insert(connection, subscribers, rows)
    keys = [row["email_key"] for row in rows]
    ids = {}
    for start in range(0, len(keys), CHUNK):
        query = sa.select(subscribers.c.email_key, subscribers.c.id).where(
            _key_in(connection, keys[start : start + CHUNK])
        )
        ids.update((key, id_) for key, id_ in connection.execute(query))
    return [ids[key] for key in keys]


def bulk_insert(connection: Connection, table: sa.Table, rows: list[dict]) -> None:
    """Insert rows (all with the same keys): COPY on PostgreSQL, executemany elsewhere.

    Through SQLAlchemy, psycopg re-parses a multi-row INSERT for every batch; COPY is about
    four times faster. It bypasses SQLAlchemy's types, so times must already be aware.
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(sa.insert(table), rows)
        return
    from psycopg.types.json import Jsonb  # only PostgreSQL needs psycopg loaded

    columns = list(rows[0])
    json = {name for name in columns if isinstance(table.c[name].type, sa.JSON)}
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with (
        connection.connection.driver_connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        for row in rows:
            copy.write_row([Jsonb(row[c]) if c in json else row[c] for c in columns])


def update_subscribers(connection: Connection, rows: list[dict]) -> None:
    """Rewrite whole rows (each with its `id` as `_id`): one executemany for all."""
    if not rows:
        return
    columns = {name: sa.bindparam(name) for name in rows[0] if name != "_id"}
    query = sa.update(subscribers).where(subscribers.c.id == sa.bindparam("_id")).values(columns)
    connection.execute(query, rows)


def history_values(
    subscriber_id: int,
    change: str,
    status: str,
    consent: Consent,
    made: Change,
    detail: str | None = None,
) -> dict:
    """A history row: the status and consent *after* `change`, who made it, and what else
    it changed (`detail`, for changes that status and consent do not show)."""
    return {
        "subscriber_id": subscriber_id,
        "changed_at": made.at,
        "change": change,
        "status": status,
        "consent": consent.kind,
        "consented_at": consent.at,
        "consent_source": consent.source,
        "via": made.via,
        "actor": made.actor,
        "detail": detail,
    }


def preferences_changed(old: Subscriber, new: dict) -> str | None:
    """What `new` changes of the subscriber's name and language, as the history's detail
    says it (`name: 'Ann' -> 'Ann Smith'; language: en -> ja`), or None when nothing. A name
    is quoted and escaped as Python writes a string: a right-to-left mark shows as \\u200f."""
    changes = []
    for key in ("name", "language"):
        before, after = getattr(old, key), new.get(key, getattr(old, key))
        if after != before:
            shown = (repr(before), repr(after)) if key == "name" else (before, after)
            changes.append(f"{key}: {shown[0]} -> {shown[1]}")
    return "; ".join(changes) or None


def record_history(connection: Connection, rows: list[dict]) -> None:
    bulk_insert(connection, subscriber_history, rows)
