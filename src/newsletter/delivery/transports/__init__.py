"""How messages leave: a small base and one module per transport (SMTP, the outbox folder),
as anymail keeps its backends."""

from .base import (
    UNRECORDED,
    Connection,
    ConnectionLost,
    Envelope,
    HandOver,
    Reply,
    Transport,
    TransportUnavailable,
)
from .outbox import OutboxTransport
from .smtp import SmtpServer, SmtpTransport

__all__ = [
    "UNRECORDED",
    "Connection",
    "ConnectionLost",
    "Envelope",
    "HandOver",
    "OutboxTransport",
    "Reply",
    "SmtpServer",
    "SmtpTransport",
    "Transport",
    "TransportUnavailable",
]
