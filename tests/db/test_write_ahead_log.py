"""A send puts the SQLite file in write-ahead-log mode, in which `status` never waits for
the sender: even while another process (a scheduler standing by) writes to the file."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from newsletter.core import NewsletterError
from newsletter.db import make_engine, use_write_ahead_log
from tests.subscribers.helpers import held_lock


def journal_mode(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        return connection.execute("PRAGMA journal_mode").fetchone()[0]


@pytest.fixture
def rollback_journal_file(tmp_path: Path) -> Path:
    """A SQLite file in the rollback-journal mode SQLite makes files in."""
    database = tmp_path / "old.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE t (x)")
    assert journal_mode(database) == "delete"
    return database


def test_the_switch_waits_for_another_process_writing_to_the_file(rollback_journal_file):
    # SQLite answers "database is locked" at once to the switch while another connection
    # holds the write lock, whatever the busy timeout (waiting could deadlock): a scheduler
    # standing by, renewing its claim to the lease, did so.
    engine = make_engine(f"sqlite:///{rollback_journal_file}")
    started = time.monotonic()
    with held_lock(rollback_journal_file, seconds=0.5, begin="BEGIN IMMEDIATE"):
        use_write_ahead_log(engine, "old.db")
    assert time.monotonic() - started >= 0.45
    assert journal_mode(rollback_journal_file) == "wal"
    engine.dispose()


def test_a_file_held_too_long_is_a_clear_error_and_keeps_its_mode(rollback_journal_file):
    engine = make_engine(f"sqlite:///{rollback_journal_file}")
    writer = held_lock(rollback_journal_file, seconds=10, begin="BEGIN IMMEDIATE")
    with writer, pytest.raises(NewsletterError) as error:
        use_write_ahead_log(engine, "old.db", lock_timeout=1.0)
    assert str(error.value).startswith("the database old.db stayed locked for 1 s: ")
    assert journal_mode(rollback_journal_file) == "delete"
    engine.dispose()
