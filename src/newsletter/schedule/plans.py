"""Plans: an issue to send at a time. Made and cancelled by `newsletter schedule`, each a row
of the `plans` table (what became of it) and a job in APScheduler's store (when it fires).

Every refusal is checked before anything is written, so a refused plan stores nothing.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsletter import delivery
from newsletter.config import Config
from newsletter.core import NewsletterError
from newsletter.db import (
    CANCELLED,
    MISSED,
    OPEN_PLAN_STATES,
    RUNNING,
    SCHEDULED,
    plans,
)
from newsletter.issues import Issue, find_issue
from newsletter.subscribers import Store

from . import jobs
from .when import parse_when

# How long `schedule list` keeps showing a plan after it ended (`--all` shows every plan).
RECENT = dt.timedelta(days=30)


@dataclass(frozen=True)
class Plan:
    id: int
    issue: str  # the slug
    source: str  # the issue file, relative to the project when it is inside it
    planned_at: dt.datetime
    state: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    runner: str | None
    content_hash: str | None
    outcome: str | None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_time(config: Config, moment: dt.datetime) -> str:
    """`2027-02-15 09:00 EST`: the moment where the newsletter is."""
    return f"{moment.astimezone(zoneinfo.ZoneInfo(config.timezone)):%Y-%m-%d %H:%M %Z}"


def check_plan(config: Config, name: str, when: str, now: dt.datetime) -> tuple[Issue, dt.datetime]:
    """The issue `name` (a path or slug) and the moment WHEN, if they make a plan: refused
    for an invalid issue, a draft, or a time that is not to come (before the database is
    even opened)."""
    issue = find_issue(config, name)  # every problem of an invalid issue, located
    if not issue.is_ready:
        raise NewsletterError(
            f"{issue.slug} is a draft: set 'status: ready' in its file to plan its delivery"
        )
    return issue, parse_when(when, config.timezone, now)


def add_plan(store: Store, issue: Issue, at: dt.datetime, now: dt.datetime | None = None) -> Plan:
    """Plan the checked issue for `at`; refused, storing nothing, when it was sent or is
    planned already."""
    config, now = store.config, now or utcnow()
    _check_not_sent(store, issue.slug)
    values = dict(
        issue=issue.slug, source=_source(config, issue), planned_at=at, state=SCHEDULED,
        created_at=now,
    )  # fmt: skip
    try:
        with store.transaction() as connection:
            planned = open_plan(connection, issue.slug)
            if planned is not None:
                raise NewsletterError(_already_planned(config, planned))
            insert = sa.insert(plans).values(values)
            plan_id = connection.execute(insert).inserted_primary_key[0]
    except sa.exc.IntegrityError:  # another command planned it between our read and write
        with store.reading() as connection:
            planned = open_plan(connection, issue.slug)
        raise NewsletterError(_already_planned(config, planned)) from None
    try:
        with jobs.paused_scheduler(store) as scheduler:
            jobs.add_plan_job(scheduler, plan_id, issue.slug, at)
    except BaseException:
        with store.transaction() as connection:  # no job: the plan must not stay either
            connection.execute(sa.delete(plans).where(plans.c.id == plan_id))
        raise
    return find_plan(store, plan_id)


def cancel_plan(store: Store, name: str, now: dt.datetime | None = None) -> Plan:
    """Cancel the planned delivery of the issue `name` (a slug, or its file's path)."""
    slug = _slug(store, name)
    with store.transaction() as connection:
        planned = open_plan(connection, slug)
        if planned is None:
            raise NewsletterError(
                f"{slug} has no planned delivery to cancel (`newsletter schedule list` "
                "shows the plans)"
            )
        if planned.state == RUNNING:
            raise NewsletterError(
                f"{slug} is being sent now: `newsletter send {slug} --cancel` cancels what is "
                "left of it"
            )
        _finish(connection, planned.id, SCHEDULED, CANCELLED, now or utcnow())
    with jobs.paused_scheduler(store) as scheduler:
        jobs.remove_job(scheduler, jobs.plan_job_id(planned.id))
    return find_plan(store, planned.id)


def list_plans(store: Store) -> list[Plan]:
    """Every plan, soonest first."""
    with store.reading() as connection:
        rows = connection.execute(sa.select(plans).order_by(plans.c.planned_at, plans.c.id))
        return [Plan(**row._mapping) for row in rows]


def why_hidden(plan: Plan, now: dt.datetime) -> str | None:
    """Why `schedule list` leaves the plan out without --all, in a few words; None for a plan
    it shows: waiting, being sent, or ended (done, failed, missed) within RECENT. A cancelled
    plan is left out at once, as nothing came of it."""
    if plan.state in OPEN_PLAN_STATES:
        return None
    if plan.state == CANCELLED:
        return "cancelled"
    if now - (plan.finished_at or plan.planned_at) > RECENT:
        return f"ended over {RECENT.days} days ago"
    return None


def find_plan(store: Store, plan_id: int) -> Plan:
    with store.reading() as connection:
        row = connection.execute(sa.select(plans).where(plans.c.id == plan_id)).one()
    return Plan(**row._mapping)


def open_plan(connection: Connection, slug: str) -> Plan | None:
    """The issue's plan that is scheduled or running, if any."""
    row = connection.execute(
        sa.select(plans).where(plans.c.issue == slug, plans.c.state.in_(OPEN_PLAN_STATES))
    ).first()
    return Plan(**row._mapping) if row else None


def claim(store: Store, plan_id: int, runner: str, now: dt.datetime) -> Plan | None:
    """Take the plan to send it: a scheduled one, or a running one another scheduler left
    (stopped, dead or cut off from the database). None when it is not this runner's to send
    (cancelled meanwhile, already done, or being sent by this very process)."""
    with store.transaction() as connection:
        row = connection.execute(
            sa.select(plans).where(plans.c.id == plan_id).with_for_update()
        ).first()
        if row is None or not (
            row.state == SCHEDULED or (row.state == RUNNING and row.runner != runner)
        ):
            return None
        connection.execute(
            sa.update(plans)
            .where(plans.c.id == plan_id)
            .values(state=RUNNING, runner=runner, started_at=row.started_at or now)
        )
    return Plan(**{**row._mapping, "runner": runner})


def finish(
    store: Store, plan_id: int, state: str, outcome: str, content_hash: str | None = None
) -> None:
    """A running plan ends: done or failed, with what happened in words."""
    with store.transaction() as connection:
        _finish(connection, plan_id, RUNNING, state, utcnow(), outcome, content_hash)


def leave_running(store: Store, plan_id: int, outcome: str) -> None:
    """A send stopped half-way by a stop of the scheduler: the next active one continues it."""
    with store.transaction() as connection:
        connection.execute(
            sa.update(plans)
            .where(plans.c.id == plan_id, plans.c.state == RUNNING)
            .values(runner=None, outcome=outcome)
        )


def mark_missed(store: Store, plan_id: int, now: dt.datetime) -> Plan | None:
    """A plan no scheduler fired within the grace period: missed, and not sent."""
    config = store.config
    with store.reading() as connection:
        row = connection.execute(sa.select(plans).where(plans.c.id == plan_id)).first()
    if row is None or row.state != SCHEDULED:
        return None
    grace = config.settings.schedule.grace_minutes
    outcome = (
        f"not sent: no scheduler was running at {local_time(config, row.planned_at)} nor "
        f"in the {grace:g} minutes after (it started at {local_time(config, now)}); "
        f"plan it again, or send it now with `newsletter send {row.issue}`"
    )
    with store.transaction() as connection:
        _finish(connection, plan_id, SCHEDULED, MISSED, now, outcome)
    return find_plan(store, plan_id)


def _finish(
    connection: Connection,
    plan_id: int,
    was: str,
    state: str,
    now: dt.datetime,
    outcome: str | None = None,
    content_hash: str | None = None,
) -> None:
    values = dict(state=state, finished_at=now, runner=None)
    if outcome is not None:
        values["outcome"] = outcome
    if content_hash is not None:
        values["content_hash"] = content_hash
    connection.execute(
        sa.update(plans).where(plans.c.id == plan_id, plans.c.state == was).values(values)
    )


def _check_not_sent(store: Store, slug: str) -> None:
    sent = delivery.statuses(store, slug)
    if sent:
        began = min(s.created_at for s in sent)
        raise NewsletterError(
            f"{slug} has already been sent (its send began {began:%Y-%m-%d %H:%M} UTC): "
            f"an issue goes to each subscriber once; `newsletter status {slug}` shows where "
            "it stands"
        )


def _already_planned(config: Config, plan: Plan) -> str:
    return (
        f"{plan.issue} is already planned for {local_time(config, plan.planned_at)} "
        f"({plan.planned_at:%Y-%m-%d %H:%M} UTC): `newsletter schedule cancel {plan.issue}` "
        "first to plan it for another time"
    )


def _source(config: Config, issue: Issue) -> str:
    path = Path(issue.source).resolve()
    try:
        return str(path.relative_to(config.project_dir.resolve()))
    except ValueError:  # a file outside the project: kept as it is
        return str(path)


def _slug(store: Store, name: str) -> str:
    """The slug `name` stands for: a planned issue's slug as it is, else its file's slug (so
    that a plan can be cancelled by slug even when its file has gone)."""
    with store.reading() as connection:
        planned = connection.execute(
            sa.select(plans.c.issue).where(plans.c.issue == name).limit(1)
        ).first()
    if planned is not None:
        return name
    return find_issue(store.config, name).slug
