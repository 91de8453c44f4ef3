"""The editors' reminder fired by a real `newsletter scheduler` from its cron trigger, to a
real SMTP server: at its time, late after a restart within the grace period, reported
missed beyond it."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections import Counter

from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.config import load_config
from newsletter.schedule import jobs

from .conftest import wait_for

QUARTERLY = "0 9 1 1,4,7,10 *"  # 09:00 on the first of January, April, July, October
EDITORS = ["editor@example.org", "chief@example.org"]


def store_reminder_due(store, sample_project, environ, at: dt.datetime) -> None:
    """The job store as a scheduler leaves it: the reminder's job for QUARTERLY, next due `at`
    (as when its time came while no scheduler ran)."""
    trigger = jobs.reminder_trigger(
        load_config(sample_project, {**environ, "NEWSLETTER_SCHEDULE_REMINDER": QUARTERLY})
    )
    with jobs.paused_scheduler(store) as scheduler:
        scheduler.add_job(jobs.REMIND, trigger, id=jobs.REMINDER_JOB, replace_existing=True)
        scheduler.modify_job(jobs.REMINDER_JOB, next_run_time=at)


def stored_next_reminder(store) -> dt.datetime | None:
    with jobs.paused_scheduler(store) as scheduler:
        job = scheduler.get_job(jobs.REMINDER_JOB)
        return job.next_run_time if job else None


def reminders(smtp_server) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(data, policy=email.policy.default)
        for _, data in smtp_server.recorder.messages
    ]


def text_of(message: email.message.EmailMessage) -> str:
    return message.get_content().replace("\r\n", "\n")


def test_the_reminder_fires_at_its_cron_time_and_reaches_every_editor(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    """The cron line as an editor writes it, every minute here: nothing set up by hand."""
    monkeypatch.chdir(sample_project)
    scheduler = start_scheduler(NEWSLETTER_SCHEDULE_REMINDER="* * * * *")
    scheduler.wait_active()
    wait_for(lambda: len(smtp_server.recorder.messages) == 2, "the minute's reminder", 90)
    assert smtp_server.received() == Counter(EDITORS)
    for message in reminders(smtp_server):
        assert (
            message["Subject"] == "Japan Science and Technology Newsletter: the next issue is due"
        )
        assert message["Auto-Submitted"] == "auto-generated"
        assert "The draft issues/2013-08.yaml (2013-08, dated 2013-08-15) validates." in (
            text_of(message)
        )
    wait_for(lambda: "reminder to chief@example.org: sent" in scheduler.log(), "the log line")


def test_a_reminder_due_while_no_scheduler_ran_is_sent_when_one_starts(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    draft = sample_project / "issues" / "2013-08.yaml"
    draft.write_text(draft.read_text().replace("title:", "titel:", 1))
    due = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)  # within the hour's grace
    store_reminder_due(store, sample_project, environ, due)
    scheduler = start_scheduler(NEWSLETTER_SCHEDULE_REMINDER=QUARTERLY)
    wait_for(lambda: len(smtp_server.recorder.messages) == 2, "the late reminder")
    assert smtp_server.received() == Counter(EDITORS)
    body = text_of(reminders(smtp_server)[0])
    assert "The draft issues/2013-08.yaml has 1 problem:\n" in body
    assert "unknown key 'titel'; did you mean 'title'?" in body
    scheduler.stop()
    next_time = stored_next_reminder(store)
    assert next_time > dt.datetime.now(dt.UTC)  # the next quarter's, counted by the trigger
    assert (next_time.day, next_time.month % 3) == (1, 1)


def test_a_reminder_missed_beyond_the_grace_period_is_reported_and_not_sent(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    grace = {"NEWSLETTER_SCHEDULE_GRACE_MINUTES": "0.01"}  # rounded up to one second
    due = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)
    store_reminder_due(store, sample_project, environ, due)
    scheduler = start_scheduler(NEWSLETTER_SCHEDULE_REMINDER=QUARTERLY, **grace)
    wait_for(
        lambda: "the reminder of " in scheduler.log() and "was missed" in scheduler.log(),
        "the log to say the reminder was missed",
    )
    scheduler.stop()
    assert smtp_server.received() == Counter()
    assert stored_next_reminder(store) > dt.datetime.now(dt.UTC)


def test_a_changed_cron_line_replaces_the_stored_reminder(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    """Only the same cron line keeps its stored time: a new one counts from now."""
    monkeypatch.chdir(sample_project)
    store_reminder_due(store, sample_project, environ, dt.datetime.now(dt.UTC))
    scheduler = start_scheduler(NEWSLETTER_SCHEDULE_REMINDER="0 9 15 2,5,8,11 *")
    wait_for(lambda: "next reminder to the editors: " in scheduler.log(), "the reminder's job")
    scheduler.stop()
    assert smtp_server.received() == Counter()
    next_time = stored_next_reminder(store)
    assert (next_time.day, next_time.month % 3) == (15, 2)


def test_a_reminder_due_as_the_scheduler_stops_is_left_for_the_next_one(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    """APScheduler looks for due jobs once more as it shuts down and, unable to run them,
    would move the reminder on to its next time, unsent."""
    monkeypatch.chdir(sample_project)
    # A long heartbeat: the active scheduler does not look at the job store again before
    # its stop, so the reminder made due below is still waiting then.
    quiet = {
        "NEWSLETTER_SCHEDULE_HEARTBEAT_SECONDS": "30",
        "NEWSLETTER_SCHEDULE_LEASE_SECONDS": "90",
    }
    first = start_scheduler(NEWSLETTER_SCHEDULE_REMINDER=QUARTERLY, **quiet)
    first.wait_active()
    wait_for(lambda: "next reminder to the editors: " in first.log(), "the reminder's job")
    due = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    store_reminder_due(store, sample_project, environ, due)
    assert first.stop() == 0
    assert smtp_server.received() == Counter()
    assert abs(stored_next_reminder(store) - due) < dt.timedelta(milliseconds=1)
    with_reminder = {**environ, "NEWSLETTER_SCHEDULE_REMINDER": QUARTERLY}
    listed = CliRunner().invoke(cli, ["schedule", "list"], env=with_reminder).stdout
    assert "(late: it is sent when a scheduler runs)" in listed
    second = start_scheduler(NEWSLETTER_SCHEDULE_REMINDER=QUARTERLY)
    wait_for(lambda: len(smtp_server.recorder.messages) == 2, "the reminder, sent by the next")
    assert ", while no scheduler ran: now" in second.log()
