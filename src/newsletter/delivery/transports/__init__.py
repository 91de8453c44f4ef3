"""How messages leave: a small base and one module per transport (SMTP, the outbox folder),
as anymail keeps its backends."""

from .base import (
    Connection,
    ConnectionLost,
    Envelope,
    Reply,
    Transport,
    TransportUnavailable,
)
from .outbox import OutboxTransport
from .smtp import SmtpServer, SmtpTransport

__all__ = [
    "Connection",
    "ConnectionLost",
    "Envelope",
    "OutboxTransport",
    "Reply",
    "SmtpServer",
    "SmtpTransport",
    "Transport",
    "TransportUnavailable",
]
