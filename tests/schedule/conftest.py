"""Schedule tests: the delivery tests' project, stores (SQLite file and PostgreSQL) and SMTP
server, with `newsletter scheduler` run as a child process whose lease and heartbeat are
short, so that a takeover happens within a second or two."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsletter.db import plans, scheduler_jobs
from tests.conftest import copy_sample_project
from tests.delivery.conftest import add_subscribers, environ, smtp_server
from tests.subscribers.conftest import config, database_url, store

__all__ = ["add_subscribers", "config", "database_url", "environ", "smtp_server", "store"]

SRC = Path(__file__).resolve().parents[2] / "src"
WAIT = 60.0  # seconds before a wait gives up: a failure, never a measure of speed


# Short enough for a takeover within two seconds; the defaults are 5 and 30 s.
SCHEDULE_SETTINGS = """
[schedule]
heartbeat_seconds = 0.2
lease_seconds = 1.5
editors = ["editor@example.org", "chief@example.org"]
"""


@pytest.fixture
def sample_project(tmp_path: Path) -> Path:
    """The sample project, its scheduler's lease and heartbeat short, with two editors."""
    project = copy_sample_project(tmp_path / "project")
    with open(project / "newsletter.toml", "a", encoding="utf-8") as settings:
        settings.write(SCHEDULE_SETTINGS)
    return project


def wait_for(condition: Callable[[], object], what: str, timeout: float = WAIT):
    """Poll until `condition()` is true; its value. Fails the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"waited {timeout:g} s for {what}")


class SchedulerProcess:
    """`newsletter scheduler` in a child process, its log in a file."""

    def __init__(self, project: Path, environ: dict[str, str], log: Path):
        self.log_path = log
        env = {**os.environ, **environ, "PYTHONPATH": str(SRC)}
        command = [sys.executable, "-c", "from newsletter.cli import main; main()"]
        with open(log, "w") as stderr:
            self.process = subprocess.Popen(
                [*command, "-p", str(project), "scheduler"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                text=True,
                # A test run in the background ignores SIGINT; the scheduler must hear it as
                # it would from a terminal's Ctrl-C.
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_active(self) -> None:
        wait_for(lambda: "active: this scheduler" in self.log(), "the scheduler to be active")

    def stop(self, how: signal.Signals = signal.SIGTERM) -> int:
        """SIGTERM, as systemd stops a service (or SIGINT, Ctrl-C's); the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(how)
        return self.process.wait(timeout=WAIT)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=WAIT)


@pytest.fixture
def start_scheduler(sample_project: Path, environ: dict[str, str], tmp_path: Path):
    """Start a scheduler (or several); each is stopped after the test."""
    started: list[SchedulerProcess] = []

    def start(**overrides: str) -> SchedulerProcess:
        log = tmp_path / f"scheduler-{len(started)}.log"
        process = SchedulerProcess(sample_project, {**environ, **overrides}, log)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.process.poll() is None:
            process.kill()


def stored(store) -> tuple[list, list]:
    """The plans and the job store's jobs: what a refused command must leave empty."""
    with store.reading() as connection:
        return (
            connection.execute(sa.select(plans)).all(),
            connection.execute(sa.select(scheduler_jobs.c.id)).all(),
        )


def plan_states(store) -> dict[str, str]:
    """Each issue's latest plan's state."""
    with store.reading() as connection:
        rows = connection.execute(sa.select(plans.c.issue, plans.c.state).order_by(plans.c.id))
        return dict(rows.all())


def wait_for_state(store, issue: str, state: str) -> None:
    wait_for(lambda: plan_states(store).get(issue) == state, f"{issue} to be {state}")
