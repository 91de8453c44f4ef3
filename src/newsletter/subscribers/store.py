"""The subscriber store: who is subscribed, on what consent, and every change to that.

`open_store(config)` opens (and migrates) the database. Commands call the Store's methods;
the importer and, later, delivery use the functions of rows.py on a Connection for bulk work
inside their own transaction. Delivery asks `deliverable_query(at, language)` whom it may
mail (re-exported here with Subscriber and Change, the names callers need).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from newsletter.config import Config
from newsletter.core import (
    InvalidAddress,
    NewsletterError,
    address_hashes,
    address_key,
    did_you_mean,
    one_line_problem,
)
from newsletter.db import (
    ACTIVE,
    EXPRESS,
    STATUSES,
    Migration,
    confirmations,
    database_errors,
    deliveries,
    display_url,
    forgotten,
    open_database,
    subscriber_history,
    subscribers,
    writing,
)

from .consent import Consent
from .rows import (
    Change,
    Subscriber,
    consent_values,
    deliverable_query,
    find_by_keys,
    history_values,
    insert_subscriber_if_new,
    new_subscriber_values,
    preferences_changed,
    record_history,
)

__all__ = ["Change", "Store", "Subscriber", "deliverable_query", "open_store"]


def open_store(config: Config) -> Store:
    """The project's store, migrated to the newest schema."""
    engine, migration = open_database(config)
    return Store(engine, config, migration)


class Store:
    """Subscriber operations, each in its own transaction."""

    def __init__(self, engine: Engine, config: Config, migration: Migration | None = None):
        self.engine = engine
        self.config = config
        self.languages = list(config.languages)
        self.timezone = config.settings.newsletter.timezone
        self.secret_key = config.secret_key
        self.shown = display_url(config)
        self.migration = migration  # what opening it did to the schema, if anything

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction: all of it is committed, or (on any error or kill) none."""
        with (
            database_errors(f"database {self.shown}"),
            self.engine.connect() as connection,
            writing(connection).begin(),
        ):
            yield connection

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        with (
            database_errors(f"database {self.shown}"),
            self.engine.connect() as connection,
            connection.begin(),
        ):
            yield connection

    def close(self) -> None:
        self.engine.dispose()

    def day(self, moment: dt.datetime) -> str:
        """The date of `moment` where the newsletter is (its configured time zone)."""
        return f"{moment.astimezone(zoneinfo.ZoneInfo(self.timezone)):%Y-%m-%d}"

    def moment(self, moment: dt.datetime) -> str:
        """`2026-01-15 12:00 EST`: `moment` where the newsletter is, saying which zone that is
        (the abbreviation, or the offset such as -03 where the zone has none)."""
        return f"{moment.astimezone(zoneinfo.ZoneInfo(self.timezone)):%Y-%m-%d %H:%M %Z}"

    def key(self, email: str) -> str:
        try:
            return address_key(email)
        except InvalidAddress as exc:
            raise NewsletterError(str(exc)) from None

    def language(self, language: str | None) -> str | None:
        """The configured language matching `language` (any case), or an error naming them."""
        if language is None:
            return None
        known = self.config.configured_language(language)
        if known:
            return known
        raise NewsletterError(
            f"unknown language '{language}'{did_you_mean(language, self.languages)}"
        )

    def get(self, email: str) -> Subscriber | None:
        key = self.key(email)
        with self.reading() as connection:
            return find_by_keys(connection, [key]).get(key)

    def require(self, connection: Connection, email: str) -> Subscriber:
        found = find_by_keys(connection, [self.key(email)])
        if not found:
            raise NewsletterError(f"no subscriber with the address '{email}'")
        return next(iter(found.values()))

    def forgotten_since(self, connection: Connection, key: str) -> dt.datetime | None:
        hashes = address_hashes(key, self.secret_key)
        query = sa.select(sa.func.min(forgotten.c.forgotten_at)).where(
            forgotten.c.address_hash.in_(hashes)
        )
        return connection.execute(query).scalar()

    def forgotten_hashes(self, connection: Connection) -> dict[str, dt.datetime]:
        rows = connection.execute(sa.select(forgotten.c.address_hash, forgotten.c.forgotten_at))
        return {address_hash: at for address_hash, at in rows}

    def add(
        self,
        email: str,
        consent: Consent,
        made: Change,
        name: str | None = None,
        language: str | None = None,
    ) -> tuple[str, Subscriber]:
        """Subscribe or update someone; returns what happened (added, resubscribed, updated,
        unchanged) and the subscriber as now stored."""
        key, language = self.key(email), self.language(language)
        for field, text in (("name", name or ""), ("source", consent.source)):
            why = one_line_problem(text)
            if why:
                raise NewsletterError(f"{field}: {why}")
        if consent.at > made.at:
            raise NewsletterError(f"the consent date {self.day(consent.at)} is in the future")
        with self.transaction() as connection:
            existing = find_by_keys(connection, [key]).get(key)
            if existing is None:
                self._allow_after_forget(connection, email, key, consent)
                row = new_subscriber_values(
                    email.strip(),
                    key,
                    name or "",
                    language or self.languages[0],
                    consent,
                    {},
                    made.at,
                )
                subscriber_id = insert_subscriber_if_new(connection, row)
                if subscriber_id is not None:
                    history = history_values(subscriber_id, "added", ACTIVE, consent, made)
                    record_history(connection, [history])
                    return "added", find_by_keys(connection, [key])[key]
                # Another command added them since we looked (PostgreSQL lets two run at once).
                existing = find_by_keys(connection, [key])[key]
            action = self._update(connection, existing, consent, made, name, language)
            return action, find_by_keys(connection, [key])[key]

    def _allow_after_forget(
        self, connection: Connection, email: str, key: str, consent: Consent
    ) -> None:
        """A forgotten person may come back, but only on their own new express consent."""
        since = self.forgotten_since(connection, key)
        if since is None:
            return
        if consent.kind != EXPRESS or consent.at <= since:
            raise NewsletterError(
                f"'{email}' asked to be forgotten on {self.day(since)}; only an express consent "
                "given after that may add them again (--consent express --consented-at DATE)"
            )
        hashes = address_hashes(key, self.secret_key)
        connection.execute(sa.delete(forgotten).where(forgotten.c.address_hash.in_(hashes)))

    def _update(
        self,
        connection: Connection,
        existing: Subscriber,
        consent: Consent,
        made: Change,
        name: str | None,
        language: str | None,
    ) -> str:
        values = {}
        if name and name != existing.name:
            values["name"] = name
        if language and language != existing.language:
            values["language"] = language
        change = None
        if existing.status != ACTIVE:
            self._check_reconsent(existing, consent)
            values.update(
                status=ACTIVE, status_changed_at=made.at, **consent_values(consent, made.at)
            )
            change = "resubscribed"
        elif consent.supersedes(existing.consent):
            values.update(consent_values(consent, made.at))
            change = "consent"
        if not values:
            return "unchanged"
        query = sa.update(subscribers).where(subscribers.c.id == existing.id).values(values)
        connection.execute(query)
        history = [history_values(existing.id, change, ACTIVE, consent, made)] if change else []
        detail = preferences_changed(existing, values)
        if detail:
            now_consent = consent if change else existing.consent
            status = values.get("status", existing.status)
            history.append(
                history_values(existing.id, "preferences", status, now_consent, made, detail)
            )
        record_history(connection, history)
        return change or "updated"

    def _check_reconsent(self, existing: Subscriber, consent: Consent) -> None:
        left = (
            f"{existing.email} is {existing.status} (since {self.day(existing.status_changed_at)})"
        )
        if consent.kind != EXPRESS:
            raise NewsletterError(
                f"{left}; only a new express consent re-activates them: "
                "--consent express --source HOW --consented-at DATE"
            )
        if consent.at <= existing.status_changed_at:
            raise NewsletterError(
                f"{left}; the express consent must be newer than that, "
                f"not of {self.day(consent.at)}: give its date with --consented-at"
            )

    def set_status(self, email: str, status: str, made: Change) -> tuple[bool, Subscriber]:
        """Mark someone unsubscribed, bounced or complained; (whether it changed, them)."""
        if check_status(status) == ACTIVE:
            raise NewsletterError("only a new express consent makes someone active: use add")
        with self.transaction() as connection:
            subscriber = self.require(connection, email)
            if subscriber.status == status:
                return False, subscriber
            values = {"status": status, "status_changed_at": made.at}
            connection.execute(
                sa.update(subscribers).where(subscribers.c.id == subscriber.id).values(values)
            )
            row = history_values(subscriber.id, "status", status, subscriber.consent, made)
            record_history(connection, [row])
            return True, find_by_keys(connection, [subscriber.email_key])[subscriber.email_key]

    def forget(self, email: str, made: Change) -> str:
        """Erase someone (right to erasure), keeping only a hash of the address so that no
        import brings them back; returns forgotten, recorded (was not subscribed) or already."""
        key = self.key(email)
        with self.transaction() as connection:
            # Their requests on the web form hold the address (and IP addresses) too.
            connection.execute(sa.delete(confirmations).where(confirmations.c.email_key == key))
            subscriber = find_by_keys(connection, [key]).get(key)
            if subscriber is not None:
                _erase(connection, subscriber.id)
            elif self.forgotten_since(connection, key) is not None:
                return "already"
            if self.forgotten_since(connection, key) is None:
                row = {
                    "address_hash": address_hashes(key, self.secret_key)[0],
                    "forgotten_at": made.at,
                }
                connection.execute(sa.insert(forgotten), [row])
            return "forgotten" if subscriber else "recorded"


def check_status(status: str) -> str:
    if status not in STATUSES:
        raise NewsletterError(f"unknown status '{status}'{did_you_mean(status, list(STATUSES))}")
    return status


def _erase(connection: Connection, subscriber_id: int) -> None:
    """Delete the subscriber; keep their history and delivery rows for counts (and so that
    nobody is mailed the same issue twice), with nothing personal."""
    anonymous = {
        "subscriber_id": None,
        "consent_source": None,
        "via": None,
        "actor": None,
        "detail": None,  # a change of name names them
    }
    connection.execute(
        sa.update(subscriber_history)
        .where(subscriber_history.c.subscriber_id == subscriber_id)
        .values(anonymous)
    )
    connection.execute(
        sa.update(deliveries)
        .where(deliveries.c.subscriber_id == subscriber_id)
        .values(subscriber_id=None, email="", name="", reply=None)
    )
    connection.execute(sa.delete(subscribers).where(subscribers.c.id == subscriber_id))
