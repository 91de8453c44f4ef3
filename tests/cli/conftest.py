"""The subscriber commands run against the same stores as the subscriber tests: on a SQLite
file and on a fresh PostgreSQL database."""

from tests.subscribers.conftest import config, database_url, environ, store

__all__ = ["config", "database_url", "environ", "store"]
