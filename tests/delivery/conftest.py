"""Delivery tests: a project with many subscribers, on a SQLite file and on PostgreSQL, and
a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from newsletter.core import address_key
from newsletter.subscribers import (
    Consent,
    Store,
    insert_subscribers,
    new_subscriber_values,
)
from tests.subscribers.conftest import config, database_url, store

from .smtpd import Faults, TestServer

# Every delivery test runs on a SQLite file and on PostgreSQL, as the store's tests do;
# only `environ` differs: it points the project at the test's SMTP server.
__all__ = ["config", "database_url", "store"]

SECRET = "test-secret-key-for-signing-links"
CONSENTED = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def smtp_server() -> Iterator[TestServer]:
    server = TestServer(Faults()).start()
    yield server
    server.stop()


@pytest.fixture
def environ(database_url: str, smtp_server: TestServer) -> dict[str, str]:
    return {
        "NEWSLETTER_DATABASE_URL": database_url,
        "NEWSLETTER_DELIVERY_BACKEND": "smtp",
        "NEWSLETTER_SMTP_HOST": "127.0.0.1",
        "NEWSLETTER_SMTP_PORT": str(smtp_server.port),
        "NEWSLETTER_SMTP_SECURITY": "none",
        "NEWSLETTER_SMTP_TIMEOUT": "10",
        "NEWSLETTER_DELIVERY_RETRY_AFTER": "0.05",
        "NEWSLETTER_DELIVERY_RATE_PER_MINUTE": "0",
        "NEWSLETTER_SECRET_KEY": SECRET,
    }


def add_subscribers(store: Store, count: int, language: str = "en", start: int = 0) -> list[str]:
    """`count` subscribers with express consent; their addresses."""
    consent = Consent("express", CONSENTED, "test")
    addresses = [f"reader{n:05d}@example.org" for n in range(start, start + count)]
    rows = [
        new_subscriber_values(
            address, address_key(address), f"Reader {n}", language, consent, {}, CONSENTED
        )
        for n, address in enumerate(addresses, start=start)
    ]
    with store.transaction() as connection:
        insert_subscribers(connection, rows)
    return addresses


def add_subscriber(store: Store, address: str, name: str, language: str = "en") -> None:
    consent = Consent("express", CONSENTED, "test")
    row = new_subscriber_values(
        address, address_key(address), name, language, consent, {}, CONSENTED
    )
    with store.transaction() as connection:
        insert_subscribers(connection, [row])
