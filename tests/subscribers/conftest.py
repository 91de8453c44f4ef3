"""Fixtures for subscriber tests: a store on a SQLite file and on a fresh PostgreSQL database.

Every store test runs on both; tests/cli/conftest.py takes these fixtures too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.config import Config, load_config
from newsletter.subscribers import Store, open_store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> str:
    """Each store test runs twice: on a SQLite file, and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'newsletter.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def environ(database_url: str) -> dict[str, str]:
    return {"NEWSLETTER_DATABASE_URL": database_url}


@pytest.fixture
def config(sample_project: Path, environ: dict[str, str]) -> Config:
    return load_config(sample_project, environ)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    opened = open_store(config)
    yield opened
    opened.close()
