"""Sending a ready issue as `newsletter send` and the scheduler both do: refuse a draft,
render the editions, send them through the ledger; the report's lines in words; and short
notes (the editors' reminder, a subscription's confirmation) handed to the transport
without the ledger."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from email.message import EmailMessage

from newsletter.config import Config
from newsletter.core import NewsletterError
from newsletter.db import DEFERRED, FAILED, OPEN_STATES, SENT, SKIPPED, UNCERTAIN
from newsletter.issues import Issue
from newsletter.mail import Filled, Outgoing
from newsletter.render import RenderedIssue, Renderer
from newsletter.subscribers import Store

from .send import SendReport, send_issue
from .transports import UNRECORDED, Envelope, Reply, Transport
from .worker import Options, Progress


def check_ready(issue: Issue, hint: str = "") -> None:
    """A draft is never sent to subscribers: say how to make it ready."""
    if not issue.is_ready:
        raise NewsletterError(
            f"{issue.slug} is a draft: set 'status: ready' in its file to send it{hint}"
        )


def send_ready_issue(
    store: Store,
    issue: Issue,
    languages: list[str],
    transport: Transport,
    options: Options,
    stop: threading.Event,
    progress: Progress,
    retry_uncertain: bool = False,
    checked: RenderedIssue | None = None,
) -> tuple[SendReport, str]:
    """Send the ready `issue`'s editions in `languages` through the ledger (which sends
    nobody an edition twice), as `checked` rendered them (`newsletter check`, which read the
    issue's file again: used only when it read the same issue), else rendered now; the
    report, and the hash of the content that was sent."""
    check_ready(issue)
    if checked is not None and checked.issue == issue:
        rendered = checked.only(languages)
    else:
        rendered = Renderer(store.config).render(issue, languages)
    report = send_issue(store, rendered, transport, options, stop, progress, retry_uncertain)
    return report, content_hash(rendered)


def content_hash(rendered: RenderedIssue) -> str:
    """SHA-256 of what subscribers get of each edition: subject, HTML and text (with the
    placeholders, before anyone's name or link is filled in)."""
    digest = hashlib.sha256()
    for language, edition in rendered.editions.items():
        for part in (language, edition.subject, edition.email_html, edition.text):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
    return digest.hexdigest()


def report_lines(slug: str, report: SendReport) -> list[str]:
    """`2013-05 en: 5 sent, 1 failed, 2 still to send`: each edition, where it stands."""
    lines = []
    for language, counts in report.counts.items():
        parts = [f"{counts[SENT]} sent"] + [
            f"{counts[state]} {state}"
            for state in (FAILED, UNCERTAIN, DEFERRED, SKIPPED)
            if counts[state]
        ]
        still = sum(counts[state] for state in OPEN_STATES if state != DEFERRED)
        if still:
            parts.append(f"{still} still to send")
        lines.append(f"{slug} {language}: {', '.join(parts)}")
    return lines


def open_messages(report: SendReport) -> int:
    """Messages of the report's editions that are still to send (deferred ones included)."""
    return sum(counts[state] for counts in report.counts.values() for state in OPEN_STATES)


def send_note(
    config: Config,
    transport: Transport,
    recipients: Iterable[str],
    message: EmailMessage,
    name: str,
) -> list[tuple[str, Reply]]:
    """A message for a few people through the transport, outside the ledger, signed (DKIM)
    and with a return path as every message is: each recipient with the server's reply.
    `message` is made with an SMTP policy (CRLF line ends)."""
    data, sender = Outgoing(config).finish(Filled.of(message.as_bytes()), 0, 0)
    replies = []
    connection = transport.connect()
    try:
        for recipient in recipients:
            reply = connection.send(Envelope(sender, recipient), data, name, UNRECORDED)
            replies.append((recipient, reply))
    finally:
        connection.close()
    return replies
