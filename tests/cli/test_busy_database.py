"""Another command is using the database, or the user stops one: what the user is told."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from tests.subscribers.helpers import held_lock

NEWSLETTER = Path(sys.executable).with_name("newsletter")


@pytest.fixture
def project(sample_project: Path, monkeypatch) -> Path:
    monkeypatch.chdir(sample_project)
    monkeypatch.delenv("NEWSLETTER_DATABASE_URL", raising=False)
    return sample_project


def run(*args: str):
    return CliRunner().invoke(cli, ["subscribers", *args], catch_exceptions=False)


def test_a_command_waits_for_a_locked_database_and_says_so(project):
    assert run("count").exit_code == 0  # creates newsletter.db
    started = time.monotonic()
    with held_lock(project / "newsletter.db", seconds=2.5):
        result = run("add", "a@example.org", "--consent", "express", "--source", "form")
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 2.5
    assert result.stderr == (
        "warning: waiting for the database newsletter.db: another program (an import?) is "
        "writing to it; up to 60 s (Ctrl-C stops)\n"
    )
    assert result.stdout.startswith("added a@example.org")


def test_a_short_wait_goes_unmentioned(project):
    run("count")
    with held_lock(project / "newsletter.db", seconds=0.3):
        result = run("list")
    assert (result.exit_code, result.stderr) == (0, "")


def write_list(path: Path, rows: int) -> None:
    lines = ["email,name,consent,consented_at,source"]
    lines += [f"p{n}@example.org,P {n},express,2025-01-01,form" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_ctrl_c_during_an_import_says_nothing_was_imported(project):
    write_list(project / "big.csv", 30_000)
    assert run("add", "a@example.org", "--consent", "express", "--source", "form").exit_code == 0
    before = (project / "newsletter.db").read_bytes()
    child = subprocess.Popen(
        [NEWSLETTER, "subscribers", "import", "big.csv", "--skip-invalid"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A test run in the background ignores SIGINT; the import must hear it as a terminal
        # would make it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    for line in child.stderr:  # not a terminal: a line every 10,000 rows
        if line.startswith("written 10,000 of 30,000 rows"):
            child.send_signal(signal.SIGINT)
            break
    stdout, stderr = child.communicate(timeout=60)
    assert child.returncode == 130
    assert (stdout, stderr) == (
        "",
        "interrupted: nothing was imported (an import is one transaction: the database is as "
        "it was, and no rejects file was written)\n",
    )
    assert (project / "newsletter.db").read_bytes() == before
    assert run("list").stdout.endswith("\n1 subscriber\n")
