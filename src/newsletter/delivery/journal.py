"""The ledger writes of one worker process, committed in groups by the connections themselves.

Before each message's final dot, its connection needs `sending` committed: that is what keeps
the uncertain window to the messages in flight. Asking costs nothing (the mark joins the next
group); the message's data then travels, and only then does the connection wait for the
group. The first connection to wait while nobody is writing writes the group itself, in one
transaction with whatever else has queued up meanwhile: the other connections' marks,
outcomes (which nobody waits for), claims and the heartbeat. So the ledger costs a commit per
round of connections, and a message costs no hand-over to another thread: measured, each
hand-over between threads cost more than the writes themselves (BENCHMARKS.md).

A group whose only writes are marks and outcomes goes straight to the database driver; the
rest (the heartbeat, a stop) through SQLAlchemy.

Claims have a connection of their own, so that a claim (several statements through
SQLAlchemy: 5-11 ms on PostgreSQL under a send's load) never holds up the marks that
connections wait for; the worker claims ahead, while its connections still have work.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection, Engine

from newsletter.db import database_errors, writing

from . import ledger
from .hot_writes import HotWrites

HEARTBEAT_SECONDS = 2.0


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Call:
    """Work for the next group's transaction, and its result once written."""

    __slots__ = ("result", "work")

    def __init__(self, work: Callable[[Connection, dt.datetime], Any]):
        self.work = work
        self.result: Any = None


class Journal:
    """The ledger writer of one worker process."""

    def __init__(self, engine: Engine, worker_id: int, send_ids: list[int], shown: str):
        self.worker_id = worker_id
        self.send_ids = send_ids
        self.shown = shown
        self._lock = threading.Lock()
        # Waiters of odd and even groups apart: a finished group wakes only its own.
        self._waiting = (threading.Condition(self._lock), threading.Condition(self._lock))
        self._marks: list[int] = []
        self._outcomes: list[ledger.Outcome] = []
        self._calls: list[_Call] = []
        self._writing = False  # a connection is writing a group
        self._written = 0  # groups committed so far; the next one is _written + 1 (or + 2)
        self._failed: BaseException | None = None
        self._last_beat = 0.0
        self._last_group = time.monotonic()
        with database_errors(f"the ledger in {shown}"):
            # BEGIN IMMEDIATE on SQLite: the writer takes the write lock up front.
            self._connection = writing(engine.connect())
            self._writes = HotWrites(self._connection)
            self._claims = writing(engine.connect())
        self._turn = _sqlite_turn(engine)
        self._stopped = threading.Event()
        self._beat = threading.Thread(target=self._beating, name="heartbeat", daemon=True)
        self._beat.start()

    # What the connections ask for ------------------------------------------------------------

    def sending(self, delivery_id: int) -> Callable[[], None]:
        """Queue the mark that this message is being handed over. Returns the wait: call it
        before the final dot; it returns once the mark is durable."""
        with self._lock:
            self._check()
            self._marks.append(delivery_id)
            group = self._next_group()
        return lambda: self._wait(group)

    def record(self, outcome: ledger.Outcome) -> None:
        """Queue an outcome; it is committed with the next group."""
        with self._lock:
            self._check()
            self._outcomes.append(outcome)

    def claim(self, send_id: int, limit: int) -> list[ledger.Claimed]:
        """Claim rows in a transaction of its own, committed when this returns: before any
        mark of those rows can be asked for."""
        self._check()
        with self._turn, database_errors(f"the ledger in {self.shown}"), self._claims.begin():
            return ledger.claim(self._claims, send_id, self.worker_id, limit, utcnow())

    def call(self, work: Callable[[Connection, dt.datetime], Any]) -> Any:
        """Run `work(connection, now)` in the next group's transaction; its result."""
        call = _Call(work)
        with self._lock:
            self._check()
            self._calls.append(call)
            group = self._next_group()
        self._wait(group)
        return call.result

    def close(self) -> None:
        """Commit what is queued, give back unsent claims, mark this worker stopped."""
        self._stopped.set()
        self._beat.join()
        try:
            if self._failed is None:
                self.call(self._stop)
        finally:
            self._connection.close()
            self._claims.close()
            self._turn.close()

    # Groups ------------------------------------------------------------------------------------

    def _next_group(self) -> int:
        """The group that will take what is queued now: the one being written has taken
        its share already."""
        return self._written + (2 if self._writing else 1)

    def _check(self) -> None:
        if self._failed is not None:
            raise self._failed

    def _wait(self, group: int) -> None:
        with self._lock:
            while self._written < group:
                self._check()  # a failed group is never counted as written
                if not self._writing:
                    self._write_group()  # returns with the lock held again
                else:
                    self._waiting[group % 2].wait()

    def _write_group(self) -> None:
        """Called with the lock held: take what is queued and commit it without the lock."""
        marks, outcomes, calls = self._marks, self._outcomes, self._calls
        self._marks, self._outcomes, self._calls = [], [], []
        self._writing = True
        self._lock.release()
        try:
            with self._turn:
                self._commit(marks, outcomes, calls)
        except BaseException as exc:  # every waiting connection must hear of it
            failed: BaseException | None = exc
        else:
            failed = None
        finally:
            self._lock.acquire()
        self._writing = False
        self._last_group = time.monotonic()
        if failed is not None:
            self._failed = failed
            for waiting in self._waiting:
                waiting.notify_all()
            return
        self._written += 1
        self._waiting[self._written % 2].notify_all()
        if self._marks or self._calls:  # someone may be waiting to write the next group
            self._waiting[(self._written + 1) % 2].notify()

    def _commit(self, marks: list[int], outcomes: list, calls: list[_Call]) -> None:
        now = utcnow()
        beat = now.timestamp() - self._last_beat >= HEARTBEAT_SECONDS
        with database_errors(f"the ledger in {self.shown}"):
            if not calls and not beat:
                self._writes.commit_hot(outcomes, marks, self.worker_id, now)
                return
            connection = self._connection
            with connection.begin():
                # Outcomes first: a row's outcome and its connection's next mark share a group.
                self._writes.record(outcomes, now)
                self._writes.mark_sending(marks, self.worker_id, now)
                for call in calls:
                    call.result = call.work(connection, now)
                if beat:
                    ledger.heartbeat(connection, self.worker_id, self.send_ids, now)
                    self._last_beat = now.timestamp()

    def _stop(self, connection: Connection, now: dt.datetime) -> None:
        ledger.release(connection, self.worker_id, now)
        ledger.stop_worker(connection, self.worker_id, now)

    def _beating(self) -> None:
        """A heartbeat while no connection writes (a slow server, waiting for retries)."""
        while not self._stopped.wait(HEARTBEAT_SECONDS / 2):
            if time.monotonic() - self._last_group >= HEARTBEAT_SECONDS:
                try:
                    self.call(lambda connection, now: None)
                except BaseException:  # the connections hear of it at their next write
                    return


class _SqliteTurn:
    """On SQLite, writers take turns, waiting in the kernel rather than in SQLite's busy
    handler, which sleeps 1 ms, then 2, then 5... while the other's write takes a few hundred
    µs: a send's processes by flock on the database file (flock and SQLite's own POSIX locks
    are apart on Linux: readers are not held up), and a process's two connections (groups,
    claims) by a lock, since flock does not tell the threads of a process apart."""

    def __init__(self, path: str):
        self._fd = os.open(path, os.O_RDONLY)
        self._threads = threading.Lock()

    def __enter__(self) -> None:
        self._threads.acquire()
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def close(self) -> None:
        os.close(self._fd)


class _NoTurn(contextlib.nullcontext):
    def close(self) -> None:
        pass


def _sqlite_turn(engine: Engine) -> _SqliteTurn | _NoTurn:
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return _NoTurn()
    try:
        return _SqliteTurn(path)
    except OSError:  # then SQLite's busy handler alone
        return _NoTurn()
