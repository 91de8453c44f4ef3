"""`newsletter bounces process SOURCE`: bounce and complaint reports read into the store."""

from __future__ import annotations

import click

from newsletter.core import plural

from .base import FullHelpGroup, Project, open_store_announced, pass_project, project_option
from .subscribers import _actor  # the login name history records

KIND_ORDER = ("hard", "soft", "complaint", "auto-reply", "unknown")


@click.group(cls=FullHelpGroup)
@project_option
def bounces() -> None:
    """Bounces and complaints: read them from the mailbox they come back to."""


@bounces.command()
@click.argument("source")
@pass_project
def process(project: Project, source: str) -> None:
    """Read every new report in SOURCE (an mbox file, a Maildir folder, or
    imaps://user@host/MAILBOX with NEWSLETTER_IMAP_PASSWORD), update the subscribers it
    concerns, and mark it processed."""
    from newsletter.deliverability import process_bounces

    store = open_store_announced(project)
    try:
        run = process_bounces(store, source, _actor())
    finally:
        store.close()
    for change in run.changes:
        click.echo(f"{change.status}: {change.subscriber.email} ({change.reason})")
    for report in run.unhandled:
        click.echo(
            f"not handled ({report.form}): {report.describe()}: nothing changed; "
            f"read it in {run.source}",
            err=True,
        )
    kinds = ", ".join(f"{run.kinds[k]} {k}" for k in KIND_ORDER if run.kinds[k])
    statuses = [
        f"{sum(c.status == status for c in run.changes)} {status}"
        for status in ("bounced", "complained")
        if any(c.status == status for c in run.changes)
    ]
    before = f" ({run.already} processed before)" if run.already else ""
    click.echo(
        f"read {plural(run.read, 'message')} from {run.source}{before}"
        + (f": {kinds}" if kinds else "")
        + (f"; {', '.join(statuses)}" if statuses else "; no status changed")
    )
