"""Migration 0005 on a database that has subscribers: they keep everything, their implied
consent has no reason (two years), SQLite keeps AUTOINCREMENT, and the reason is checked."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command

from newsletter.db import head_revision, make_engine
from newsletter.db.migrate import alembic_config
from newsletter.subscribers import open_store
from tests.subscribers.conftest import config, database_url, environ

__all__ = ["config", "database_url", "environ"]

CONSENTED = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)


def make_0002_database(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        settings = alembic_config()
        settings.attributes["connection"] = connection
        command.upgrade(settings, "0002")
        connection.execute(
            sa.text(
                "INSERT INTO subscribers (email_key, email, name, language, status, "
                "status_changed_at, consent, consented_at, consent_expires_at, consent_source, "
                "consent_changed_at, attributes, created_at) VALUES ('old@example.org', "
                "'old@example.org', 'Old', 'en', 'active', :at, 'implied', :at, :lapses, "
                "'card', :at, '{}', :at)"
            ),
            {"at": CONSENTED, "lapses": CONSENTED.replace(year=2028)},
        )
    engine.dispose()


def test_subscribers_of_a_0002_database_keep_their_two_years(config):
    make_0002_database(config.database_url)
    store = open_store(config)
    try:
        assert (store.migration.before, store.migration.after) == (
            "0002",
            head_revision(),
        )  # through 0005
        old = store.get("old@example.org")
        assert (old.consent.kind, old.consent.reason) == ("implied", None)
        assert old.consent.expires_at == CONSENTED.replace(year=2028)
        with store.reading() as connection:
            if connection.dialect.name == "sqlite":
                (table,) = connection.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'subscribers'"
                ).one()
                assert "AUTOINCREMENT" in table
        with pytest.raises(sa.exc.IntegrityError), store.transaction() as connection:
            connection.execute(sa.text("UPDATE subscribers SET consent_reason = 'bogus'"))
    finally:
        store.close()
