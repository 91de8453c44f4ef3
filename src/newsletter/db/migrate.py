"""The schema's migrations (Alembic): a database brought up to the newest schema on opening.

Several processes may open a new database at once: on PostgreSQL an advisory lock makes
them wait for each other, and the second finds the work done.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from newsletter.config import Config
from newsletter.core import NewsletterError

from .engine import database_errors, display_url, make_engine, writing
from .tables import VERSION_TABLE, metadata

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# Any fixed number: PostgreSQL advisory lock that makes concurrent upgrades wait for each other.
MIGRATION_LOCK = 47112025
# Each migration's file is named after its revision, numbered in order ("0006_....py"), so the
# newest is known without Alembic, which is loaded only to migrate (60 ms of every command's
# start-up otherwise). tests/db/test_revisions.py checks that Alembic agrees.
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


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


def alembic_config() -> AlembicConfig:
    """Alembic's settings, from code: the migrations ship inside the package."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", "newsletter.db:migrations")
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str:
    """The newest schema revision this version of newsletter knows."""
    return max(path.name.partition("_")[0] for path in MIGRATIONS.glob("[0-9]*_*.py"))


def upgrade(engine: Engine) -> Migration | None:
    """Migrate to the newest schema; a quick read and nothing more when already there."""
    head = head_revision()
    with engine.connect() as connection:
        if current_revision(connection) == head:
            return None
    with engine.connect() as connection:
        return _migrate(connection, alembic_config(), head)


def current_revision(connection: Connection) -> str | None:
    """The schema's revision, from our own version table; None when it has none."""
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    table = sa.table(VERSION_TABLE, sa.column("version_num"))
    revisions = connection.execute(sa.select(table.c.version_num)).scalars().all()
    if len(revisions) > 1:  # branches, which newsletter's one line of migrations never makes
        raise NewsletterError(
            f"the database's {VERSION_TABLE} table names several schema revisions "
            f"({', '.join(revisions)}); newsletter's schema has one line of revisions"
        )
    return revisions[0] if revisions else None


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
            from alembic import command

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
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config)
    try:
        script.get_revision(current)
    except Exception:  # alembic raises several kinds for an unknown revision
        raise NewsletterError(
            f"the database's schema is revision {current}, newer than this version of "
            f"newsletter knows ({script.get_current_head()}); upgrade newsletter"
        ) from None
