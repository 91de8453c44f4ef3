"""A misspelt NEWSLETTER_* variable as a user meets it: every command that reads the settings
warns of it on stderr, once, and goes on; what it prints on stdout is unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
TYPO = "NEWSLETTER_SCHEDULE_GRACE_MINUTE"
WARNING = (
    "warning: NEWSLETTER_SCHEDULE_GRACE_MINUTE is not a setting: "
    "is it NEWSLETTER_SCHEDULE_GRACE_MINUTES?"
)


def newsletter(project: Path, *args: str, environ: dict[str, str]) -> subprocess.CompletedProcess:
    """The command in a child process, with only these NEWSLETTER_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    command = [sys.executable, "-c", "from newsletter.cli import main; main()", "-p", str(project)]
    return subprocess.run(
        [*command, *args],
        env={**env, **environ, "PYTHONPATH": str(SRC)},
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", ["status", "build"])
def test_a_misspelt_variable_is_warned_of_on_stderr_once(sample_project, tmp_path, command):
    args = {"status": ["status"], "build": ["build", "2013-05", "--out", str(tmp_path / "out")]}
    newsletter(sample_project, *args[command], environ={})  # the database made
    plain = newsletter(sample_project, *args[command], environ={})
    typo = newsletter(sample_project, *args[command], environ={TYPO: "5"})
    assert typo.returncode == 0, typo.stderr
    assert typo.stderr.splitlines().count(WARNING) == 1
    assert typo.stdout == plain.stdout  # what scripts read holds no warning


@pytest.mark.parametrize("command", [["check", "2013-05"], ["send", "2013-05", "--yes"]])
def test_check_and_send_warn_once_though_their_preflight_validates(sample_project, command):
    result = newsletter(sample_project, *command, environ={TYPO: "5"})
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("NEWSLETTER_SCHEDULE_GRACE_MINUTE is") == 1
    assert WARNING in result.stderr.splitlines()


def test_variables_the_project_reads_are_not_warned_of(sample_project):
    environ = {
        "NEWSLETTER_SCHEDULE_GRACE_MINUTES": "5",
        "NEWSLETTER_SECRET_KEY": "k" * 43,
        "NEWSLETTER_SMTP_PASSWORD": "s3cret",
        "NEWSLETTER_DATABASE_URL": "sqlite:///newsletter.db",
        "NEWSLETTER_TEST_POSTGRES": "postgresql://postgres@127.0.0.1:5432/postgres",
    }
    result = newsletter(sample_project, "status", environ=environ)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr


@pytest.mark.parametrize("command", ["status", "validate"])
def test_the_warning_comes_before_the_settings_it_may_explain_are_refused(sample_project, command):
    config = sample_project / "newsletter.toml"
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    config.write_text("".join(line for line in lines if not line.startswith("base_url")))
    environ = {"NEWSLETTER_NEWSLETTER_BASEURL": "https://newsletter.example.org/"}
    result = newsletter(sample_project, command, environ=environ)
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "warning: NEWSLETTER_NEWSLETTER_BASEURL is not a setting: "
        "is it NEWSLETTER_NEWSLETTER_BASE_URL?",
        "newsletter.toml:5:1: 'newsletter.base_url' is required",
    ]
