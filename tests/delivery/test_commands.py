"""`newsletter send` and `newsletter status` as a user runs them, in a child process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsletter import delivery
from newsletter.db import SENDING, UNCERTAIN, deliveries

from .conftest import add_subscribers

SRC = Path(__file__).resolve().parents[2] / "src"
SEND = ("send", "2013-05", "--yes", "--language", "en")
# What `send` says on the first stop signal: a second one stops it at once.
STOPPING = {
    signal.SIGINT: "stopping: finishing the messages being handed over (Ctrl-C again to quit now)",
    signal.SIGTERM: "stopping on SIGTERM: finishing the messages being handed over (a second "
    "SIGTERM, or SIGKILL, stops at once and leaves them uncertain)",
}


def newsletter(project: Path, *args: str, environ: dict, **popen) -> subprocess.Popen:
    env = {**os.environ, **environ, "PYTHONPATH": str(SRC)}
    command = [sys.executable, "-c", "from newsletter.cli import main; main()"]
    return subprocess.Popen(
        [*command, "-p", str(project), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def run(project: Path, *args: str, environ: dict) -> subprocess.CompletedProcess:
    process = newsletter(project, *args, environ=environ)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture
def outbox_environ(environ):
    return {
        **{k: v for k, v in environ.items() if not k.startswith("NEWSLETTER_SMTP")},
        "NEWSLETTER_DELIVERY_BACKEND": "outbox",
    }


def test_send_shows_the_plan_sends_and_reports(sample_project, store, environ, smtp_server):
    add_subscribers(store, 5, "en")
    add_subscribers(store, 2, "ja", start=5)
    result = run(sample_project, "send", "2013-05", "--yes", environ=environ)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:4] == [
        "Issue:    2013-05: Japan Science and Technology Newsletter, May 2013",
        "Edition:  en: 5 recipients",
        "Edition:  ja: 2 recipients",
        f"Through:  SMTP 127.0.0.1:{smtp_server.port} (no encryption)",
    ]
    assert result.stdout.splitlines()[-2:] == ["2013-05 en: 5 sent", "2013-05 ja: 2 sent"]
    again = run(sample_project, "send", "2013-05", "--yes", environ=environ)
    assert again.returncode == 0, again.stderr
    started = {s.language: f"{s.created_at:%Y-%m-%d %H:%M}" for s in delivery.statuses(store)}
    assert again.stdout.splitlines()[1:] == [
        f"Edition:  en: started {started['en']} UTC for 5 recipients (5 sent): "
        "nothing left to send",
        f"Edition:  ja: started {started['ja']} UTC for 2 recipients (2 sent): "
        "nothing left to send",
        f"Through:  SMTP 127.0.0.1:{smtp_server.port} (no encryption)",
        "Nothing to send: every recipient of 2013-05 en/ja has been handled.",
    ]
    assert len(smtp_server.recorder.messages) == 7
    status = run(sample_project, "status", environ=environ)
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert lines[0].split() == [
        "issue", "lang", "started", "(UTC)", "recipients", "sent", "failed", "uncertain",
        "to", "send", "state",
    ]  # fmt: skip
    assert lines[1].split()[-6:] == ["5", "5", "0", "0", "0", "done"]
    one = run(sample_project, "status", "2013-05", environ=environ)
    assert one.stdout.splitlines()[-3:] == [
        "2013-05 en: no message failed, was deferred or is uncertain",
        "",
        "2013-05 ja: no message failed, was deferred or is uncertain",
    ]  # rather than nothing at all


def test_without_a_terminal_send_needs_yes(sample_project, store, environ):
    add_subscribers(store, 1)
    result = run(sample_project, "send", "2013-05", environ=environ)
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "error: not sent: without a terminal to ask on, pass --yes to send"
    )
    assert delivery.statuses(store) == []


def test_a_draft_is_not_sent(sample_project, store, environ):
    result = run(sample_project, "send", "2013-08", "--yes", environ=environ)
    assert result.returncode == 1
    assert "2013-08 is a draft: set 'status: ready' in its file to send it" in result.stderr


def test_an_invalid_issue_is_refused_with_its_problems(sample_project, store, environ):
    path = sample_project / "issues" / "2013-05.yaml"
    path.write_text(path.read_text().replace("date: 2013-05-31", "date: 2013-05-45"))
    result = run(sample_project, "send", "2013-05", "--yes", environ=environ)
    assert result.returncode == 1
    assert "issues/2013-05.yaml:" in result.stderr and "not a real date" in result.stderr


def test_smtp_needs_a_secret_key_said_before_anything_else_is_done(sample_project, store, environ):
    add_subscribers(store, 1)
    environ = {k: v for k, v in environ.items() if k != "NEWSLETTER_SECRET_KEY"}
    result = run(sample_project, "send", "2013-05", "--yes", environ=environ)
    assert result.returncode == 1
    assert result.stderr == (
        "error: set NEWSLETTER_SECRET_KEY before sending over SMTP: it signs each subscriber's "
        'unsubscribe link (make one with: python3 -c "import secrets; '
        'print(secrets.token_urlsafe(32))")\n'
    )  # the preflight's spam scores and the plan never came
    assert result.stdout == ""
    assert delivery.statuses(store) == []


def test_a_secret_key_short_enough_to_be_found_by_trying_is_warned_about(
    sample_project, store, environ
):
    """A warning, not a refusal: the key in use signs the links of mail already sent."""
    add_subscribers(store, 1)
    short = {**environ, "NEWSLETTER_SECRET_KEY": "x" * 31}
    result = run(sample_project, "send", "2013-05", "--yes", environ=short)
    assert result.returncode == 0, result.stderr
    assert (
        "2013-05: warning: NEWSLETTER_SECRET_KEY is 31 characters long: a key that short can "
        "be found by trying, and every unsubscribe link forged. For a newsletter not yet sent, "
        "make one of 32 or more (python3 -c"
    ) in result.stderr
    assert "a new key breaks the links in mail already sent" in result.stderr
    enough = {**environ, "NEWSLETTER_SECRET_KEY": "x" * 32}
    again = run(sample_project, "check", "2013-05", environ=enough)
    assert "NEWSLETTER_SECRET_KEY is" not in again.stdout + again.stderr


def test_test_to_sends_to_that_address_only_and_records_nothing(
    sample_project, store, environ, smtp_server
):
    add_subscribers(store, 3)
    result = run(sample_project, "send", "2013-08", "--test-to", "me@example.org", environ=environ)
    assert result.returncode == 0, result.stderr
    assert smtp_server.received() == {"me@example.org": 2}  # one message per edition
    from email import policy
    from email.parser import BytesParser

    subjects = [
        BytesParser(policy=policy.default).parsebytes(data)["Subject"]
        for _, data in smtp_server.recorder.messages
    ]
    assert all(subject.startswith("[TEST] ") for subject in subjects)
    assert delivery.statuses(store) == []


def test_cancel_turns_what_is_left_into_cancelled(sample_project, store, environ):
    import datetime as dt

    from newsletter.delivery import ledger

    add_subscribers(store, 4)
    with store.transaction() as connection:  # a send that was started and stopped
        ledger.start_send(connection, "2013-05", "en", "s", dt.datetime.now(dt.UTC))
    result = run(sample_project, "send", "2013-05", "--cancel", environ=environ)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["2013-05 en: cancelled 4 messages"]
    (status,) = delivery.statuses(store, "2013-05")
    assert (status.state, status.counts["cancelled"]) == ("cancelled", 4)


def test_the_outbox_needs_no_server_and_no_key(sample_project, store, outbox_environ):
    add_subscribers(store, 3)
    environ = {k: v for k, v in outbox_environ.items() if k != "NEWSLETTER_SECRET_KEY"}
    # A language tag in any case names the edition (tags ignore case).
    result = run(sample_project, "send", "--yes", "--language", "EN", environ=environ)
    assert result.returncode == 0, result.stderr
    assert "Edition:  en: 3 recipients" in result.stdout
    assert "Through:  the outbox folder" in result.stdout
    files = sorted((sample_project / "outbox").glob("*.eml"))
    assert len(files) == 3


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _in_flight(store) -> int:
    with store.reading() as connection:
        query = sa.select(sa.func.count()).where(deliveries.c.state == SENDING)
        return connection.execute(query).scalar_one()


def _read_up_to(stream, line: str) -> None:
    """Read what the command says up to `line`, which it must say."""
    for said in iter(stream.readline, ""):
        if said.rstrip("\n") == line:
            return
    raise AssertionError(f"never said: {line}")


def _worker_pids(store) -> list[int]:
    import sqlalchemy as sa

    from newsletter.db import workers

    with store.reading() as connection:
        return list(connection.execute(sa.select(workers.c.pid)).scalars())


def _running(pid: int) -> bool:
    """Alive and not a zombie nobody has reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def test_killed_mid_send_then_sent_again_nobody_twice(sample_project, store, environ, smtp_server):
    addresses = add_subscribers(store, 300)
    smtp_server.faults.delay = 0.01
    # Two worker processes: they must die with the one killed.
    process = newsletter(
        sample_project, *SEND, "--processes", "2", "--connections", "4", environ=environ
    )
    _wait_for(lambda: len(smtp_server.recorder.messages) >= 60)
    process.send_signal(signal.SIGKILL)
    process.wait()
    _wait_for(lambda: not any(_running(pid) for pid in _worker_pids(store)), timeout=10)
    before = sum(smtp_server.received().values())
    assert before < 300
    time.sleep(1.2)  # a dead process's send is stalled once its heartbeat is older than this
    quick = {**environ, "NEWSLETTER_DELIVERY_STALLED_AFTER": "1"}
    status = run(sample_project, "status", environ=quick)
    assert "stalled (last progress 20" in status.stdout, status.stdout
    result = run(sample_project, "send", "2013-05", "-y", "--language", "en", environ=environ)
    assert result.returncode == 0, result.stderr
    received = smtp_server.received()
    assert set(received.values()) == {1}  # nobody twice
    (status,) = delivery.statuses(store, "2013-05")
    uncertain = {line.email for line in delivery.recipients(store, status.id)}
    assert set(addresses) <= set(received) | uncertain  # everybody else got it
    assert len(uncertain) <= 4  # at most the messages in flight: one per connection
    assert status.counts["sent"] + status.counts["uncertain"] == 300


@pytest.mark.parametrize("processes", ["1", "2"], ids=["one-process", "two-processes"])
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stop_is_clean_and_send_continues(
    sample_project, store, environ, smtp_server, stop, processes
):
    addresses = add_subscribers(store, 200)
    smtp_server.faults.delay = 0.01
    process = newsletter(sample_project, *SEND, "--processes", processes, environ=environ)
    _wait_for(lambda: len(smtp_server.recorder.messages) >= 30)
    process.send_signal(stop)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    assert STOPPING[stop] in err.splitlines()
    assert "still to send: run `newsletter send 2013-05` again to continue" in err
    (status,) = delivery.statuses(store, "2013-05")
    assert status.counts["uncertain"] == 0 and status.counts["claimed"] == 0
    result = run(sample_project, "send", "2013-05", "-y", "--language", "en", environ=environ)
    assert result.returncode == 0, result.stderr
    assert smtp_server.received() == dict.fromkeys(addresses, 1)


def test_a_second_sigterm_stops_at_once_leaving_the_messages_in_flight_uncertain(
    sample_project, store, environ, smtp_server
):
    """As a service manager stops a send whose clean stop takes too long."""
    addresses = add_subscribers(store, 10)
    smtp_server.faults.delay = 30  # a clean stop would wait this long for the messages in flight
    process = newsletter(sample_project, *SEND, "--connections", "2", environ=environ)
    _wait_for(lambda: _in_flight(store) == 2)
    process.send_signal(signal.SIGTERM)
    _read_up_to(process.stderr, STOPPING[signal.SIGTERM])
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=10)  # long before the messages in flight end
    assert process.returncode == 1, err
    smtp_server.faults.delay = 0
    result = run(sample_project, *SEND, environ=environ)
    assert result.returncode == 0, result.stderr
    (status,) = delivery.statuses(store, "2013-05")
    assert (status.counts["uncertain"], status.counts["sent"]) == (2, 8)
    received = smtp_server.received()
    assert set(received.values()) == {1} and len(set(addresses) - set(received)) == 2


# Several processes share a send on PostgreSQL; SQLite has one writer at a time.
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_three_processes_share_one_send(sample_project, store, environ, smtp_server):
    addresses = add_subscribers(store, 600)
    smtp_server.faults.delay = 0.005
    processes = [  # three `send` commands, one worker process each
        newsletter(sample_project, *SEND, "--processes", "1", environ=environ) for _ in range(3)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert smtp_server.received() == dict.fromkeys(addresses, 1)
    import sqlalchemy as sa

    from newsletter.db import deliveries

    with store.reading() as connection:
        workers = connection.execute(
            sa.select(deliveries.c.worker_id, sa.func.count()).group_by(deliveries.c.worker_id)
        ).all()
    assert len(workers) == 3  # the work was spread over the three
    assert all(count > 30 for _, count in workers)


def test_the_plan_counts_who_is_left_out(sample_project, store, environ, smtp_server):
    import datetime as dt

    from newsletter.subscribers import Change

    addresses = add_subscribers(store, 3)
    now = dt.datetime.now(dt.UTC)
    store.set_status(addresses[0], "unsubscribed", Change("test", "tester", now))
    result = run(sample_project, "send", "2013-05", "--language", "en", "--yes", environ=environ)
    assert result.returncode == 0, result.stderr
    assert "Edition:  en: 2 recipients" in result.stdout
    assert "Not sent: 1 unsubscribed" in result.stdout
    assert addresses[0] not in smtp_server.received()


def test_sent_again_with_messages_left_uncertain_it_says_how_to_send_them(
    sample_project, store, outbox_environ
):
    add_subscribers(store, 2, "en")
    assert run(sample_project, *SEND, environ=outbox_environ).returncode == 0
    with store.transaction() as connection:  # as a crash mid-hand-over leaves one
        first = sa.select(sa.func.min(deliveries.c.id)).scalar_subquery()
        connection.execute(
            sa.update(deliveries).where(deliveries.c.id == first).values(state=UNCERTAIN)
        )
    again = run(sample_project, *SEND, environ=outbox_environ)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-2:] == [
        "Nothing to send: every recipient of 2013-05 en has been handled.",
        "1 message uncertain (`newsletter status 2013-05` lists them): --retry-uncertain "
        "sends them again, and some may get the issue twice",
    ]
