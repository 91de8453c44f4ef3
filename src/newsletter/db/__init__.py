"""The database: the engine, the tables and the words they store, and the migrations.

SQLAlchemy and Alembic are used here and by the stores built on these tables (subscribers,
and later the delivery ledger); nothing above them opens a connection of its own.
"""

from .engine import database_errors, display_url, make_engine, writing
from .migrate import Migration, current_revision, open_database, upgrade
from .tables import (
    VERSION_TABLE,
    Json,
    UtcDateTime,
    forgotten,
    metadata,
    subscriber_history,
    subscribers,
)
from .vocabulary import (
    ACTIVE,
    BOUNCED,
    CHANGES,
    COMPLAINED,
    CONSENTS,
    EXPRESS,
    IMPLIED,
    STATUSES,
    UNSUBSCRIBED,
)

__all__ = [
    "ACTIVE",
    "BOUNCED",
    "CHANGES",
    "COMPLAINED",
    "CONSENTS",
    "EXPRESS",
    "IMPLIED",
    "STATUSES",
    "UNSUBSCRIBED",
    "VERSION_TABLE",
    "Json",
    "Migration",
    "UtcDateTime",
    "current_revision",
    "database_errors",
    "display_url",
    "forgotten",
    "make_engine",
    "metadata",
    "open_database",
    "subscriber_history",
    "subscribers",
    "upgrade",
    "writing",
]
