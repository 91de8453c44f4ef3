"""`newsletter send`: an issue's editions to every eligible subscriber, exactly once.

Like a recipe: check what must hold before anything is recorded (a signing key for mail
that leaves the machine, a server that answers), snapshot the recipients of each edition
into the ledger (or join the snapshot another process made), give back what dead workers
left, then let the worker's connections work through the ledger. `send` again after a stop
or a crash continues where the ledger says.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from newsletter.config import Config
from newsletter.core import NewsletterError
from newsletter.db import (
    ACTIVE,
    BOUNCED,
    FAILED,
    OPEN_STATES,
    deliveries,
    sends,
    subscribers,
    use_write_ahead_log,
)
from newsletter.issues import Issue
from newsletter.mail import DkimKeyError, Outgoing, PreparedMessage, sender_domain
from newsletter.render import RenderedIssue
from newsletter.subscribers import Change, Store, deliverable_query

from . import ledger
from .journal import Journal, utcnow
from .processes import run_processes
from .tokens import Personal, Signer, personal_recipient
from .transports import UNRECORDED, Envelope, Reply, Transport, TransportUnavailable
from .worker import Edition, Options, Progress, Worker

TEST_SUBJECT = "[TEST] "
NOBODY = Personal(0, 0)


@dataclass(frozen=True)
class SendReport:
    """Where every recipient of the editions sent stands after this run."""

    counts: dict[str, Counter]  # language -> state -> recipients
    recovered: int  # rows dead workers had claimed, given back
    uncertain: int  # rows dead workers were handing over, now uncertain
    bounced: list[str]  # subscribers marked bounced by this run


def check_can_send(config: Config, transport: Transport) -> None:
    """What must hold before anything is recorded: nothing is marked when this fails."""
    check_secret_key(config, transport)
    try:
        Outgoing(config)
    except DkimKeyError as exc:
        raise NewsletterError(f"NEWSLETTER_DKIM_PRIVATE_KEY cannot sign: {exc}") from None
    try:
        transport.connect().close()
    except TransportUnavailable as exc:
        raise NewsletterError(f"{exc}; nothing was sent") from None


def check_secret_key(config: Config, transport: Transport) -> None:
    """Messages that leave this machine carry links signed with a key that must be set (a
    short one is warned about by the preflight: see Config.secret_key_weakness)."""
    if transport.needs_secret_key:
        problem = config.secret_key_problem(
            "sending over SMTP", "it signs each subscriber's unsubscribe link"
        )
        if problem:
            raise NewsletterError(problem)


def send_issue(
    store: Store,
    rendered: RenderedIssue,
    transport: Transport,
    options: Options,
    stop: threading.Event,
    progress: Progress,
    retry_uncertain: bool = False,
) -> SendReport:
    """Send the rendered editions (all of `rendered`) through the ledger."""
    config = store.config
    check_can_send(config, transport)
    use_write_ahead_log(store.engine, store.shown)
    issue = rendered.issue
    now = utcnow()
    with store.transaction() as connection:
        started = [
            (language, *ledger.start_send(connection, issue.slug, language, edition.subject, now))
            for language, edition in rendered.editions.items()
        ]
        send_ids = [send_id for _, send_id, _ in started]
        if retry_uncertain:
            for send_id in send_ids:
                ledger.retry_uncertain(connection, send_id, now)
        stale = now - dt.timedelta(seconds=config.settings.delivery.stalled_after)
        dead = ledger.dead_workers(connection, send_ids, stale, socket.gethostname(), _alive)
        recovered, uncertain = ledger.recover(connection, send_ids, dead, now)
        rows = {row.id: row for row in _sends(connection, send_ids)}
    editions = [
        Edition(
            send_id,
            issue.slug,
            language,
            rows[send_id].created_at,
            rows[send_id].recipients,
            PreparedMessage.from_edition(rendered.edition(language), config),
            str(int(rows[send_id].created_at.timestamp())),
        )
        for language, send_id, _ in started
    ]

    def work(options: Options, stop: threading.Event, progress: Progress) -> None:
        """One worker: its row in the workers table, its journal, its connections."""
        if os.getpid() != parent:  # a forked worker process: its own database connections
            store.engine.dispose(close=False)
        with store.transaction() as connection:
            host, pid = socket.gethostname(), os.getpid()
            worker_id = ledger.register_worker(connection, host, pid, utcnow())
        journal = Journal(store.engine, worker_id, send_ids, store.shown)
        try:
            Worker(config, journal, transport, editions, options, stop, progress).run()
        finally:
            journal.close()

    parent = os.getpid()
    run_processes(work, options, stop, progress, before_fork=store.engine.dispose)
    with store.transaction() as connection:
        _mark_finished(connection, send_ids, utcnow())
    bounced = disable_bounced(store, send_ids)
    counts = {language: state_counts(store, send_id) for language, send_id, _ in started}
    return SendReport(counts, recovered, uncertain, bounced)


def send_test(
    config: Config, rendered: RenderedIssue, addresses: list[str], transport: Transport
) -> list[tuple[str, str, Reply]]:
    """Each edition to `addresses` only, its subject marked as a test; nothing recorded."""
    check_can_send(config, transport)
    # A link for nobody: the unsubscribe page refuses subscriber 0.
    signer = Signer([config.secret_key])
    message_id = f"<test.{os.getpid()}@{sender_domain(config)}>"
    outgoing = Outgoing(config)
    replies = []
    connection = transport.connect()
    try:
        for language, edition in rendered.editions.items():
            message = PreparedMessage.from_edition(edition, config, subject_prefix=TEST_SUBJECT)
            for address in addresses:
                recipient = personal_recipient(config, signer, NOBODY, address)
                data, sender = outgoing.finish(message.fill_parts(recipient, message_id), 0, 0)
                envelope, name = Envelope(sender, address), f"test-{language}"
                reply = connection.send(envelope, data, name, UNRECORDED)
                replies.append((language, address, reply))
    finally:
        connection.close()
    return replies


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    # A killed worker process nobody has reaped yet (a zombie) answers, but is dead.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):  # no /proc (not Linux)
        return True


def _sends(connection, send_ids: list[int]):
    return connection.execute(sa.select(sends).where(sends.c.id.in_(send_ids))).all()


def _mark_finished(connection, send_ids: list[int], now: dt.datetime) -> None:
    still_open = (
        sa.select(deliveries.c.id)
        .where(deliveries.c.send_id == sends.c.id, deliveries.c.state.in_(OPEN_STATES))
        .exists()
    )
    connection.execute(
        sa.update(sends)
        .where(sends.c.id.in_(send_ids), sends.c.finished_at.is_(None), ~still_open)
        .values(finished_at=now)
    )


def state_counts(store: Store, send_id: int) -> Counter:
    with store.reading() as connection:
        rows = connection.execute(
            sa.select(deliveries.c.state, sa.func.count())
            .where(deliveries.c.send_id == send_id)
            .group_by(deliveries.c.state)
        ).all()
    return Counter(dict(rows))


def disable_bounced(store: Store, send_ids: list[int]) -> list[str]:
    """Subscribers whose address the server refused for good (5xx) as many times as
    `bounces_to_disable`, counted over every send, become bounced: in the store, with the
    last refusal in their history."""
    limit = store.config.settings.delivery.bounces_to_disable
    hard = sa.and_(deliveries.c.state == FAILED, deliveries.c.reply_code >= 500)
    in_this_run = sa.select(deliveries.c.subscriber_id).where(
        deliveries.c.send_id.in_(send_ids), hard
    )
    query = (
        sa.select(subscribers.c.email, sa.func.max(deliveries.c.reply))
        .join(deliveries, deliveries.c.subscriber_id == subscribers.c.id)
        .where(hard, subscribers.c.status == ACTIVE, subscribers.c.id.in_(in_this_run))
        .group_by(subscribers.c.id, subscribers.c.email)
        .having(sa.func.count() >= limit)
    )
    with store.reading() as connection:
        found = connection.execute(query).all()
    now = utcnow()
    for email, reply in found:
        store.set_status(email, BOUNCED, Change(f"send: {reply}"[:500], "newsletter send", now))
    return [email for email, _ in found]


def cancel_sends(store: Store, issue: Issue, languages: list[str]) -> dict[str, int]:
    """Pending and deferred messages of these editions become cancelled."""
    now, cancelled = utcnow(), {}
    with store.transaction() as connection:
        for language in languages:
            found = ledger.find_send(connection, issue.slug, language)
            if found is not None:
                cancelled[language] = ledger.cancel(connection, found.id, now)
    if not cancelled:
        raise NewsletterError(f"'{issue.slug}' has not been sent: there is nothing to cancel")
    return cancelled


@dataclass(frozen=True)
class Eligible:
    recipients: int  # would be in the snapshot now
    lapsed: int  # active, but their implied consent has lapsed


def eligible(store: Store, language: str) -> Eligible:
    """Whom a send of this edition would snapshot now (for the plan `send` shows)."""
    now = utcnow()
    with store.reading() as connection:
        recipients = connection.execute(
            sa.select(sa.func.count()).select_from(
                deliverable_query(now, language).order_by(None).subquery()
            )
        ).scalar_one()
        lapsed = connection.execute(ledger.lapsed_count(now, language)).scalar_one()
    return Eligible(recipients, lapsed)
