"""The ledger writes of one worker process, committed in groups by a writer thread.

Before each message's final dot, its `sending` mark must be committed: that is what keeps the
uncertain window to the messages in flight. Asking costs nothing (the mark joins the next
group); the message's data then travels, and its connection hands the journal the act that
ends the message (SMTP's final dot) and goes to read the server's reply. The writer commits
a group (marks, outcomes, calls and the heartbeat, in one transaction) whenever someone
needs one, and then ends the messages whose marks it made durable, itself. So a message
costs no wake-up of its connection's thread: measured, waking each waiting connection after
its group was a quarter of a send's interpreter time, its threads all on one core.

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

from newsletter.db import PENDING, database_errors, writing

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


class Mark:
    """A message's `sending` mark, queued: the hand-over a transport gets (HandOver)."""

    __slots__ = ("_group", "_journal")

    def __init__(self, journal: Journal, group: int):
        self._journal = journal
        self._group = group

    def wait(self) -> None:
        """Return once the mark is durable; raises why it cannot be."""
        self._journal._wait(self._group)

    def then(self, end: Callable[[], None], abandon: Callable[[], None]) -> None:
        """Call `end` once the mark is durable (now, or later from the writer thread), or
        `abandon` if it cannot be; one of the two, once."""
        self._journal._then(self._group, end, abandon)

    def check(self) -> None:
        """Raise why the mark could not be made durable, if it could not."""
        self._journal._check()


class Journal:
    """The ledger writer of one worker process."""

    def __init__(self, engine: Engine, worker_id: int, send_ids: list[int], shown: str):
        self.worker_id = worker_id
        self.send_ids = send_ids
        self.shown = shown
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # wakes the writer
        self._written_group = threading.Condition(self._lock)  # wakes those who wait()
        self._marks: list[int] = []
        self._outcomes: list[ledger.Outcome] = []
        self._calls: list[_Call] = []
        self._ends: dict[int, list[tuple[Callable[[], None], Callable[[], None]]]] = {}
        self._writing = False  # the writer is committing a group
        self._written = 0  # groups committed so far; the next one is _written + 1 (or + 2)
        self._wanted = 0  # the last group someone waits for
        self._closing = False
        self._failed: BaseException | None = None
        self._last_beat = 0.0
        self._walks: dict[int, ledger.Walk] = {}  # the claims' walks, a send each
        with database_errors(f"the ledger in {shown}"):
            # BEGIN IMMEDIATE on SQLite: the writer takes the write lock up front.
            self._connection = writing(engine.connect())
            self._writes = HotWrites(self._connection)
            try:
                self._claims = writing(engine.connect())
            except BaseException:
                self._close_groups_connection()
                raise
        self._turn = _sqlite_turn(engine)
        self._writer = threading.Thread(target=self._writing_loop, name="ledger", daemon=True)
        self._writer.start()

    # What the connections ask for ------------------------------------------------------------

    def sending(self, delivery_id: int) -> Mark:
        """Queue the mark that this message is being handed over."""
        with self._lock:
            self._check()
            self._marks.append(delivery_id)
            return Mark(self, self._next_group())

    def record(self, outcome: ledger.Outcome) -> None:
        """Queue an outcome; it is committed with the next group."""
        with self._lock:
            self._check()
            self._outcomes.append(outcome)
            if outcome.state == PENDING:  # back behind the walk (a connection lost before it)
                ledger.went_back(self._walks.values())

    def claim(self, send_id: int, limit: int, sweep: bool = False) -> list[ledger.Claimed]:
        """Claim rows in a transaction of its own, committed when this returns: before any
        mark of those rows can be asked for. `sweep`: look over the whole send for rows left
        behind (ledger.Walk)."""
        with self._lock:
            self._check()
            walk = self._walks.setdefault(send_id, ledger.Walk())
        with self._turn, database_errors(f"the ledger in {self.shown}"), self._claims.begin():
            return ledger.claim(self._claims, send_id, self.worker_id, limit, utcnow(), walk, sweep)

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
        try:
            if self._failed is None:
                self.call(self._stop)
        finally:
            with self._lock:
                self._closing = True
                self._work.notify()
            self._writer.join()
            self._close_groups_connection()
            self._claims.close()
            self._turn.close()

    def _close_groups_connection(self) -> None:
        if not self._writes.close():
            self._connection.invalidate()  # not back to the pool with the journal's settings
        self._connection.close()

    # Groups ------------------------------------------------------------------------------------

    def _next_group(self) -> int:
        """The group that will take what is queued now: the one being written has taken
        its share already."""
        return self._written + (2 if self._writing else 1)

    def _check(self) -> None:
        if self._failed is not None:
            raise self._failed

    def _want(self, group: int) -> None:
        """Called with the lock held: someone needs `group` written."""
        if group > self._wanted:
            self._wanted = group
            if not self._writing:
                self._work.notify()

    def _wait(self, group: int) -> None:
        with self._lock:
            self._want(group)
            while self._written < group:
                self._check()  # a failed group is never counted as written
                self._written_group.wait()

    def _then(self, group: int, end: Callable[[], None], abandon: Callable[[], None]) -> None:
        with self._lock:
            if self._failed is None and self._written < group:
                self._ends.setdefault(group, []).append((end, abandon))
                self._want(group)
                return
            now = abandon if self._failed is not None else end
        now()

    def _writing_loop(self) -> None:
        """The writer thread: a group whenever someone waits for one, and a heartbeat while
        nobody does (a slow server, waiting for retries)."""
        with self._lock:
            while True:
                if self._wanted > self._written or (not self._closing and self._beat_due()):
                    if not self._write_group():
                        return
                elif self._closing:
                    return
                else:
                    self._work.wait(HEARTBEAT_SECONDS / 2)

    def _beat_due(self) -> bool:
        return time.time() - self._last_beat >= HEARTBEAT_SECONDS

    def _write_group(self) -> bool:
        """Called with the lock held: take what is queued, commit it without the lock, then
        end the messages it made durable. False when it failed."""
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
        if failed is not None:
            self._failed = failed
            self._written_group.notify_all()
            ends, self._ends = self._ends, {}
            self._run([abandon for waiting in ends.values() for _, abandon in waiting])
            return False
        self._written += 1
        self._written_group.notify_all()
        self._run([end for end, _ in self._ends.pop(self._written, ())])
        return True

    def _run(self, acts: list[Callable[[], None]]) -> None:
        """Called with the lock held: run the acts without it (they write to sockets)."""
        if not acts:
            return
        self._lock.release()
        try:
            for act in acts:
                act()
        finally:
            self._lock.acquire()

    def _commit(self, marks: list[int], outcomes: list, calls: list[_Call]) -> None:
        now = utcnow()
        beat = self._beat_due()
        with database_errors(f"the ledger in {self.shown}"):
            if not calls and not beat:
                self._writes.commit_hot(outcomes, marks, self.worker_id, now)
                return
            connection = self._connection
            with connection.begin():
                self._writes.usual_plans()
                # Outcomes first: a row's outcome and its connection's next mark share a group.
                self._writes.record(outcomes, now)
                self._writes.mark_sending(marks, self.worker_id, now)
                for call in calls:
                    call.result = call.work(connection, now)
                if beat:
                    ledger.heartbeat(connection, self.worker_id, self.send_ids, now)
                    self._last_beat = now.timestamp()

    def _stop(self, connection: Connection, now: dt.datetime) -> None:
        ledger.release(connection, self.send_ids, self.worker_id, now)
        ledger.stop_worker(connection, self.worker_id, now)


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
