"""What every transport offers the workers: connections that hand over one message at a
time and answer with the server's reply, like SMTP's.

A transport says what happened in SMTP's terms, so that the ledger has one vocabulary: a
2xx reply is accepted, 4xx is "try again later", 5xx is "never". A connection that breaks
says whether the message's data had been sent in full (then the server may have taken it:
uncertain) or not (then it surely did not, and the message can go again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Envelope:
    """Who the message is from and to, as the mail servers see it (not the headers)."""

    sender: str
    recipient: str

    @property
    def needs_smtputf8(self) -> bool:
        return not (self.sender.isascii() and self.recipient.isascii())


@dataclass(frozen=True)
class Reply:
    """The server's answer to one message."""

    code: int
    text: str

    @property
    def accepted(self) -> bool:
        return 200 <= self.code < 300

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()

    def said(self) -> str:
        """What became of the message, in a word, with the server's words."""
        return f"{'sent' if self.accepted else 'refused'} ({self})"


class ConnectionLost(Exception):  # noqa: N818: the name says what happened, as smtplib's do
    """The connection broke while handing over a message."""

    def __init__(self, reason: str, *, data_sent: bool):
        super().__init__(reason)
        self.reason = reason
        self.data_sent = data_sent  # the whole message had gone: the server may have it


class TransportUnavailable(Exception):
    """No connection can be made (server down, refused login, bad certificate)."""


class HandOver(Protocol):
    """The ledger's part in the end of a message: the server may take the message only once
    the ledger has recorded that it is being handed over."""

    def wait(self) -> None:
        """Return once the ledger has recorded it; raises why it cannot."""

    def then(self, end: Callable[[], None], abandon: Callable[[], None]) -> None:
        """Call `end` once the ledger has recorded it (now, or later from another thread),
        or `abandon` if it cannot; one of the two, once. `end` must not block."""

    def check(self) -> None:
        """Raise why the ledger could not record it, if it could not."""


class _Unrecorded:
    """The hand-over of a message the ledger does not record (a test send, a confirmation):
    nothing to wait for."""

    def wait(self) -> None:
        pass

    def then(self, end: Callable[[], None], abandon: Callable[[], None]) -> None:
        end()

    def check(self) -> None:
        pass


UNRECORDED: HandOver = _Unrecorded()


class Connection(Protocol):
    def send(
        self,
        envelope: Envelope,
        message: bytes,
        name: str,
        hand_over: HandOver,
        dot_free: bool = False,
    ) -> Reply:
        """Hand over one message (CRLF line ends), `name` being its ledger row. The server
        takes the message only at its end (SMTP's final dot), which waits for `hand_over`.
        ConnectionLost when the line breaks. `dot_free`: the caller knows that no line
        starts with a dot (then SMTP's transparency has nothing to change)."""

    def close(self) -> None: ...


class Transport(Protocol):
    name: str
    needs_secret_key: bool  # messages leave this machine: links must be really signed

    def describe(self) -> str:
        """Where messages go, for the plan `send` shows: `SMTP mail.example.org:587`."""

    def connect(self) -> Connection:
        """A new connection; TransportUnavailable with a reason a person can act on."""
