"""`newsletter schedule add/list/cancel/remind` as editors meet them: what they say, and
that a refused plan stores nothing."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.issues import find_issue
from newsletter.schedule import add_plan
from newsletter.schedule.plans import mark_missed

from .conftest import add_subscribers, stored

LATER = "2030-02-15T09:00"
HEADERS = "issue    planned (America/Toronto)  planned (UTC)     state      sent"
NO_SCHEDULER = "scheduler: none is running (`newsletter scheduler` starts one)"
BAD_WHEN = (
    "Usage: newsletter schedule add [OPTIONS] ISSUE\n"
    "Try 'newsletter schedule add --help' for help.\n\n"
    "Error: Invalid value for --at: "
)


@pytest.fixture
def run(sample_project: Path, environ: dict[str, str], monkeypatch):
    """Run `newsletter schedule ARGS` in the sample project, on SQLite or PostgreSQL."""
    monkeypatch.chdir(sample_project)

    def invoke(*args: str):
        result = CliRunner().invoke(
            cli, list(args), env=environ, catch_exceptions=False, prog_name="newsletter"
        )
        assert "Traceback" not in result.output
        return result

    return invoke


def test_add_plans_an_issue_and_list_shows_it_in_both_time_zones(run, store):
    added = run("schedule", "add", "2013-05", "--at", LATER)
    assert added.exit_code == 0, added.output
    assert added.stdout == "planned 2013-05 for 2030-02-15 09:00 EST (2030-02-15 14:00 UTC)\n"
    assert added.stderr.endswith(
        'no scheduler is running: start `newsletter scheduler` (README: "Planning the next '
        'issue") or the plan will be missed\n'
    )
    listed = run("schedule", "list")
    assert listed.stdout.splitlines() == [
        "issue    planned (America/Toronto)  planned (UTC)     state      sent",
        "2013-05  2030-02-15 09:00 EST       2030-02-15 14:00  scheduled",
        "",
        "scheduler: none is running (`newsletter scheduler` starts one)",
    ]
    plans, jobs = stored(store)
    assert len(plans) == 1 and [job.id for job in jobs] == [f"plan-{plans[0].id}"]


def test_list_leaves_cancelled_plans_out_and_says_how_to_see_them(run):
    run("schedule", "add", "2013-05", "--at", LATER)
    run("schedule", "cancel", "2013-05")
    run("schedule", "add", "2013-05", "--at", "2030-03-01T09:00")
    assert run("schedule", "list").stdout.splitlines() == [
        HEADERS,
        "2013-05  2030-03-01 09:00 EST       2030-03-01 14:00  scheduled",
        "",
        "1 plan not shown (1 cancelled): `newsletter schedule list --all` lists every plan",
        "",
        NO_SCHEDULER,
    ]
    assert run("schedule", "list", "--all").stdout.splitlines() == [
        HEADERS,
        "2013-05  2030-02-15 09:00 EST       2030-02-15 14:00  cancelled",
        "2013-05  2030-03-01 09:00 EST       2030-03-01 14:00  scheduled",
        "",
        NO_SCHEDULER,
    ]


def test_list_leaves_out_plans_that_ended_over_30_days_ago(run, store):
    """Missed 31 days ago, it is out of the list; missed 29 days ago, still in it."""
    now = dt.datetime.now(dt.UTC)
    for slug, days in (("2013-02", 31), ("2012-10", 29), ("2013-05", 40)):
        ended = now - dt.timedelta(days=days)
        at, made = ended - dt.timedelta(minutes=90), ended - dt.timedelta(days=7)
        plan = add_plan(store, find_issue(store.config, slug), at, made)
        mark_missed(store, plan.id, ended)
    listed = run("schedule", "list").stdout
    assert [line.split()[0] for line in listed.splitlines()[1:2]] == ["2012-10"]
    assert "2012-10 missed:\n  not sent: no scheduler was running at " in listed
    assert "2013-02" not in listed and "2013-05" not in listed
    assert (
        "\n2 plans not shown (2 ended over 30 days ago): `newsletter schedule list --all` lists "
        "every plan\n"
    ) in listed
    every = run("schedule", "list", "--all").stdout.splitlines()
    assert [line.split()[0] for line in every[1:4]] == ["2013-05", "2013-02", "2012-10"]
    assert "not shown" not in "\n".join(every)


def test_list_with_only_hidden_plans_says_nothing_is_planned_and_how_many_are_hidden(run):
    run("schedule", "add", "2013-05", "--at", LATER)
    run("schedule", "cancel", "2013-05")
    assert run("schedule", "list").stdout.splitlines() == [
        "nothing is planned: `newsletter schedule add ISSUE --at WHEN` plans a delivery",
        "",
        "1 plan not shown (1 cancelled): `newsletter schedule list --all` lists every plan",
        "",
        NO_SCHEDULER,
    ]


def test_cancel_removes_the_plan_s_job_and_keeps_the_plan_as_cancelled(run, store):
    run("schedule", "add", "2013-05", "--at", LATER)
    cancelled = run("schedule", "cancel", "2013-05")
    assert (
        cancelled.stdout == "cancelled the delivery of 2013-05 planned for 2030-02-15 09:00 EST\n"
    )
    plans, jobs = stored(store)
    assert [plan.state for plan in plans] == ["cancelled"] and jobs == []
    again = run("schedule", "cancel", "2013-05")
    assert again.exit_code == 1
    assert again.stderr == (
        "error: 2013-05 has no planned delivery to cancel (`newsletter schedule list` shows "
        "the plans)\n"
    )
    replanned = run("schedule", "add", "2013-05", "--at", "2030-03-01T09:00")
    assert replanned.exit_code == 0, replanned.output


@pytest.mark.parametrize(
    ("when", "why"),
    [
        ("2030-02-30T09:00", "'2030-02-30T09:00' is not a date and time (day is out of range "
         "for month): write it as 2027-02-15T09:00, with an offset (-05:00) or a time zone "
         "(America/Toronto) when it is not the project's"),
        ("next monday", "'next monday' is not a date and time: write it as 2027-02-15T09:00, "
         "with an offset (-05:00) or a time zone (America/Toronto) when it is not the "
         "project's"),
        ("2030-02-15T09:00 Canada/Ottawa", "'Canada/Ottawa' is not a time zone name, such as "
         "America/Toronto or Asia/Tokyo"),
    ],
)  # fmt: skip
def test_malformed_when_or_unknown_time_zone_is_refused_and_stores_nothing(run, store, when, why):
    result = run("schedule", "add", "2013-05", "--at", when)
    assert result.exit_code == 2
    assert result.stderr == BAD_WHEN + why + "\n"
    assert stored(store) == ([], [])


def test_a_time_in_the_past_is_refused_and_stores_nothing(run, store):
    result = run("schedule", "add", "2013-05", "--at", "2020-01-01T09:00")
    assert result.exit_code == 2
    now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert result.stderr.startswith(
        BAD_WHEN + f"'2020-01-01T09:00' is in the past (it is now {now:%Y-%m-%d}"
    )
    assert result.stderr.endswith(" EST): plan a later time\n")
    assert stored(store) == ([], [])


def test_a_time_that_comes_twice_is_refused_naming_both_and_stores_nothing(run, store):
    """The first Sunday of November 2030: Toronto's clocks go back, and 01:30 comes twice."""
    result = run("schedule", "add", "2013-05", "--at", "2030-11-03T01:30")
    assert result.exit_code == 2
    assert result.stderr == BAD_WHEN + (
        "'2030-11-03T01:30' happens twice in America/Toronto: the clocks go back from 02:00 "
        "EDT to 01:00 EST then, so it is first 01:30 EDT (UTC-04:00), then 01:30 EST "
        "(UTC-05:00); write the one you mean with its offset: 2030-11-03T01:30-04:00 or "
        "2030-11-03T01:30-05:00\n"
    )
    assert stored(store) == ([], [])


def test_the_offset_the_refusal_suggests_plans_the_one_meant(run):
    added = run("schedule", "add", "2013-05", "--at", "2030-11-03T01:30-05:00")
    assert added.exit_code == 0, added.output
    assert added.stdout == "planned 2013-05 for 2030-11-03 01:30 EST (2030-11-03 06:30 UTC)\n"


def test_a_time_the_clocks_skip_is_refused_and_stores_nothing(run, store):
    result = run("schedule", "add", "2013-05", "--at", "2030-03-10T02:30")
    assert result.exit_code == 2
    assert result.stderr == BAD_WHEN + (
        "'2030-03-10T02:30' does not exist in America/Toronto: the clocks skip from 02:00 EST "
        "to 03:00 EDT then; plan it before 02:00 or from 03:00\n"
    )
    assert stored(store) == ([], [])


def test_a_draft_is_refused_and_stores_nothing(run, store):
    result = run("schedule", "add", "2013-08", "--at", LATER)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: 2013-08 is a draft: set 'status: ready' in its file to plan its delivery\n"
    )
    assert stored(store) == ([], [])


def test_an_invalid_issue_is_refused_with_its_problems_and_stores_nothing(
    run, store, sample_project
):
    issue = sample_project / "issues" / "2013-05.yaml"
    issue.write_text(issue.read_text().replace("date: 2013-05-31", "date: 2013-05-32"))
    result = run("schedule", "add", "2013-05", "--at", LATER)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "issues/2013-05.yaml:6:7: date: '2013-05-32' is not a real date: day is out of range "
        "for month",
        "1 problem in 1 file; nothing was written",
    ]
    assert stored(store) == ([], [])


def test_an_issue_planned_already_is_refused_saying_how_to_change_it(run, store):
    run("schedule", "add", "2013-05", "--at", LATER)
    before = stored(store)
    result = run("schedule", "add", "2013-05", "--at", "2030-03-01T09:00")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: 2013-05 is already planned for 2030-02-15 09:00 EST (2030-02-15 14:00 UTC): "
        "`newsletter schedule cancel 2013-05` first to plan it for another time\n"
    )
    assert stored(store) == before


def test_an_issue_sent_already_is_refused(run, store, smtp_server):
    add_subscribers(store, 2)
    assert run("send", "2013-05", "--yes").exit_code == 0
    result = run("schedule", "add", "2013-05", "--at", LATER)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: 2013-05 has already been sent (its send began ")
    assert result.stderr.endswith(
        " UTC): an issue goes to each subscriber once; `newsletter status 2013-05` shows where "
        "it stands\n"
    )
    assert stored(store) == ([], [])


def test_remind_mails_the_editors_the_next_draft_and_its_problems(
    run, store, smtp_server, sample_project
):
    run("schedule", "add", "2013-05", "--at", LATER)
    draft = sample_project / "issues" / "2013-08.yaml"
    draft.write_text(draft.read_text().replace("title:", "titel:", 1))
    result = run("schedule", "remind")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "reminder to editor@example.org: sent (250 2.0.0 accepted)\n"
        "reminder to chief@example.org: sent (250 2.0.0 accepted)\n"
    )
    (recipient, data), _ = smtp_server.recorder.messages
    text = data.decode()
    assert recipient == "editor@example.org"
    assert "Subject: Japan Science and Technology Newsletter: the next issue is due" in text
    assert "Auto-Submitted: auto-generated" in text
    body = text.split("\r\n\r\n", 1)[1].replace("\r\n", "\n")
    assert body.startswith(
        "The next issue of Japan Science and Technology Newsletter is due.\n\n"
        "The draft issues/2013-08.yaml has 1 problem:\n"
        "  issues/2013-08.yaml:3:1: unknown key 'titel'; did you mean 'title'?\n\n"
    )
    assert "Planned deliveries:\n  2013-05 at 2030-02-15 09:00 EST\n" in body


def test_remind_says_a_valid_draft_validates_and_how_to_plan_it(run, smtp_server):
    run("schedule", "remind")
    data = smtp_server.recorder.messages[0][1].decode().replace("\r\n", "\n")
    assert (
        "The draft issues/2013-08.yaml (2013-08, dated 2013-08-15) validates.\n"
        "When it is finished, set 'status: ready' in it and plan its delivery:\n"
        "  newsletter schedule add 2013-08 --at 2013-08-15T09:00\n\n"
        "No delivery is planned.\n"
    ) in data


def test_a_second_reminder_into_the_outbox_gets_a_file_of_its_own(
    run, environ, monkeypatch, sample_project
):
    monkeypatch.setitem(environ, "NEWSLETTER_DELIVERY_BACKEND", "outbox")
    outbox = sample_project / "outbox"
    assert run("schedule", "remind").exit_code == 0
    first = {path.name: path.read_bytes() for path in outbox.iterdir()}
    second = run("schedule", "remind")
    assert second.stdout == (
        "reminder to editor@example.org: sent (250 written to "
        "outbox/reminder-2-editor@example.org.eml)\n"
        "reminder to chief@example.org: sent (250 written to "
        "outbox/reminder-2-chief@example.org.eml)\n"
    )
    assert sorted(path.name for path in outbox.iterdir()) == [  # and no temporary file
        "reminder-2-chief@example.org.eml",
        "reminder-2-editor@example.org.eml",
        "reminder-chief@example.org.eml",
        "reminder-editor@example.org.eml",
    ]
    assert {name: (outbox / name).read_bytes() for name in first} == first  # as written
    assert (outbox / "reminder-2-editor@example.org.eml").read_bytes() not in first.values()


def test_list_shows_the_next_reminder_when_one_is_set(run, environ, monkeypatch):
    monkeypatch.setitem(environ, "NEWSLETTER_SCHEDULE_REMINDER", "0 9 1 1,4,7,10 *")
    listed = run("schedule", "list")
    assert listed.stdout.startswith("nothing is planned: `newsletter schedule add ISSUE --at WHEN`")
    (line,) = [line for line in listed.stdout.splitlines() if "reminder" in line]
    assert line.startswith("next reminder to the editors: ")
    assert line.endswith(" 09:00 EST") or line.endswith(" 09:00 EDT")


def test_a_reminder_on_crontabs_monday_comes_on_a_monday(run, environ, monkeypatch):
    monkeypatch.setitem(environ, "NEWSLETTER_SCHEDULE_REMINDER", "0 9 * * 1")
    listed = run("schedule", "list").stdout
    day = dt.date.fromisoformat(listed.split("next reminder to the editors: ")[1][:10])
    assert day.weekday() == 0  # Monday; APScheduler alone reads 1 as Tuesday


def test_a_command_leaves_the_job_of_an_overdue_plan_for_the_scheduler(run, store):
    """APScheduler's loop looks for due jobs once more as it shuts down: a command's
    scheduler never runs that loop, so it neither runs nor drops a due plan's job."""
    soon = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=1)
    assert run("schedule", "add", "2013-05", "--at", f"{soon:%Y-%m-%dT%H:%M:%S}Z").exit_code == 0
    time.sleep(max(0.0, (soon - dt.datetime.now(dt.UTC)).total_seconds()) + 0.2)
    assert run("schedule", "add", "2013-02", "--at", LATER).exit_code == 0
    plans, jobs = stored(store)
    assert sorted(job.id for job in jobs) == [f"plan-{plan.id}" for plan in plans]
    assert [plan.state for plan in plans] == ["scheduled", "scheduled"]


def test_a_reminder_that_is_no_cron_line_is_said_so(run, environ, monkeypatch):
    """Before anything runs, as any other wrong setting is (validate says it too)."""
    monkeypatch.setitem(environ, "NEWSLETTER_SCHEDULE_REMINDER", "0 25 * * *")
    listed = run("schedule", "list")
    assert listed.exit_code == 1
    assert listed.stderr == (
        "environment variable NEWSLETTER_SCHEDULE_REMINDER: '0 25 * * *': the hour '25' is "
        "not one of 0-23\n1 problem in 1 config file; nothing was written\n"
    )
