"""Connections to the database: an engine for the configured URL, and its errors in words.

SQLite and PostgreSQL behave the same to the rest of the code: on SQLite we issue BEGIN
ourselves (pysqlite would otherwise run DDL outside the transaction and start write
transactions late), and a write transaction takes the write lock up front (BEGIN IMMEDIATE)
so that two writers queue instead of failing half-way.

A command that finds the SQLite file locked by another one (an import writing a large list)
waits for it, says so after a second, and gives up with a clear error after LOCK_TIMEOUT.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from newsletter.config import Config, hide_password
from newsletter.core import NewsletterError, display_path

SUPPORTED = ("sqlite", "postgresql")
LOCK_TIMEOUT = 60.0  # seconds to wait for another command's write to end, then give up
SAY_WAITING_AFTER = 1.0  # seconds: shorter waits are normal and go unmentioned
# SQLite waits in C, where Ctrl-C is not heard: it is asked to wait this long at a time.
WAIT_STEP = 0.25

log = logging.getLogger(__name__)  # the CLI prints warnings as `warning: ...` lines


def display_url(config: Config) -> str:
    """The database as a person would name it: the SQLite file as they would type its path,
    or the URL without password."""
    try:
        url = sa.make_url(config.database_url)
    except (sa.exc.ArgumentError, ValueError):  # config.py refuses these; just in case
        return hide_password(config.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        return display_path(Path(url.database))
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def make_engine(url: str, shown: str | None = None, lock_timeout: float = LOCK_TIMEOUT) -> Engine:
    """An engine for the URL (checked by config.py); NewsletterError if none can be made.

    On SQLite, a transaction waits up to `lock_timeout` seconds for another one to end."""
    try:
        backend = sa.make_url(url).get_backend_name()
        if backend not in SUPPORTED:
            raise NewsletterError(
                f"database.url: '{shown or url}' is not supported; "
                "use sqlite:///FILE or postgresql://USER@HOST/DATABASE"
            )
        if backend == "postgresql":
            return sa.create_engine(url, connect_args={"connect_timeout": 10})
        engine = sa.create_engine(url, connect_args={"timeout": lock_timeout})
    except (sa.exc.ArgumentError, ImportError, ValueError) as exc:
        raise NewsletterError(
            f"cannot open the database {shown or hide_password(url)}: {exc}"
        ) from None
    sa.event.listen(engine, "connect", _sqlite_connect)
    begin = functools.partial(_sqlite_begin, shown=shown or url, lock_timeout=lock_timeout)
    sa.event.listen(engine, "begin", begin)
    return engine


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # no implicit BEGIN: _sqlite_begin does it
    dbapi_connection.execute("PRAGMA foreign_keys = ON")  # as PostgreSQL always does


def _sqlite_begin(connection: Connection, shown: str, lock_timeout: float) -> None:
    """Begin, and take the lock the transaction needs now, where a wait can be reported:
    BEGIN IMMEDIATE takes the write lock; a read takes the shared lock at its first read."""
    begin = connection.get_execution_options().get("sqlite_begin", "BEGIN")
    raw = connection.connection.driver_connection
    raw.execute(f"PRAGMA busy_timeout = {int(WAIT_STEP * 1000)}")
    try:
        _until_unlocked(lambda: _try_begin(raw, begin), shown, lock_timeout)
    finally:  # waits later in the transaction (its commit) are short: readers end quickly
        raw.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")


def _until_unlocked(
    attempt: Callable[[], bool], shown: str, lock_timeout: float, pause: float = 0.0
) -> None:
    """Call `attempt` until it succeeds (returns True), `pause` s apart; after a second say
    that we wait, and after `lock_timeout` give up with a clear error."""
    started, said = time.monotonic(), False
    while not attempt():
        waited = time.monotonic() - started
        if waited >= lock_timeout:
            raise NewsletterError(
                f"the database {shown} stayed locked for {lock_timeout:g} s: another "
                "program (an import?) is writing to it; try again when it has finished"
            )
        if waited >= SAY_WAITING_AFTER and not said:
            log.warning(
                f"waiting for the database {shown}: another program (an import?) is "
                f"writing to it; up to {lock_timeout:g} s (Ctrl-C stops)"
            )
            said = True
        time.sleep(pause)


def use_write_ahead_log(engine: Engine, shown: str, lock_timeout: float = LOCK_TIMEOUT) -> None:
    """SQLite: put the file in write-ahead-log mode, in which readers (`status`) never wait
    for the writer (the sender), nor it for them. The mode is kept in the file.

    The switch needs the file to itself for an instant, and while another connection holds
    the write lock (a standing-by scheduler trying for the lease) SQLite does not wait for
    it, whatever the busy timeout (the wait could deadlock): it answers "locked" at once.
    So we try again until the other's transaction has ended."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:  # outside a transaction, as the switch must be
        raw = connection.connection.driver_connection
        if raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return
        _until_unlocked(lambda: _switch_to_wal(raw), shown, lock_timeout, pause=WAIT_STEP / 5)


def _switch_to_wal(raw: sqlite3.Connection) -> bool:
    """Whether the switch is done (or cannot be made: an in-memory database keeps its mode);
    False while another connection holds the write lock."""
    try:
        raw.execute("PRAGMA journal_mode=WAL").fetchone()
    except sqlite3.OperationalError as exc:
        if "is locked" in str(exc):
            return False
        raise
    return True


def _try_begin(raw: sqlite3.Connection, begin: str) -> bool:
    """Begin and read the schema (which takes the shared lock); False if the file is locked."""
    try:
        raw.execute(begin)
        try:
            raw.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except BaseException:
            raw.execute("ROLLBACK")
            raise
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "is locked" in str(exc):
            return False
        # Said as other failures are (database_errors): "file is not a database"...
        raise sa.exc.DBAPIError.instance(begin, None, exc, sqlite3.Error) from None
    return True


def writing(connection: Connection) -> Connection:
    """Mark a connection, before it begins, as one that will write (SQLite: BEGIN IMMEDIATE)."""
    return connection.execution_options(sqlite_begin="BEGIN IMMEDIATE")


@contextlib.contextmanager
def database_errors(what: str) -> Iterator[None]:
    """Turn a failing or unreachable database into a one-line error instead of a traceback."""
    try:
        yield
    except sa.exc.DatabaseError as exc:
        # OperationalError: unreachable, locked, no such file. A plain DatabaseError: SQLite's
        # "file is not a database" (or a damaged one). Its other kinds (IntegrityError...) are
        # bugs, and keep their traceback.
        if not isinstance(exc, sa.exc.OperationalError) and type(exc) is not sa.exc.DatabaseError:
            raise
        raise NewsletterError(f"{what}: {_reason(exc)}") from None


def _reason(exc: sa.exc.DatabaseError) -> str:
    first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else str(exc)
    # psycopg says 'connection failed: connection to server at "h", port 1 failed: Why'.
    reason = first.rsplit(" failed: ", 1)[-1].removeprefix("FATAL:").strip()
    reason = reason[:1].lower() + reason[1:]
    if reason == "unable to open database file":
        reason += " (does its folder exist, and may you write there?)"
    return reason
