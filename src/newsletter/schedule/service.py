"""`newsletter scheduler`: the long-running process that fires planned deliveries.

At every heartbeat it takes or renews the lease. Holding it, it runs APScheduler over the
job store (after putting the store in order: a plan without its job gets it back, a plan a
stopped or dead scheduler left half-sent is continued). Losing it, or on a stop, it stops
its sends cleanly (the messages being handed over finish) and stands by.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from newsletter.core import NewsletterError, plural
from newsletter.db import RUNNING, SCHEDULED
from newsletter.subscribers import Store

from . import jobs
from .lease import Lease, holder_name
from .plans import list_plans, local_time, mark_missed, utcnow

log = logging.getLogger(__name__)


class Scheduler:
    """One scheduler process: standing by, or active with APScheduler running the jobs."""

    def __init__(self, store: Store, stop: threading.Event):
        self.store = store
        self.config = store.config
        self.stop = stop
        self.settings = store.config.settings.schedule
        self.holder = holder_name()
        self.lease = Lease(store, self.holder, self.settings.lease_seconds)
        self.active: BackgroundScheduler | None = None
        self.sends_stop: threading.Event | None = None
        self.standing_by_for: str | None = None

    def run(self) -> None:
        """Until `stop` is set: hold the lease and run the jobs, or stand by."""
        jobs.reminder_trigger(self.config)  # a wrong cron line stops the start, not the reminder
        log.info("scheduler %s started; database %s", self.holder, self.store.shown)
        try:
            while not self.stop.is_set():
                self.beat()
                self.stop.wait(self.settings.heartbeat_seconds)
        finally:
            self.deactivate("stopping")
            try:
                self.lease.release()
            except NewsletterError as exc:  # the lease then expires by itself
                log.warning("could not release the lease: %s", exc)
            log.info("scheduler %s stopped", self.holder)

    def beat(self) -> None:
        try:
            held = self.lease.hold(utcnow())
        except NewsletterError as exc:
            log.warning("cannot reach the database: %s", exc)
            held = False  # it may still hold the lease, but cannot know: no new jobs
        if held and self.active is None:
            self.activate()
        elif not held and self.active is not None:
            self.deactivate("lost the lease: another scheduler is active")
        if self.active is not None:
            jobs.apply_grace(self.active, self.config)  # to jobs `schedule add` stored since
            self.active.wakeup()  # see plans added or cancelled by other processes
        elif not held:
            self.say_standing_by()

    def activate(self) -> None:
        log.info("active: this scheduler runs the planned deliveries")
        self.standing_by_for = None
        self.sends_stop = threading.Event()
        jobs.activate(jobs.Context(self.store, self.holder, self.sends_stop))
        scheduler = jobs.new_scheduler(self.store)
        scheduler.add_listener(self.missed, EVENT_JOB_MISSED)
        scheduler.start(paused=True)
        self.put_in_order(scheduler)
        next_reminder = jobs.set_reminder(scheduler, self.config)
        jobs.apply_grace(scheduler, self.config)
        if next_reminder and next_reminder <= utcnow():
            when = local_time(self.config, next_reminder)
            log.info("the editors' reminder was due at %s, while no scheduler ran: now", when)
        elif next_reminder:
            log.info("next reminder to the editors: %s", local_time(self.config, next_reminder))
        scheduler.resume()
        self.active = scheduler

    def deactivate(self, why: str) -> None:
        if self.active is None:
            return
        log.info("%s: sends finish the messages being handed over", why)
        self.sends_stop.set()
        # Out of its reach first: APScheduler, shut down, looks for due jobs once more and,
        # unable to run them, moves a due reminder on to its next time and drops a due
        # plan's job. Left in the database, they are the next active scheduler's.
        self.active.remove_jobstore("default", shutdown=False)
        self.active.shutdown(wait=True)
        self.active = None
        jobs.activate(None)

    def put_in_order(self, scheduler: BackgroundScheduler) -> None:
        """Each scheduled plan has its job, each job its plan; half-sent plans continue."""
        plans = list_plans(self.store)
        job_ids = {job.id for job in scheduler.get_jobs()}
        scheduled = [plan for plan in plans if plan.state == SCHEDULED]
        for plan in scheduled:
            if jobs.plan_job_id(plan.id) not in job_ids:
                log.warning("%s: its job was missing from the job store; added", plan.issue)
                jobs.add_plan_job(scheduler, plan.id, plan.issue, plan.planned_at)
        wanted = {jobs.plan_job_id(plan.id) for plan in scheduled}
        for job_id in job_ids:
            if jobs.plan_id_of(job_id) is not None and job_id not in wanted:
                jobs.remove_job(scheduler, job_id)
        for plan in plans:
            if plan.state == RUNNING:
                who = plan.runner or "a scheduler that stopped"  # a stop gives the plan up
                log.info("%s: left half-sent by %s; continuing it", plan.issue, who)
                jobs.add_plan_job(scheduler, plan.id, plan.issue, utcnow())
        if scheduled:
            soonest = scheduled[0]
            log.info(
                "%s waiting; next: %s at %s",
                plural(len(scheduled), "plan"),
                soonest.issue,
                local_time(self.config, soonest.planned_at),
            )

    def missed(self, event: JobExecutionEvent) -> None:
        """APScheduler found a job past its grace period: the plan is missed, not sent late."""
        plan_id = jobs.plan_id_of(event.job_id)
        if plan_id is None:
            when = local_time(self.config, event.scheduled_run_time)
            log.warning("the reminder of %s was missed: not sent within the grace period", when)
            return
        plan = mark_missed(self.store, plan_id, utcnow())
        if plan is not None:
            log.error("%s: missed: %s", plan.issue, plan.outcome)

    def say_standing_by(self) -> None:
        holder = self.lease.current()
        if holder.name and holder.name != self.standing_by_for:
            expires = holder.expires_at or dt.datetime.now(dt.UTC)
            log.info(
                "standing by: the scheduler %s is active (it renews its lease, which runs "
                "to %s UTC)",
                holder.name,
                f"{expires:%H:%M:%S}",
            )
            self.standing_by_for = holder.name
