"""Shared fixtures: a copy of the repository's project, a real PostgreSQL, a real Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROJECT_PARTS = ("newsletter.toml", "issues", "subscribers", "templates")
POSTGRES_ADMIN_URL = os.environ.get(
    "NEWSLETTER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CHROMIUM = os.environ.get("NEWSLETTER_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "build" / "test-artifacts"


def copy_sample_project(target: Path) -> Path:
    """A copy of the repository's own newsletter project in `target` (made if missing)."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.is_file():
            shutil.copy2(source, target / part)
    return target


@pytest.fixture(autouse=True)
def own_cache_folder(tmp_path_factory, monkeypatch) -> None:
    """Each test its own cache folder: no SpamAssassin score kept from another test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def sample_project(tmp_path: Path) -> Path:
    """A throwaway copy of the repository's own newsletter project."""
    return copy_sample_project(tmp_path / "project")


REQUIRE_SERVICES = os.environ.get("NEWSLETTER_TEST_REQUIRE_SERVICES") == "1"


def needs(available: bool, why: str) -> pytest.MarkDecorator:
    """Skip where a program the tests use is missing (`why` says which, and that .ci/setup
    installs it). Under `.ci/run`, which sets NEWSLETTER_TEST_REQUIRE_SERVICES=1 after
    installing them all, a missing one stops the run at collection: a green CI run has run
    every test."""
    if not available and REQUIRE_SERVICES:
        pytest.fail(f"{why}, and .ci/run requires it", pytrace=False)
    return pytest.mark.skipif(not available, reason=why)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The URL of a reachable PostgreSQL server, or a visible skip saying none is reachable
    (a failure under `.ci/run`, see `needs`)."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        why = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}".splitlines()[0]
        if REQUIRE_SERVICES:
            pytest.fail(why)
        pytest.skip(why)
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    name = f"newsletter_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (its own browser download cannot work)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/setup, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts() -> Path:
    """Where tests save screenshots for a person to look at (build/test-artifacts/)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection or resolve a name fails the test (and is recorded)."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts
