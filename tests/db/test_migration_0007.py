"""Migration 0007 on a database that has history: every row stays as it was, with no
detail; a change of preferences may now be recorded, and still nothing but the known kinds."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command

from newsletter.db import head_revision, make_engine, subscriber_history
from newsletter.db.migrate import alembic_config
from newsletter.subscribers import Change, history, open_store, set_preferences
from tests.subscribers.conftest import config, database_url, environ

__all__ = ["config", "database_url", "environ"]

ADDED = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)
LEFT = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)


def make_0006_database(url: str) -> None:
    """A 0006 database with one subscriber, added then unsubscribed."""
    engine = make_engine(url)
    with engine.begin() as connection:
        settings = alembic_config()
        settings.attributes["connection"] = connection
        command.upgrade(settings, "0006")
        connection.execute(
            sa.text(
                "INSERT INTO subscribers (email_key, email, name, language, status, "
                "status_changed_at, consent, consented_at, consent_source, consent_changed_at, "
                "attributes, created_at) VALUES ('old@example.org', 'old@example.org', 'Old', "
                "'en', 'unsubscribed', :left, 'express', :at, 'card', :at, '{}', :at)"
            ),
            {"at": ADDED, "left": LEFT},
        )
        for change, status, at in (("added", "active", ADDED), ("status", "unsubscribed", LEFT)):
            connection.execute(
                sa.text(
                    "INSERT INTO subscriber_history (subscriber_id, changed_at, change, status, "
                    "consent, consented_at, consent_source, via, actor) SELECT id, :at, "
                    ":change, :status, 'express', :added, 'card', 'test', 'tester' "
                    "FROM subscribers"
                ),
                {"at": at, "change": change, "status": status, "added": ADDED},
            )
    engine.dispose()


def test_history_of_a_0006_database_is_kept_and_takes_preferences(config):
    make_0006_database(config.database_url)
    store = open_store(config)
    try:
        assert (store.migration.before, store.migration.after) == ("0006", head_revision())
        subscriber, rows = history(store, "old@example.org")
        assert [(r.id, r.changed_at, r.change, r.status, r.via, r.detail) for r in rows] == [
            (1, ADDED, "added", "active", "test", None),
            (2, LEFT, "status", "unsubscribed", "test", None),
        ]
        made = Change("preferences page, link of send 1", "subscriber", LEFT)
        set_preferences(store, subscriber.id, "Old", "ja", made)
        assert [r.detail for r in history(store, "old@example.org")[1]][-1] == (
            "language: en -> ja"
        )
        with store.reading() as connection:
            indexes = sa.inspect(connection).get_indexes("subscriber_history")
        assert [index["name"] for index in indexes] == ["ix_subscriber_history_subscriber_id"]
        with pytest.raises(sa.exc.IntegrityError), store.transaction() as connection:
            connection.execute(sa.update(subscriber_history).values(change="bogus"))
    finally:
        store.close()
