"""Opening the database: an engine for the configured URL, brought up to the newest schema.

SQLite and PostgreSQL behave the same to the rest of the code: on SQLite we issue BEGIN
ourselves (pysqlite would otherwise run DDL outside the transaction and start write
transactions late), and a write transaction takes the write lock up front (BEGIN IMMEDIATE)
so that two writers queue instead of failing half-way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from .config import Config
from .database_url import hide_password
from .errors import NewsletterError, display_path
from .store_schema import VERSION_TABLE, metadata

SUPPORTED = ("sqlite", "postgresql")
# Any fixed number: PostgreSQL advisory lock that makes concurrent upgrades wait for each other.
MIGRATION_LOCK = 47112025


@dataclass(frozen=True)
class Migration:
    """What opening the database did to its schema."""

    backend: str  # sqlite or postgresql
    before: str | None  # the revision it had; None for a new database
    after: str

    def message(self, shown: str) -> str:
        if self.before is not None:
            return f"upgraded the database schema to {self.after}"
        if self.backend == "sqlite":
            return f"created the database {shown}"
        return f"created the subscriber tables in the database {shown}"


def open_database(config: Config) -> tuple[Engine, Migration | None]:
    """An engine on the project's database at the newest schema, and the migration that
    brought it there (None when it already was current)."""
    shown = display_url(config)
    with database_errors(f"cannot open the database {shown}"):
        engine = make_engine(config.database_url, shown)
        migration = upgrade(engine)
    return engine, migration


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


def alembic_config() -> AlembicConfig:
    """Alembic's settings, from code: the migrations ship inside the package."""
    config = AlembicConfig()
    config.set_main_option("script_location", "newsletter:migrations")
    config.set_main_option("path_separator", "os")
    return config


def upgrade(engine: Engine) -> Migration | None:
    """Migrate to the newest schema; a quick read and nothing more when already there."""
    config = alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        if current_revision(connection) == head:
            return None
    with engine.connect() as connection:
        return _migrate(connection, config, head)


def current_revision(connection: Connection) -> str | None:
    """The schema's revision, from our own version table; None when it has none."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def _migrate(connection: Connection, config: AlembicConfig, head: str) -> Migration | None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # SQLite ignores this pragma inside a transaction, hence the raw connection
        connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
    try:
        with writing(connection).begin():
            if not sqlite:
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            current = current_revision(connection)
            if current == head:
                return None  # another process upgraded it while we waited for the lock
            _check_known(config, current)
            if current is None:
                _check_no_tables(connection)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                raise NewsletterError("a migration broke a foreign key; nothing was changed")
            return Migration(connection.dialect.name, current, head)
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")


def _check_no_tables(connection: Connection) -> None:
    """Refuse to create our tables where tables of those names exist without our revision:
    another program's, which a migration would fail on or, worse, write into."""
    found = sorted(set(sa.inspect(connection).get_table_names()) & set(metadata.tables))
    if found:
        raise NewsletterError(
            f"the database already has tables named {', '.join(found)} but no "
            f"{VERSION_TABLE} table to say they are newsletter's: give newsletter a "
            "database of its own"
        )


def _check_known(config: AlembicConfig, current: str | None) -> None:
    if current is None:
        return
    script = ScriptDirectory.from_config(config)
    try:
        script.get_revision(current)
    except Exception:  # alembic raises several kinds for an unknown revision
        raise NewsletterError(
            f"the database's schema is revision {current}, newer than this version of "
            f"newsletter knows ({script.get_current_head()}); upgrade newsletter"
        ) from None
