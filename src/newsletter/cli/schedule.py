"""`newsletter schedule add/list/cancel/remind` and `newsletter scheduler`: plan an issue's
delivery for a time, and the process that sends it then."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
from collections import Counter

import click

from newsletter.core import plural

from .base import FullHelpGroup, Project, open_store_announced, pass_project, project_option
from .stopping import stopping_on_signals
from .table import format_table

WHEN_HELP = (
    "When to send it: 2027-02-15T09:00 in the project's time zone, or with an offset "
    "(2027-02-15T09:00-05:00) or a time zone ('2027-02-15T09:00 Asia/Tokyo')."
)


@click.group(cls=FullHelpGroup)
@project_option
def schedule() -> None:
    """Plan an issue's delivery for a date and time; `newsletter scheduler` sends it then."""


@schedule.command()
@click.argument("issue")
@click.option("--at", "when", required=True, metavar="WHEN", help=WHEN_HELP)
@pass_project
def add(project: Project, issue: str, when: str) -> None:
    """Plan ISSUE (a path or slug) to be sent to every subscriber at WHEN."""
    from newsletter import schedule as planning

    now = dt.datetime.now(dt.UTC)
    try:
        found, at = planning.check_plan(project.config, issue, when, now)
    except planning.BadWhen as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from None
    store = open_store_announced(project)
    plan = planning.add_plan(store, found, at, now)
    config = project.config
    click.echo(
        f"planned {plan.issue} for {planning.local_time(config, plan.planned_at)} "
        f"({plan.planned_at:%Y-%m-%d %H:%M} UTC)"
    )
    if planning.active_scheduler(store, now) is None:
        click.echo(
            'no scheduler is running: start `newsletter scheduler` (README: "Planning the '
            'next issue") or the plan will be missed',
            err=True,
        )


@schedule.command(name="list")
@click.option("--all", "every", is_flag=True, help="Every plan, cancelled and long-ended ones too.")
@pass_project
def list_(project: Project, every: bool) -> None:
    """The plans waiting, being sent, or ended lately (--all: every plan): each one's time
    where the newsletter is and in UTC, its state, what was sent."""
    from newsletter import schedule as planning

    config, now = project.config, dt.datetime.now(dt.UTC)
    store = open_store_announced(project)
    plans = planning.list_plans(store)
    left_out = {plan.id: None if every else planning.why_hidden(plan, now) for plan in plans}
    listed = [plan for plan in plans if left_out[plan.id] is None]
    hidden = Counter(why for why in left_out.values() if why is not None)
    if not listed:
        click.echo("nothing is planned: `newsletter schedule add ISSUE --at WHEN` plans a delivery")
    else:
        rows = [
            [
                plan.issue,
                planning.local_time(config, plan.planned_at),
                f"{plan.planned_at:%Y-%m-%d %H:%M}",
                plan.state,
                (plan.content_hash or "")[:12],
            ]
            for plan in listed
        ]
        headers = ["issue", f"planned ({config.timezone})", "planned (UTC)", "state", "sent"]
        click.echo(format_table(headers, rows))
        for plan in listed:
            if plan.outcome and plan.state != "cancelled":
                click.echo(f"\n{plan.issue} {plan.state}:")
                click.echo("\n".join(f"  {line}" for line in plan.outcome.splitlines()))
    if hidden:
        why = ", ".join(f"{count} {reason}" for reason, count in sorted(hidden.items()))
        click.echo(
            f"\n{plural(hidden.total(), 'plan')} not shown ({why}): "
            "`newsletter schedule list --all` lists every plan"
        )
    reminder = planning.next_reminder(store, now)
    if reminder:
        late = " (late: it is sent when a scheduler runs)" if reminder <= now else ""
        shown = planning.local_time(config, reminder)
        click.echo(f"\nnext reminder to the editors: {shown}{late}")
    active = planning.active_scheduler(store, now)
    click.echo(
        f"\nscheduler: {active.name} is active"
        if active
        else "\nscheduler: none is running (`newsletter scheduler` starts one)"
    )


@schedule.command()
@click.argument("issue")
@pass_project
def cancel(project: Project, issue: str) -> None:
    """Cancel the planned delivery of ISSUE (a slug or path); nothing of it is sent."""
    from newsletter import schedule as planning

    store = open_store_announced(project)
    plan = planning.cancel_plan(store, issue)
    click.echo(
        f"cancelled the delivery of {plan.issue} planned for "
        f"{planning.local_time(project.config, plan.planned_at)}"
    )


@schedule.command()
@pass_project
def remind(project: Project) -> None:
    """Send the editors' reminder now (the scheduler sends it as `[schedule] reminder` says)."""
    from newsletter import schedule as planning

    store = open_store_announced(project)
    for address, reply in planning.send_reminder(store):
        click.echo(f"reminder to {address}: {reply.said()}")


@click.command()
@pass_project
def scheduler(project: Project) -> None:
    """Send planned deliveries at their time: runs in the foreground, logs to stderr, stops
    cleanly on SIGTERM or Ctrl-C. Several may run: one is active, the others stand by."""
    from newsletter.schedule import Scheduler

    _log_to_stderr()
    store = open_store_announced(project)
    stop = threading.Event()
    with stopping_on_signals(stop):
        Scheduler(store, stop).run()


def _log_to_stderr() -> None:
    """Timestamped lines on stderr, which systemd's journal keeps; APScheduler's own only
    for its errors (the scheduler says what it does in its own words)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("newsletter")
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    aps = logging.getLogger("apscheduler")
    aps.handlers = [handler]
    aps.setLevel(logging.ERROR)
    aps.propagate = False
