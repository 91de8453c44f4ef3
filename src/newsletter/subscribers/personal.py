"""What a subscriber does from their own signed links: unsubscribe, change name or language.

The links name the subscriber by id (delivery signs it); a forgotten person's id is gone, so
their old links find nobody and change nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from newsletter.core import NewsletterError, one_line_problem
from newsletter.db import ACTIVE, UNSUBSCRIBED, subscribers

from .rows import Change, Subscriber
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
    store: Store, subscriber_id: int, name: str, language: str
) -> Subscriber | None:
    """Change a subscriber's name and edition language; None when nobody has this id.
    NewsletterError for a name of several lines or an unknown language."""
    why = one_line_problem(name)
    if why:
        raise NewsletterError(f"name: {why}")
    values = {"name": name.strip(), "language": store.language(language)}
    with store.transaction() as connection:
        changed = connection.execute(
            sa.update(subscribers).where(subscribers.c.id == subscriber_id).values(values)
        )
    return find_by_id(store, subscriber_id) if changed.rowcount else None
