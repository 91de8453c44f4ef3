"""Delivery: each edition to every eligible subscriber exactly once, through a crash-safe
ledger, over SMTP or into the outbox folder; several workers on one PostgreSQL."""

from .ledger import Claimed, Outcome
from .plan import (
    check_ready,
    content_hash,
    open_messages,
    report_lines,
    send_note,
    send_ready_issue,
)
from .policy import RetryPolicy
from .send import (
    Eligible,
    SendReport,
    cancel_sends,
    check_can_send,
    check_secret_key,
    eligible,
    send_issue,
    send_test,
)
from .setup import options_for, transport_for
from .status import NOTEWORTHY, RecipientLine, SendStatus, recipients, statuses
from .tokens import PREFERENCES, UNSUBSCRIBE, InvalidToken, Personal, Signer
from .transports import (
    Envelope,
    OutboxTransport,
    Reply,
    SmtpServer,
    SmtpTransport,
    Transport,
    TransportUnavailable,
)
from .worker import Options, ServerGone

__all__ = [
    "NOTEWORTHY",
    "PREFERENCES",
    "UNSUBSCRIBE",
    "Claimed",
    "Eligible",
    "Envelope",
    "InvalidToken",
    "Options",
    "OutboxTransport",
    "Outcome",
    "Personal",
    "RecipientLine",
    "Reply",
    "RetryPolicy",
    "SendReport",
    "SendStatus",
    "ServerGone",
    "Signer",
    "SmtpServer",
    "SmtpTransport",
    "Transport",
    "TransportUnavailable",
    "cancel_sends",
    "check_can_send",
    "check_ready",
    "check_secret_key",
    "content_hash",
    "eligible",
    "open_messages",
    "options_for",
    "recipients",
    "report_lines",
    "send_issue",
    "send_note",
    "send_ready_issue",
    "send_test",
    "statuses",
    "transport_for",
]
