"""How messages leave: a small base and one module per transport (SMTP, the outbox folder,
and memory for tests), as anymail keeps its backends."""

from .base import (
    Connection,
    ConnectionLost,
    Envelope,
    Reply,
    Transport,
    TransportUnavailable,
)
from .memory import MemoryTransport
from .outbox import OutboxTransport
from .smtp import SmtpServer, SmtpTransport

__all__ = [
    "Connection",
    "ConnectionLost",
    "Envelope",
    "MemoryTransport",
    "OutboxTransport",
    "Reply",
    "SmtpServer",
    "SmtpTransport",
    "Transport",
    "TransportUnavailable",
]
