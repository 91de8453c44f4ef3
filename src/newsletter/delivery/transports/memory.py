"""A transport that keeps messages in a list, for tests of the worker logic, with replies
chosen per recipient (as anymail's test backend does)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .base import Envelope, Reply

Answer = Callable[[Envelope], Reply]


class MemoryTransport:
    name = "memory"
    needs_secret_key = False

    def __init__(self, answer: Answer | None = None):
        self.sent: list[tuple[Envelope, bytes]] = []
        self.answer = answer or (lambda envelope: Reply(250, "ok"))
        self._lock = threading.Lock()

    def describe(self) -> str:
        return "memory (tests)"

    def connect(self) -> MemoryConnection:
        return MemoryConnection(self)


class MemoryConnection:
    def __init__(self, transport: MemoryTransport):
        self.transport = transport

    def send(
        self, envelope: Envelope, message: bytes, name: str, before_end: Callable[[], None]
    ) -> Reply:
        reply = self.transport.answer(envelope)
        if reply.accepted:
            before_end()
            with self.transport._lock:
                self.transport.sent.append((envelope, message))
        return reply

    def close(self) -> None:
        pass
