"""The database URL, checked when the config is read, and what opening the database says."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.config import load_config
from newsletter.core import NewsletterError, ProblemsError
from newsletter.db import Migration, make_engine

FORMS = (
    "sqlite:///FILE (relative to the project), sqlite:////ABSOLUTE/PATH "
    "or postgresql://USER@HOST/DATABASE"
)
IN_MEMORY = (
    "names no file, and a SQLite database in memory is lost when the command ends: "
    "name a file, such as sqlite:///newsletter.db"
)


def problems(project: Path, environ: dict[str, str]) -> list[str]:
    with pytest.raises(ProblemsError) as excinfo:
        load_config(project, environ)
    return [str(problem) for problem in excinfo.value.problems]


def set_url_in_file(project: Path, url: str) -> None:
    path = project / "newsletter.toml"
    text = path.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("url = "))
    path.write_text(text.replace(line, f'url = "{url}"'), encoding="utf-8")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "newsletter.db",
            "'newsletter.db' is not a database URL: write sqlite:///newsletter.db for that "
            "SQLite file",
        ),
        (
            "/srv/news/subscribers.db",
            "'/srv/news/subscribers.db' is not a database URL: write "
            "sqlite:////srv/news/subscribers.db for that SQLite file",
        ),
        ("sqlite:/newsletter.db", f"'sqlite:/newsletter.db' is not a database URL: write {FORMS}"),
        ("", f"no database URL; write {FORMS}"),
        (
            "sqlite://newsletter.db",
            "'sqlite://newsletter.db' names a host, not a file (a SQLite URL has three slashes "
            "before a relative path, four before an absolute one): write sqlite:///newsletter.db",
        ),
        ("sqlite:///", f"'sqlite:///' {IN_MEMORY}"),
        ("sqlite://", f"'sqlite://' {IN_MEMORY}"),
        ("sqlite:///:memory:", f"'sqlite:///:memory:' {IN_MEMORY}"),
        (
            "postgresql://u@127.0.0.1:abc/db",
            "'postgresql://u@127.0.0.1:abc/db' is not a valid URL: the port 'abc' is not a number",
        ),
        (
            "postgresql://u@[::1/db",
            "'postgresql://u@[::1/db' is not a valid URL: the IPv6 address has no closing ']'",
        ),
        (
            "postgresql+psycopg2://u:secret@127.0.0.1:5499/db",
            "'postgresql+psycopg2://u:***@127.0.0.1:5499/db' asks for the driver psycopg2; "
            "newsletter connects through psycopg 3: write postgresql://u:***@127.0.0.1:5499/db",
        ),
        ("mysql://x", f"'mysql://x' is not supported; write {FORMS}"),
    ],
)
def test_bad_url_in_the_environment_names_the_variable(sample_project, url, message):
    assert problems(sample_project, {"NEWSLETTER_DATABASE_URL": url}) == [
        f"environment variable NEWSLETTER_DATABASE_URL: {message}"
    ]


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///newsletter.db",
        "sqlite:////srv/news/subscribers.db",
        "postgresql://news@db.example.org/news",
        "postgres://news@db.example.org:5433/news?sslmode=require",
        "postgresql+psycopg://news@/news?host=/run/postgresql",
    ],
)
def test_good_urls_are_accepted(sample_project, url):
    assert (
        load_config(sample_project, {"NEWSLETTER_DATABASE_URL": url}).settings.database.url == url
    )


def test_bad_url_in_the_file_is_located(sample_project):
    set_url_in_file(sample_project, "newsletter.db")
    assert problems(sample_project, {}) == [
        f"{sample_project / 'newsletter.toml'}:20:1: database.url: 'newsletter.db' is not a "
        "database URL: write sqlite:///newsletter.db for that SQLite file"
    ]


def test_password_in_the_file_is_refused_but_taken_from_the_environment(sample_project):
    url = "postgresql://me:hunter2@db.example.org/news"
    environ = {"NEWSLETTER_DATABASE_URL": url}
    assert load_config(sample_project, environ).database_url == (
        "postgresql+psycopg://me:hunter2@db.example.org/news"
    )
    set_url_in_file(sample_project, url)
    expected = [
        f"{sample_project / 'newsletter.toml'}:20:1: secrets are not read from files: "
        "put the database URL with its password in NEWSLETTER_DATABASE_URL"
    ]
    assert problems(sample_project, {}) == expected
    assert problems(sample_project, environ) == expected  # the file still holds it


def test_validate_and_every_command_report_a_bad_url_without_a_traceback(
    sample_project, monkeypatch
):
    monkeypatch.chdir(sample_project)
    set_url_in_file(sample_project, "newsletter.db")
    expected = (
        "newsletter.toml:20:1: database.url: 'newsletter.db' is not a database URL: "
        "write sqlite:///newsletter.db for that SQLite file\n"
    )
    for args in (["validate"], ["subscribers", "count"]):
        result = CliRunner().invoke(cli, args, env={"NEWSLETTER_DATABASE_URL": None})
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr.startswith(expected)
    result = CliRunner().invoke(
        cli, ["subscribers", "count"], env={"NEWSLETTER_DATABASE_URL": "sqlite:///"}
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"environment variable NEWSLETTER_DATABASE_URL: 'sqlite:///' {IN_MEMORY}\n"
    )


def test_engine_that_cannot_be_made_is_a_one_line_error():
    with pytest.raises(NewsletterError) as error:
        make_engine("postgresql+nosuchdriver://u@127.0.0.1/db", "postgresql://u@127.0.0.1/db")
    assert str(error.value) == (
        "cannot open the database postgresql://u@127.0.0.1/db: Can't load plugin: "
        "sqlalchemy.dialects:postgresql.nosuchdriver"
    )


def test_migration_says_created_for_a_new_database_and_upgraded_otherwise():
    assert Migration("sqlite", None, "0001").message("newsletter.db") == (
        "created the database newsletter.db"
    )
    assert Migration("postgresql", None, "0001").message("postgresql://u@h/news") == (
        "created the subscriber tables in the database postgresql://u@h/news"
    )
    assert Migration("sqlite", "0001", "0002").message("newsletter.db") == (
        "upgraded the database schema to 0002"
    )
