"""`newsletter scheduler` as a real child process, against a real SMTP server: plans are
sent at their time, once, whoever else runs; missed ones are said to be missed."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import signal
import time
from collections import Counter

from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.delivery import content_hash, statuses
from newsletter.issues import find_issue
from newsletter.render import Renderer
from newsletter.schedule import jobs, list_plans

from .conftest import add_subscribers, plan_states, wait_for, wait_for_state


def schedule(environ, *args: str):
    result = CliRunner().invoke(
        cli, ["schedule", *args], env=environ, catch_exceptions=False, prog_name="newsletter"
    )
    assert "Traceback" not in result.output
    return result


def seconds_ahead(seconds: float) -> tuple[str, dt.datetime]:
    """WHEN for `seconds` from now, in UTC to the millisecond."""
    at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    at = at.replace(microsecond=at.microsecond // 1000 * 1000)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z"), at


def plan(environ, issue: str, seconds: float) -> dt.datetime:
    when, at = seconds_ahead(seconds)
    added = schedule(environ, "add", issue, "--at", when)
    assert added.exit_code == 0, added.output
    return at


def sleep_until(moment: dt.datetime) -> None:
    time.sleep(max(0.0, (moment - dt.datetime.now(dt.UTC)).total_seconds()))


def test_a_plan_two_seconds_ahead_reaches_every_subscriber_once(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    readers = add_subscribers(store, 5, "en") + add_subscribers(store, 2, "ja", start=5)
    scheduler = start_scheduler()
    scheduler.wait_active()
    plan(environ, "2013-05", 2)
    wait_for_state(store, "2013-05", "done")
    assert smtp_server.received() == Counter(readers)
    listed = schedule(environ, "list").stdout.splitlines()
    assert listed[1].split()[-2] == "done" and len(listed[1].split()[-1]) == 12  # content hash
    assert listed[3:5] == ["2013-05 done:", "  2013-05 en: 5 sent"]
    assert scheduler.stop() == 0  # SIGTERM: a clean stop
    log = scheduler.log()
    assert "INFO 2013-05: sending (planned for " in log
    assert "INFO 2013-05 ja: 2 sent" in log and "INFO 2013-05: done (content " in log
    assert log.rstrip().endswith("stopped")
    assert schedule(environ, "list").stdout.endswith(
        "scheduler: none is running (`newsletter scheduler` starts one)\n"
    )  # it gave its lease up


def test_a_plan_made_while_no_scheduler_runs_is_sent_when_one_starts(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    readers = add_subscribers(store, 3)
    at = plan(environ, "2013-05", 1)
    sleep_until(at + dt.timedelta(seconds=1))  # late, but well within the grace period
    start_scheduler()
    wait_for_state(store, "2013-05", "done")
    assert smtp_server.received() == Counter(readers)


def test_a_cancelled_plan_sends_nothing(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    readers = add_subscribers(store, 3)
    start_scheduler().wait_active()
    plan(environ, "2013-05", 2)
    assert schedule(environ, "cancel", "2013-05").exit_code == 0
    plan(environ, "2013-02", 3)  # due after the cancelled one: once it is sent, that one is past
    wait_for_state(store, "2013-02", "done")
    assert plan_states(store) == {"2013-05": "cancelled", "2013-02": "done"}
    listed = schedule(environ, "list", "--all").stdout.splitlines()[1:3]
    assert [line.split()[6] for line in listed] == ["cancelled", "done"]  # after both times
    assert "1 plan not shown (1 cancelled)" in schedule(environ, "list").stdout
    assert smtp_server.received() == Counter(readers)  # 2013-02 alone
    subjects = {
        data.split(b"Subject: ")[1].split(b"\r\n")[0] for _, data in smtp_server.recorder.messages
    }
    assert subjects == {b"Japan Science and Technology Newsletter, February 2013"}


def test_a_plan_missed_beyond_the_grace_period_is_reported_missed_and_not_sent(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    add_subscribers(store, 3)
    at = plan(environ, "2013-05", 1)  # added under the default hour's grace
    sleep_until(at + dt.timedelta(seconds=3))
    # The grace period is the one newsletter.toml gives when the scheduler starts.
    scheduler = start_scheduler(NEWSLETTER_SCHEDULE_GRACE_MINUTES="0.01")  # one second
    wait_for_state(store, "2013-05", "missed")
    assert smtp_server.received() == Counter()
    listed = schedule(environ, "list").stdout
    assert "2013-05 missed:\n  not sent: no scheduler was running at " in listed
    assert "plan it again, or send it now with `newsletter send 2013-05`" in listed
    wait_for(lambda: "ERROR 2013-05: missed: not sent" in scheduler.log(), "the log to say so")


def test_an_issue_that_no_longer_validates_at_its_time_fails_with_its_problems(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    add_subscribers(store, 3)
    start_scheduler().wait_active()
    plan(environ, "2013-05", 2)
    issue = sample_project / "issues" / "2013-05.yaml"
    issue.write_text(issue.read_text().replace("date: 2013-05-31", "date: 2013-05-32"))
    wait_for_state(store, "2013-05", "failed")
    assert smtp_server.received() == Counter()
    listed = schedule(environ, "list").stdout
    assert (
        "2013-05 failed:\n"
        "  not sent: the issue no longer validates (1 problem):\n"
        "  issues/2013-05.yaml:6:7: date: '2013-05-32' is not a real date: day is out of range "
        "for month\n"
    ) in listed


def test_an_issue_the_preflight_check_refuses_at_its_time_fails_with_its_errors(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    add_subscribers(store, 3)
    start_scheduler().wait_active()
    plan(environ, "2013-05", 2)
    hero = sample_project / "templates" / "partials" / "hero.mjml"
    hero.write_text(hero.read_text().replace('alt="{{ hero.alt }}"', ""))  # valid, not sendable
    wait_for_state(store, "2013-05", "failed")
    assert smtp_server.received() == Counter()
    listed = schedule(environ, "list").stdout
    assert "2013-05 failed:\n  not sent: `newsletter check` found 2 errors:\n" in listed
    assert "has no alt text: readers who block images see nothing" in listed


def test_an_issue_sent_by_hand_before_its_time_is_not_sent_again(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    readers = add_subscribers(store, 4)
    plan(environ, "2013-05", 2)
    sent = CliRunner().invoke(cli, ["send", "2013-05", "--yes"], env=environ)
    assert sent.exit_code == 0, sent.output
    start_scheduler()
    wait_for_state(store, "2013-05", "done")
    assert smtp_server.received() == Counter(readers)  # once each, by hand; the ledger said so


def test_two_schedulers_send_once_and_the_standby_takes_over_when_the_active_is_killed(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    readers = add_subscribers(store, 4)
    first = start_scheduler()
    first.wait_active()
    second = start_scheduler()
    wait_for(lambda: "standing by: the scheduler " in second.log(), "the second to stand by")
    plan(environ, "2013-05", 1)
    wait_for_state(store, "2013-05", "done")
    assert smtp_server.received() == Counter(readers)
    assert "active: this scheduler" not in second.log()
    first.kill()
    second.wait_active()  # once the killed one's lease has expired
    plan(environ, "2013-02", 1)
    wait_for_state(store, "2013-02", "done")
    assert smtp_server.received() == Counter({reader: 2 for reader in readers})  # two issues


def test_a_send_cut_short_by_a_kill_is_finished_by_the_standby_and_nobody_gets_it_twice(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    readers = add_subscribers(store, 12)
    smtp_server.faults.delay = 0.15  # each message takes a while: the kill lands mid-send
    first = start_scheduler(NEWSLETTER_DELIVERY_CONNECTIONS="1")
    first.wait_active()
    second = start_scheduler(NEWSLETTER_DELIVERY_CONNECTIONS="1")
    plan(environ, "2013-05", 1)
    wait_for(lambda: len(smtp_server.recorder.messages) >= 3, "the send to be under way")
    first.kill()
    wait_for_state(store, "2013-05", "done")
    received = smtp_server.received()
    assert max(received.values()) == 1  # nobody twice
    # The message being handed over at the kill is uncertain: not sent again unasked.
    assert len(received) >= len(readers) - 1
    log = second.log()
    assert "2013-05: left half-sent by " in log and "2013-05: continuing the send" in log


def test_ctrl_c_stops_the_scheduler_cleanly_after_it_set_the_reminder(
    sample_project, store, environ, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    scheduler = start_scheduler(NEWSLETTER_SCHEDULE_REMINDER="0 9 1 1,4,7,10 *")
    scheduler.wait_active()
    wait_for(lambda: "next reminder to the editors: " in scheduler.log(), "the reminder's job")
    assert scheduler.stop(signal.SIGINT) == 0
    assert scheduler.log().rstrip().endswith("stopped")
    listed = schedule(environ, "list").stdout
    assert listed.endswith("scheduler: none is running (`newsletter scheduler` starts one)\n")


def test_a_send_stopped_by_sigterm_is_continued_by_the_next_scheduler_once_for_everyone(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    readers = add_subscribers(store, 12)
    smtp_server.faults.delay = 0.15
    first = start_scheduler(NEWSLETTER_DELIVERY_CONNECTIONS="1")
    first.wait_active()
    plan(environ, "2013-05", 1)
    wait_for(lambda: len(smtp_server.recorder.messages) >= 3, "the send to be under way")
    assert first.stop() == 0
    assert plan_states(store) == {"2013-05": "running"}  # left for the next scheduler
    assert schedule(environ, "list").stdout.splitlines()[1].split()[-1] == "running"
    assert "still to send; the next active scheduler continues" in first.log()
    second = start_scheduler(NEWSLETTER_DELIVERY_CONNECTIONS="1")
    wait_for_state(store, "2013-05", "done")
    assert smtp_server.received() == Counter(readers)  # a clean stop leaves nothing uncertain
    assert "2013-05: continuing the send" in second.log()


def test_a_correction_made_after_planning_is_what_goes_out_and_its_hash_is_recorded(
    sample_project, store, config, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    add_subscribers(store, 2)
    plan(environ, "2013-05", 2)
    issue = sample_project / "issues" / "2013-05.yaml"
    issue.write_text(issue.read_text().replace("Newsletter, May 2013", "Newsletter, May 2013 (r)"))
    start_scheduler()
    wait_for_state(store, "2013-05", "done")
    subjects = {
        email.message_from_bytes(data, policy=email.policy.default)["Subject"]
        for _, data in smtp_server.recorder.messages
    }
    assert subjects == {"Japan Science and Technology Newsletter, May 2013 (r)"}
    corrected = Renderer(config).render(find_issue(config, "2013-05"))
    (recorded,) = [p.content_hash for p in list_plans(store)]
    assert recorded == content_hash(corrected)


def test_a_plan_made_under_one_scheduler_is_sent_by_the_next_after_a_restart(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    readers = add_subscribers(store, 3)
    first = start_scheduler()
    first.wait_active()
    at = plan(environ, "2013-05", 8)  # room for the first to stop, on a loaded machine too
    assert first.stop() == 0
    assert plan_states(store) == {"2013-05": "scheduled"}
    start_scheduler()
    wait_for_state(store, "2013-05", "done")
    assert smtp_server.received() == Counter(readers)
    (started,) = [s.created_at for s in statuses(store, "2013-05") if s.language == "en"]
    assert started >= at  # at its time, not at the restart


def test_a_send_by_hand_while_the_scheduler_sends_the_same_plan_mails_nobody_twice(
    sample_project, store, environ, smtp_server, start_scheduler, monkeypatch
):
    """Whatever the lease does, the ledger alone keeps two senders of one issue apart."""
    monkeypatch.chdir(sample_project)
    readers = add_subscribers(store, 60)
    # A message takes 0.3 s: the scheduler's send over one connection lasts 18 s, far longer
    # than ours takes to start (its preflight scores the issue with SpamAssassin, cold).
    smtp_server.faults.delay = 0.3
    start_scheduler(NEWSLETTER_DELIVERY_CONNECTIONS="1").wait_active()
    plan(environ, "2013-05", 1)
    wait_for(lambda: len(smtp_server.recorder.messages) >= 2, "the planned send to be under way")
    by_hand = CliRunner().invoke(cli, ["send", "2013-05", "--yes"], env=environ)
    assert by_hand.exit_code == 0, by_hand.output
    ours = re.search(r"2013-05 en: (\d+) sent", by_hand.output)
    assert ours and int(ours[1]) > 0, by_hand.output  # both sent some
    wait_for_state(store, "2013-05", "done")
    assert smtp_server.received() == Counter(readers)


def test_a_plan_added_while_a_scheduler_runs_takes_that_scheduler_s_grace_period(
    sample_project, store, environ, start_scheduler, monkeypatch
):
    monkeypatch.chdir(sample_project)
    start_scheduler(NEWSLETTER_SCHEDULE_GRACE_MINUTES="0.01").wait_active()  # one second
    plan(environ, "2013-05", 3600)  # added by a shell without that setting: an hour's grace
    wait_for(lambda: job_graces(store) == [1], "the scheduler to apply its grace period")


def job_graces(store) -> list[int]:
    with jobs.paused_scheduler(store) as scheduler:
        return [job.misfire_grace_time for job in scheduler.get_jobs()]
