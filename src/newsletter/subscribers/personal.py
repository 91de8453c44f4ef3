"""What a subscriber does from their own signed links: unsubscribe, change name or language
(each change recorded in their history).

The links name the subscriber by id (delivery signs it); a forgotten person's id is gone, so
their old links find nobody and change nothing.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from newsletter.core import NewsletterError, one_line_problem
from newsletter.db import ACTIVE, UNSUBSCRIBED, subscribers

from .rows import Change, Subscriber, history_values, preferences_changed, record_history
from .store import Store


def find_by_id(store: Store, subscriber_id: int) -> Subscriber | None:
    with store.reading() as connection:
        row = connection.execute(
            sa.select(subscribers).where(subscribers.c.id == subscriber_id)
        ).first()
    return Subscriber.from_row(row) if row else None


def unsubscribe_by_id(store: Store, subscriber_id: int, made: Change) -> Subscriber | None:
    """Unsubscribe an active subscriber (recorded in their history with `made`); anyone else
    stays as they are (unsubscribing twice is harmless). None when nobody has this id."""
    subscriber = find_by_id(store, subscriber_id)
    if subscriber is None or subscriber.status != ACTIVE:
        return subscriber
    try:
        _, subscriber = store.set_status(subscriber.email, UNSUBSCRIBED, made)
    except NewsletterError:  # forgotten in the meantime
        return None
    return subscriber


def set_preferences(
    store: Store, subscriber_id: int, name: str, language: str, made: Change
) -> Subscriber | None:
    """Change a subscriber's name and edition language, and record in their history what
    changed, with `made` (a save that changes nothing records nothing); None when nobody
    has this id. NewsletterError for a name of several lines or an unknown language."""
    why = one_line_problem(name)
    if why:
        raise NewsletterError(f"name: {why}")
    wanted = {"name": name.strip(), "language": store.language(language)}
    with store.transaction() as connection:
        if connection.dialect.name == "postgresql":
            # The lock an UPDATE takes, taken first: the row lock below then waits behind an
            # import's table lock, where it would otherwise hold the row the import needs.
            connection.execute(sa.text("LOCK TABLE subscribers IN ROW EXCLUSIVE MODE"))
        row = connection.execute(
            sa.select(subscribers).where(subscribers.c.id == subscriber_id).with_for_update()
        ).first()
        if row is None:
            return None
        old = Subscriber.from_row(row)
        values = {key: value for key, value in wanted.items() if value != getattr(old, key)}
        if not values:
            return old
        connection.execute(sa.update(subscribers).where(subscribers.c.id == old.id).values(values))
        detail = preferences_changed(old, values)
        history = history_values(old.id, "preferences", old.status, old.consent, made, detail)
        record_history(connection, [history])
    return dataclasses.replace(old, **values)
