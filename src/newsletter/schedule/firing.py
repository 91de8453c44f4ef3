"""A plan's job at its time: re-read and re-validate the issue as it is now, then send it
through the same ledger as `newsletter send`, so that nobody gets it twice whoever sends it
(a scheduler, a second scheduler, a person). What happened goes into the plan."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from newsletter import delivery
from newsletter.core import NewsletterError, ProblemsError, plural
from newsletter.db import DONE, FAILED, RUNNING
from newsletter.deliverability import check_issue
from newsletter.issues import Issue, find_issue
from newsletter.render import RenderedIssue

from . import jobs
from .plans import Plan, claim, finish, leave_running, local_time, utcnow

log = logging.getLogger(__name__)


def fire_plan(plan_id: int) -> None:
    """The job's function (stored by reference): send plan `plan_id` now."""
    context = jobs.active()
    plan = claim(context.store, plan_id, context.runner, utcnow())
    if plan is None:
        log.info("plan %d: cancelled or already sent; nothing to do", plan_id)
        return
    try:
        _send(context, plan)
    except Exception as exc:  # a bug: the plan says so rather than stay running for ever
        log.exception("%s: failed", plan.issue)
        finish(context.store, plan.id, FAILED, f"not finished: unexpected error: {exc!r}")


def _send(context: jobs.Context, plan: Plan) -> None:
    store = context.store
    config = store.config
    resumed = plan.state == RUNNING  # as it was when claimed: another scheduler began it
    log.info(
        "%s: %s (planned for %s)",
        plan.issue,
        "continuing the send" if resumed else "sending",
        local_time(config, plan.planned_at),
    )
    try:
        issue = revalidate(store.config, plan)
        # A send begun was checked when it began.
        checked = None if resumed else preflight(config, issue)
        # As for `newsletter send`: a signing key, and a server that answers, or nothing is sent.
        report, sent_hash = delivery.send_ready_issue(
            store,
            issue,
            list(config.languages),
            delivery.transport_for(config),
            # One process: forking this one, which has the scheduler's threads, is unsafe.
            delivery.options_for(config, processes=1),
            context.stop,
            lambda _state: None,
            checked=checked,
        )
    except delivery.ServerGone as exc:
        outcome = (
            f"stopped: {exc}; what was sent is recorded: `newsletter send {plan.issue}` continues"
        )
        log.error("%s: %s", plan.issue, outcome)
        finish(store, plan.id, FAILED, outcome)
        return
    except NewsletterError as exc:
        outcome = f"not sent: {exc}"
        log.error("%s: %s", plan.issue, outcome.replace("\n", "\n    "))
        finish(store, plan.id, FAILED, outcome)
        return
    lines = delivery.report_lines(plan.issue, report)
    for line in lines:
        log.info("%s", line)
    still = delivery.open_messages(report)
    if context.stop.is_set() and still:
        outcome = (
            f"stopped with {plural(still, 'message')} still to send; the next active "
            "scheduler continues"
        )
        log.warning("%s: %s", plan.issue, outcome)
        leave_running(store, plan.id, outcome)
        return
    finish(store, plan.id, DONE, "\n".join(lines), sent_hash)
    log.info("%s: done (content %s)", plan.issue, sent_hash[:12])


def revalidate(config, plan: Plan) -> Issue:
    """The planned issue read from its file as it is now; NewsletterError (with every problem
    of an issue that no longer validates) when it may not be sent."""
    path = Path(plan.source)
    if not path.is_absolute():
        path = config.project_dir / path
    if not path.is_file():
        raise NewsletterError(f"its file {plan.source} is gone")
    try:
        issue = find_issue(config, str(path))
    except ProblemsError as exc:
        problems = "\n".join(str(problem) for problem in exc.problems)
        raise NewsletterError(
            f"the issue no longer validates ({plural(len(exc.problems), 'problem')}):\n{problems}"
        ) from None
    if issue.slug != plan.issue:
        raise NewsletterError(
            f"its slug is now '{issue.slug}', not '{plan.issue}' as planned: plan it again"
        )
    delivery.check_ready(issue)
    return issue


def preflight(config, issue: Issue) -> RenderedIssue | None:
    """`newsletter check`'s errors stop a planned send as they stop `newsletter send`
    (which an editor can force; a plan cannot): NewsletterError with each of them. The
    editions as checked, to be sent as they are."""
    report = check_issue(config, str(issue.source), os.environ)
    if report.errors:
        found = "\n".join(str(finding) for finding in sorted(report.errors))
        raise NewsletterError(
            f"`newsletter check` found {plural(len(report.errors), 'error')}:\n{found}"
        )
    return report.rendered
