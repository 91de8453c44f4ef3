"""Connections to the database: an engine for the configured URL, and its errors in words.

SQLite and PostgreSQL behave the same to the rest of the code: on SQLite we issue BEGIN
ourselves (pysqlite would otherwise run DDL outside the transaction and start write
transactions late), and a write transaction takes the write lock up front (BEGIN IMMEDIATE)
so that two writers queue instead of failing half-way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from newsletter.config import Config, hide_password
from newsletter.core import NewsletterError, display_path

SUPPORTED = ("sqlite", "postgresql")


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


def make_engine(url: str, shown: str | None = None) -> Engine:
    """An engine for the URL (checked by config.py); NewsletterError if none can be made."""
    try:
        backend = sa.make_url(url).get_backend_name()
        if backend not in SUPPORTED:
            raise NewsletterError(
                f"database.url: '{shown or url}' is not supported; "
                "use sqlite:///FILE or postgresql://USER@HOST/DATABASE"
            )
        if backend == "postgresql":
            return sa.create_engine(url, connect_args={"connect_timeout": 10})
        engine = sa.create_engine(url, connect_args={"timeout": 30})
    except (sa.exc.ArgumentError, ImportError, ValueError) as exc:
        raise NewsletterError(
            f"cannot open the database {shown or hide_password(url)}: {exc}"
        ) from None
    sa.event.listen(engine, "connect", _sqlite_connect)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # no implicit BEGIN: _sqlite_begin does it
    dbapi_connection.execute("PRAGMA foreign_keys = ON")  # as PostgreSQL always does


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql(connection.get_execution_options().get("sqlite_begin", "BEGIN"))


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
