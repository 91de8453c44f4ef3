"""APScheduler 3 on the project's database: its SQLAlchemy job store, the jobs it holds (one
a plan, and the editors' reminder), and what the running jobs work with.

A job is stored pickled, so it names its function by reference and takes only the plan's
id; what it works with (the store, the settings, the stop signal) is the active
scheduler's, set here when it becomes active.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from newsletter.config import Config, weekdays_by_name
from newsletter.core import NewsletterError
from newsletter.db import SCHEDULER_JOBS, writing
from newsletter.subscribers import Store

FIRE_PLAN = "newsletter.schedule.firing:fire_plan"
REMIND = "newsletter.schedule.reminder:remind"
REMINDER_JOB = "reminder"
PLAN_JOB_PREFIX = "plan-"


@dataclass(frozen=True)
class Context:
    """What the jobs of the active scheduler work with."""

    store: Store
    runner: str  # the lease holder: who is sending
    stop: threading.Event  # set when the scheduler stops or loses its lease


_active: Context | None = None


def activate(context: Context | None) -> None:
    global _active
    _active = context


def active() -> Context:
    if _active is None:  # a job can only run in an active scheduler
        raise RuntimeError("no active scheduler")
    return _active


def job_store(store: Store) -> SQLAlchemyJobStore:
    """APScheduler's store on the project's database. On SQLite each of its transactions
    takes the write lock at once (BEGIN IMMEDIATE), so that it waits for another writer
    rather than fail when upgrading a read lock."""
    return SQLAlchemyJobStore(engine=writing(store.engine), tablename=SCHEDULER_JOBS)


def new_scheduler(
    store: Store, workers: int = 4, kind: type[BackgroundScheduler] = BackgroundScheduler
) -> BackgroundScheduler:
    """A scheduler on the job store, in UTC; several plans due at once are sent side by side,
    so that none waits behind another past its grace period."""
    return kind(
        jobstores={"default": job_store(store)},
        executors={"default": {"type": "threadpool", "max_workers": workers}},
        job_defaults={"coalesce": True, "misfire_grace_time": grace_seconds(store.config)},
        timezone=dt.UTC,
    )


def grace_seconds(config: Config) -> int:
    return max(round(config.settings.schedule.grace_minutes * 60), 1)


def apply_grace(scheduler: BackgroundScheduler, config: Config) -> None:
    """The grace period as newsletter.toml says now, for every stored job: each job keeps
    the one it was added with (by `schedule add`, or a scheduler before a restart)."""
    grace = grace_seconds(config)
    for job in scheduler.get_jobs():
        if job.misfire_grace_time != grace:
            with contextlib.suppress(JobLookupError):  # run and gone since
                scheduler.modify_job(job.id, misfire_grace_time=grace)


class StoreWriter(BackgroundScheduler):
    """A scheduler that writes jobs to the store and never runs one: how a command adds or
    removes jobs while `newsletter scheduler` may be running elsewhere. It starts paused and
    without the thread that processes jobs (that thread looks for due jobs once more as it
    shuts down, even paused, and would take a due plan's job out of the store)."""

    def start(self, paused: bool = True) -> None:
        BaseScheduler.start(self, paused=True)

    def shutdown(self, wait: bool = False) -> None:
        BaseScheduler.shutdown(self, wait=False)


@contextlib.contextmanager
def paused_scheduler(store: Store) -> Iterator[BackgroundScheduler]:
    """A StoreWriter on the project's job store, shut down after use."""
    scheduler = new_scheduler(store, workers=1, kind=StoreWriter)
    scheduler.start()
    try:
        yield scheduler
    finally:
        scheduler.shutdown()


def plan_job_id(plan_id: int) -> str:
    return f"{PLAN_JOB_PREFIX}{plan_id}"


def plan_id_of(job_id: str) -> int | None:
    if job_id.startswith(PLAN_JOB_PREFIX) and job_id[len(PLAN_JOB_PREFIX) :].isdigit():
        return int(job_id[len(PLAN_JOB_PREFIX) :])
    return None


def add_plan_job(scheduler: BackgroundScheduler, plan_id: int, slug: str, at: dt.datetime) -> None:
    """The plan's job: fire at `at`, or as late as the grace period allows."""
    scheduler.add_job(
        FIRE_PLAN,
        DateTrigger(run_date=at),
        args=[plan_id],
        id=plan_job_id(plan_id),
        name=f"send {slug}",
        replace_existing=True,
    )


def remove_job(scheduler: BackgroundScheduler, job_id: str) -> None:
    with contextlib.suppress(JobLookupError):
        scheduler.remove_job(job_id)


def reminder_trigger(config: Config) -> CronTrigger | None:
    """The reminder's cron trigger in the project's time zone; None when there is none."""
    cron = config.settings.schedule.reminder
    if cron is None:
        return None
    try:
        return CronTrigger.from_crontab(weekdays_by_name(cron), timezone=config.timezone)
    except ValueError as exc:
        why = str(exc)[:1].lower() + str(exc)[1:]
        raise NewsletterError(
            f"newsletter.toml: schedule.reminder: '{cron}' is not a cron line: {why}"
        ) from None


def set_reminder(scheduler: BackgroundScheduler, config: Config) -> dt.datetime | None:
    """Add, replace or remove the reminder's job as the settings say; its next time.

    A job stored for the same cron line is kept as it is: replacing it would count its next
    time from now, and a reminder that fell due while no scheduler ran (or while one took
    over from another) would be passed over without a word. Kept, it is sent late within
    the grace period, or reported missed after it.
    """
    trigger = reminder_trigger(config)
    if trigger is None:
        remove_job(scheduler, REMINDER_JOB)
        return None
    kept = _kept_reminder(scheduler, trigger)
    if kept is not None:
        return kept
    job = scheduler.add_job(
        REMIND, trigger, id=REMINDER_JOB, name="remind the editors", replace_existing=True
    )
    return job.next_run_time


def next_reminder(store: Store, now: dt.datetime) -> dt.datetime | None:
    """When the reminder is next sent: the stored job's time, which a scheduler keeps (it
    may be past, due while none ran), else the cron line's next; None without one."""
    trigger = reminder_trigger(store.config)
    if trigger is None:
        return None
    with paused_scheduler(store) as scheduler:
        kept = _kept_reminder(scheduler, trigger)
    return kept or trigger.get_next_fire_time(None, now)


def _kept_reminder(scheduler: BackgroundScheduler, trigger: CronTrigger) -> dt.datetime | None:
    """The stored reminder job's next time, if it was made for this cron line."""
    stored = scheduler.get_job(REMINDER_JOB)
    if stored is not None and stored.next_run_time and repr(stored.trigger) == repr(trigger):
        return stored.next_run_time
    return None
