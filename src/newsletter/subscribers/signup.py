"""Subscriptions asked for on the web form and confirmed by a link (double opt-in).

`ask` records the request and returns the link's token: random, stored only as its SHA-256,
so that the table does not hold working links. `confirm` uses a token once, before it
expires: the request is marked confirmed by a conditional UPDATE, which only one of two
simultaneous clicks can win, and then the person is added (or re-activated) with express
consent from the web form. The confirmed row stays, with the IP addresses and times, as the
record of that consent (CASL); unconfirmed rows are deleted once expired.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from newsletter.core import NewsletterError, one_line_problem
from newsletter.db import EXPRESS, confirmations

from .consent import Consent
from .rows import Change, Subscriber
from .store import Store

WEB_FORM = "web form"  # the consent's source, as `subscribers show` lists it


@dataclass(frozen=True)
class Request:
    """A subscription asked for on the web form, not confirmed yet."""

    email: str
    name: str
    language: str
    requested_at: dt.datetime
    requested_ip: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ask(
    store: Store,
    email: str,
    name: str,
    language: str | None,
    ip: str,
    now: dt.datetime,
    valid_for: dt.timedelta,
) -> str:
    """Record a request to subscribe; the token of its confirmation link. NewsletterError
    for an address that cannot receive mail, a name of several lines, an unknown language."""
    key, language = store.key(email), store.language(language) or store.languages[0]
    why = one_line_problem(name)
    if why:
        raise NewsletterError(f"name: {why}")
    token = secrets.token_urlsafe(32)
    row = {
        "token_hash": token_hash(token),
        "email_key": key,
        "email": email.strip(),
        "name": name.strip(),
        "language": language,
        "requested_at": now,
        "requested_ip": ip[:45],
        "expires_at": now + valid_for,
    }
    unconfirmed = confirmations.c.confirmed_at.is_(None)
    with store.transaction() as connection:
        connection.execute(
            sa.delete(confirmations).where(unconfirmed, confirmations.c.expires_at <= now)
        )
        connection.execute(sa.insert(confirmations), [row])
    return token


def pending(store: Store, token: str, now: dt.datetime) -> Request | None:
    """The request this token confirms, if it is unused and has not expired."""
    with store.reading() as connection:
        row = connection.execute(sa.select(confirmations).where(_usable(token, now))).first()
    if row is None:
        return None
    return Request(row.email, row.name, row.language, row.requested_at, row.requested_ip)


def confirm(store: Store, token: str, ip: str, now: dt.datetime) -> Subscriber | None:
    """Use the token: the person becomes an active subscriber with express consent given on
    the web form when they asked. None when the token is unknown, used or expired, or when
    their record refuses it (they left, or asked to be forgotten, after asking)."""
    request = pending(store, token, now)
    if request is None:
        return None
    with store.transaction() as connection:
        taken = connection.execute(
            sa.update(confirmations)
            .where(_usable(token, now))
            .values(confirmed_at=now, confirmed_ip=ip[:45])
        )
        if taken.rowcount != 1:  # another click used it since we looked
            return None
    consent = Consent(EXPRESS, request.requested_at, WEB_FORM)
    via = f"{WEB_FORM} (asked from {request.requested_ip}, confirmed from {ip})"
    try:
        _, subscriber = store.add(
            request.email, consent, Change(via, "subscriber", now), request.name, request.language
        )
    except NewsletterError:
        return None
    return subscriber


def _usable(token: str, now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        confirmations.c.token_hash == token_hash(token),
        confirmations.c.confirmed_at.is_(None),
        confirmations.c.expires_at > now,
    )
