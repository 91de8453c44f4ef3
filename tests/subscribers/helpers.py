"""Helpers for subscriber tests: a fixed clock, the record of who made a change, and
another program holding the database's lock."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from newsletter.subscribers import Change

# A fixed "now": the sample project's time zone is America/Toronto (UTC-5 in January).
NOW = dt.datetime(2026, 1, 15, 17, 0, tzinfo=dt.UTC)


def change(via: str = "test", at: dt.datetime = NOW) -> Change:
    return Change(via, "tester", at)


@contextlib.contextmanager
def held_lock(database: Path, seconds: float, begin: str = "BEGIN EXCLUSIVE") -> Iterator[None]:
    """Another program holding a lock on the SQLite file for up to `seconds`: the exclusive
    lock, or the write lock of a `begin="BEGIN IMMEDIATE"` (from a thread, as a second
    process would: each sqlite3 connection takes its own file locks)."""
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(database, isolation_level=None)
        connection.execute(begin)
        taken.set()
        done.wait(seconds)
        connection.execute("ROLLBACK")
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(5)
    try:
        yield
    finally:
        done.set()  # at the latest when the block ends
        holder.join()
