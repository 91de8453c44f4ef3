"""A worker process's threads: one per connection to the server, sharing claimed rows.

Each connection thread takes the next claimed recipient, fills the edition's prepared
message, queues its `sending` mark, hands the message over (the journal's writer thread
ends it once the mark is durable), and queues the outcome.
Rows are claimed in batches, 32 per connection: a claim's cost is mostly per statement
(12 µs a row at 256 rows, 23 at 64), and a stop gives its unsent rows back to pending in one
statement. A claimer thread claims the next batch while the connections work through the
last one (a claim made while they waited held every connection up: 28% of a send's time on
PostgreSQL). A stop (Ctrl-C, SIGTERM, an error) lets each connection finish the message it
is handing over; claimed rows go back to pending.
"""

from __future__ import annotations

import collections
import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from newsletter.config import Config
from newsletter.db import DEFERRED, PENDING, deliveries
from newsletter.mail import Filled, Outgoing, PreparedMessage, Recipient, sender_domain

from . import ledger, policy
from .journal import Journal, utcnow
from .tokens import Personal, Signer, personal_recipient
from .transports import Connection, ConnectionLost, Envelope, Transport, TransportUnavailable

CLAIM_PER_CONNECTION = 32
CLAIM_AT_LEAST = 50
CLAIMS_A_SEND = 32  # at least


@dataclass(frozen=True)
class Edition:
    """One send being worked on: its ledger id and its prepared message."""

    send_id: int
    issue: str  # the issue's slug
    language: str
    started: dt.datetime
    recipients: int  # the send's, all workers' together
    message: PreparedMessage
    id_suffix: str  # Message-ID: <send.row.suffix@domain>, the same on every attempt


@dataclass
class Options:
    connections: int = 4
    processes: int = 1  # worker processes sharing the connections (at most one each)
    rate_per_minute: int = 0  # 0: no limit
    messages_per_connection: int = 0  # 0: no limit
    reconnect_for: float = 300  # seconds to keep trying a server that stopped answering
    retry: policy.RetryPolicy = field(
        default_factory=lambda: policy.RetryPolicy(5, 60, dt.timedelta(hours=48))
    )


# Seconds between two sweeps of the sends while waiting for retries (ledger.Walk).
SWEEP_EVERY = 30.0

# Called for each message done, with its new state; and with None while waiting.
Progress = Callable[[str | None], None]


class ServerGone(Exception):
    """The server stopped answering for longer than we keep trying."""


class Worker:
    def __init__(
        self,
        config: Config,
        journal: Journal,
        transport: Transport,
        editions: list[Edition],
        options: Options,
        stop: threading.Event,
        progress: Progress,
    ):
        self.config = config
        self.journal = journal
        self.transport = transport
        self.editions = {edition.send_id: edition for edition in editions}
        self.options = options
        self.stop = stop
        self.progress = progress
        self.signer = Signer([config.secret_key])
        self.outgoing = Outgoing(config)  # return path (VERP) and DKIM signature
        self.domain = sender_domain(config)
        self.rate = RateLimit(options.rate_per_minute)
        self._queue: collections.deque[tuple[Edition, ledger.Claimed]] = collections.deque()
        self._lock = threading.Lock()
        self._claimed = threading.Condition(self._lock)
        # Enough per claim that claiming costs little (measured, 60,000 recipients over 8
        # connections: 5-7% faster than 8 a connection); few enough that several processes
        # share a send evenly: at most a 32nd of it.
        self._claim_size = _claim_size(options.connections, editions)
        self._claim_wanted = threading.Event()
        self._claiming = False  # the claimer is at work
        self._drained = False  # its last claim found nothing due
        self._sweep = False  # the next claim looks over the whole send for rows left behind
        self._swept = False  # the last claim was such a look, and found nothing
        self._last_sweep = time.monotonic()
        self._finished = False
        self.error: BaseException | None = None

    def run(self) -> None:
        claimer = threading.Thread(target=self._claim_ahead, name="claimer", daemon=True)
        claimer.start()
        threads = [
            threading.Thread(target=self._connection_loop, name=f"connection-{n}", daemon=True)
            for n in range(self.options.connections)
        ]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():  # a timeout, so that the main thread takes signals
                    thread.join(0.2)
        finally:
            # A claim under way is committed before the journal gives unsent rows back.
            self._finished = True
            self._claim_wanted.set()
            while claimer.is_alive():
                claimer.join(0.2)
        if self.error is not None:
            raise self.error

    # Recipients -------------------------------------------------------------------------------

    def _next(self) -> tuple[Edition, ledger.Claimed] | None:
        with self._lock:
            while not self.stop.is_set():
                if len(self._queue) < self._claim_size and not (self._claiming or self._drained):
                    self._claiming = True  # ahead: the connections go on meanwhile
                    self._claim_wanted.set()
                if self._queue:
                    return self._queue.popleft()
                if self._claiming:
                    self._claimed.wait(0.2)
                    continue
                wait = self._seconds_to_next_retry()  # the last claim found nothing due
                if wait is None and not self._swept:
                    self._sweep, self._drained = True, False  # a last look before giving up
                    continue
                if wait is None:
                    return None  # nothing left that this process can send
                self.progress(None)
                self.stop.wait(min(wait, 1.0))
                self._drained = False
                # Meanwhile, rows other workers gave back (at their stop) are not left behind.
                if time.monotonic() - self._last_sweep >= SWEEP_EVERY:
                    self._sweep = True
            return None

    def _claim_ahead(self) -> None:
        """The claimer thread: claims the next rows when the connections ask for them."""
        while True:
            self._claim_wanted.wait()
            self._claim_wanted.clear()
            if self._finished:
                return
            with self._lock:
                sweep, self._sweep = self._sweep, False
                if sweep:
                    self._last_sweep = time.monotonic()
            try:
                jobs = self._claim(sweep)
            except BaseException as exc:  # stop the others; run() re-raises it
                jobs = []
                self._fail(exc)
            with self._lock:
                self._queue.extend(jobs)
                self._drained = not jobs
                self._swept = sweep and not jobs
                self._claiming = False
                self._claimed.notify_all()

    def _claim(self, sweep: bool) -> list[tuple[Edition, ledger.Claimed]]:
        for edition in self.editions.values():
            claimed = self.journal.claim(edition.send_id, self._claim_size, sweep)
            if claimed:
                return [(edition, row) for row in claimed]
        return []

    def _seconds_to_next_retry(self) -> float | None:
        def earliest(connection, now):
            query = sa.select(sa.func.min(deliveries.c.next_attempt_at)).where(
                deliveries.c.send_id.in_(list(self.editions)), deliveries.c.state == DEFERRED
            )
            due = connection.execute(query).scalar()
            return None if due is None else max((due - now).total_seconds(), 0.0)

        return self.journal.call(earliest)

    # Connections ------------------------------------------------------------------------------

    def _connection_loop(self) -> None:
        connection: Connection | None = None
        handed = 0
        try:
            while (job := self._next()) is not None:
                if connection is None:
                    connection, handed = self._connect(), 0
                keep = self._deliver(connection, *job)
                handed += 1
                limit = self.options.messages_per_connection
                if not keep or (limit and handed >= limit):
                    connection.close()
                    connection = None
        except BaseException as exc:  # stop the others; run() re-raises it
            self._fail(exc)
        finally:
            if connection is not None:
                connection.close()

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        self.stop.set()

    def _connect(self) -> Connection:
        """A connection, retrying while the server is down, for up to reconnect_for."""
        deadline = time.monotonic() + self.options.reconnect_for
        pause = 0.5
        while True:
            try:
                return self.transport.connect()
            except TransportUnavailable as exc:
                if time.monotonic() + pause > deadline or self.stop.is_set():
                    raise ServerGone(str(exc)) from None
                self.progress(None)
                self.stop.wait(pause)
                pause = min(pause * 2, 30)

    def _deliver(self, connection: Connection, edition: Edition, claimed: ledger.Claimed) -> bool:
        """Hand one message over; False when the connection cannot be used again."""
        self.rate.wait(self.stop)
        message_id = self._message_id(edition, claimed)
        envelope, filled, data = self._message(edition, claimed, message_id)
        hand_over = self.journal.sending(claimed.id)  # durable before the final dot
        keep = True
        try:
            name = f"{edition.issue}-{edition.language}-{claimed.id:06d}"
            # The signature adds header lines only: dot-free stays dot-free.
            reply = connection.send(envelope, data, name, hand_over, filled.dot_free)
            outcome = policy.outcome(
                claimed, reply, message_id, self.options.retry, edition.started, utcnow()
            )
            keep = reply.code != 421  # the server is closing this connection
        except ConnectionLost as exc:
            outcome = policy.lost(claimed, exc, message_id)
            keep = False
        self.journal.record(outcome)
        if outcome.state == PENDING:  # to be sent again: not done until it is
            with self._lock:
                self._swept = False
        self.progress(outcome.state)
        return keep

    def _message(
        self, edition: Edition, claimed: ledger.Claimed, message_id: str
    ) -> tuple[Envelope, Filled, bytes]:
        """The one place where a recipient's envelope and final message bytes are made:
        where a DKIM signature and a per-recipient envelope sender (VERP) belong."""
        filled = edition.message.fill_parts(self._recipient(edition, claimed), message_id)
        data, return_path = self.outgoing.finish(
            filled, edition.send_id, claimed.subscriber_id or 0
        )
        return Envelope(return_path, claimed.email), filled, data

    def _recipient(self, edition: Edition, claimed: ledger.Claimed) -> Recipient:
        who = Personal(claimed.subscriber_id or 0, edition.send_id)
        return personal_recipient(self.config, self.signer, who, claimed.email, claimed.name)

    def _message_id(self, edition: Edition, claimed: ledger.Claimed) -> str:
        # The same on every attempt: a receiver that gets a message twice can tell.
        return f"<{edition.send_id}.{claimed.id}.{edition.id_suffix}@{self.domain}>"


def _claim_size(connections: int, editions: list[Edition]) -> int:
    recipients = sum(edition.recipients for edition in editions)
    most = min(CLAIM_PER_CONNECTION * connections, recipients // CLAIMS_A_SEND)
    return max(CLAIM_AT_LEAST, most)


class RateLimit:
    """At most `per_minute` messages a minute across all connections, evenly spaced."""

    def __init__(self, per_minute: int):
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self, stop: threading.Event) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            stop.wait(start - now)
