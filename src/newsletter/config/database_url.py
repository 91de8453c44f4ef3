"""Database URLs: which ones the store can open, checked when the config is read.

The store opens a SQLite file or a PostgreSQL database through psycopg 3, nothing else. A URL
is checked with SQLAlchemy's own parser, so that one accepted here is one `create_engine`
accepts; a refusal says what to write instead. Messages never show a password.
"""

from __future__ import annotations

import re
from pathlib import Path

FORMS = (
    "sqlite:///FILE (relative to the project), sqlite:////ABSOLUTE/PATH "
    "or postgresql://USER@HOST/DATABASE"
)
POSTGRESQL_DRIVERS = ("postgresql", "postgres", "postgresql+psycopg")
# A plain SQLite file, as most projects have: accepted without loading SQLAlchemy.
PLAIN_SQLITE = re.compile(r"sqlite:///[^:?#]+")
# user:password@ before the host, or a password=... parameter (psycopg reads both).
PASSWORD = re.compile(r"^([\w+.\-]+://[^/?#@:]*):[^/?#@]*@|[?&]password=")


def check_database_url(url: str) -> str:
    """The URL, when the store can open it; a ValueError saying what to write otherwise."""
    if not url:
        raise ValueError(f"no database URL; write {FORMS}")
    if PLAIN_SQLITE.fullmatch(url):
        return url
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    shown = hide_password(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(_not_a_url(url, shown)) from None
    except ValueError:  # from the port, which SQLAlchemy reads with int()
        raise ValueError(f"'{shown}' is not a valid URL: {_address_problem(url)}") from None
    if parsed.drivername == "sqlite":
        _check_sqlite(parsed, url, shown)
    elif parsed.drivername in POSTGRESQL_DRIVERS:
        pass  # psycopg reports a bad host, database or parameter when it connects
    elif parsed.get_backend_name() in ("postgresql", "postgres"):
        written = parsed.set(drivername="postgresql").render_as_string(hide_password=True)
        raise ValueError(
            f"'{shown}' asks for the driver {parsed.get_driver_name()}; newsletter connects "
            f"through psycopg 3: write {written}"
        )
    else:
        raise ValueError(f"'{shown}' is not supported; write {FORMS}")
    return url


def has_password(url: str) -> bool:
    return bool(PASSWORD.search(url))


def hide_password(url: str) -> str:
    """The URL with any password between user and host replaced by ***."""
    return re.sub(r"^([\w+.\-]+://[^/?#@:]*):[^/?#@]*@", r"\1:***@", url)


def _not_a_url(url: str, shown: str) -> str:
    if ":" not in url:  # a file name, such as newsletter.db
        return f"'{shown}' is not a database URL: write sqlite:///{url} for that SQLite file"
    return f"'{shown}' is not a database URL: write {FORMS}"


def _address_problem(url: str) -> str:
    address = url.partition("://")[2].split("/", 1)[0].rpartition("@")[2]
    if address.startswith("[") and "]" not in address:
        return "the IPv6 address has no closing ']'"
    return f"the port '{address.rpartition(']')[2].rpartition(':')[2]}' is not a number"


def _check_sqlite(parsed, url: str, shown: str) -> None:
    if parsed.host or parsed.username or parsed.port:
        rest = url.partition("://")[2]
        raise ValueError(
            f"'{shown}' names a host, not a file (a SQLite URL has three slashes before a "
            f"relative path, four before an absolute one): write sqlite:///{rest}"
        )
    memory = parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"
    if memory:
        raise ValueError(
            f"'{shown}' names no file, and a SQLite database in memory is lost when the "
            "command ends: name a file, such as sqlite:///newsletter.db"
        )


def sqlalchemy_url(url: str, project_dir: Path) -> str:
    """The URL as SQLAlchemy opens it: a relative SQLite path made absolute under the
    project, and PostgreSQL through psycopg 3."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url.removeprefix("sqlite:///")
        if relative and relative != ":memory:":
            return f"sqlite:///{(project_dir / relative).resolve()}"
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
