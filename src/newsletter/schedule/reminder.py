"""The editors' reminder that the next issue is due (`[schedule] reminder`, a cron line):
the next draft and whether it validates, and the deliveries planned; sent to `editors`
through the configured delivery backend, outside the ledger."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from newsletter import delivery
from newsletter.config import Config
from newsletter.core import NewsletterError, plural
from newsletter.db import SCHEDULED
from newsletter.issues import IssueFile, issue_paths, read_issue_file
from newsletter.mail import sender_domain
from newsletter.subscribers import Store

from . import jobs
from .plans import list_plans, local_time

log = logging.getLogger(__name__)


def remind() -> None:
    """The reminder job's function (stored by reference)."""
    store = jobs.active().store
    try:
        for address, reply in send_reminder(store):
            level = logging.INFO if reply.accepted else logging.WARNING
            log.log(level, "reminder to %s: %s", address, reply.said())
    except NewsletterError as exc:
        log.error("reminder not sent: %s", exc)


def send_reminder(store: Store, now: dt.datetime | None = None) -> list[tuple[str, delivery.Reply]]:
    """Send the reminder to the editors now: each address with the server's reply."""
    config = store.config
    editors = config.settings.schedule.editors
    if not editors:
        raise NewsletterError(
            'no editors to remind: set [schedule] editors = ["you@example.org"] in newsletter.toml'
        )
    message = reminder_message(config, store, now or dt.datetime.now(dt.UTC))
    transport = delivery.transport_for(config)
    try:
        return delivery.send_note(config, transport, editors, message, "reminder")
    except delivery.TransportUnavailable as exc:
        raise NewsletterError(str(exc)) from None


def reminder_message(config: Config, store: Store, now: dt.datetime) -> EmailMessage:
    name = config.masthead(config.default_language).name
    sender = config.sender_in(config.default_language)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = f"{name}: the next issue is due"
    message["From"] = Address(sender.name, addr_spec=sender.address)
    message["To"] = ", ".join(config.settings.schedule.editors)
    message["Date"] = format_datetime(now.astimezone(zoneinfo.ZoneInfo(config.timezone)))
    message["Message-ID"] = make_msgid(domain=sender_domain(config))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    message.set_content(reminder_text(config, store))
    return message


def reminder_text(config: Config, store: Store) -> str:
    name = config.masthead(config.default_language).name
    lines = [f"The next issue of {name} is due.", ""]
    lines += _draft_lines(next_draft(config))
    planned = [plan for plan in list_plans(store) if plan.state == SCHEDULED]
    lines.append("")
    if planned:
        lines.append("Planned deliveries:")
        lines += [f"  {p.issue} at {local_time(config, p.planned_at)}" for p in planned]
    else:
        lines.append("No delivery is planned.")
    lines += ["", "-- ", "newsletter scheduler (`[schedule] reminder` in newsletter.toml)"]
    return "\n".join(lines) + "\n"


def next_draft(config: Config) -> IssueFile | None:
    """The last issue file (in name order: YYYY-MM) not marked ready, as read now."""
    files = [read_issue_file(path, config) for path in issue_paths(config)]
    drafts = [read for read in files if not read.declared_ready]
    return drafts[-1] if drafts else None


def _draft_lines(draft: IssueFile | None) -> list[str]:
    if draft is None:
        return ["There is no draft yet: `newsletter new` writes the next one."]
    shown = str(draft.path.relative_to(draft.path.parents[1]))  # issues/2013-08.yaml
    if draft.problems:
        return [
            f"The draft {shown} has {plural(len(draft.problems), 'problem')}:",
            *(f"  {problem}" for problem in draft.problems),
        ]
    issue = draft.issue
    return [
        f"The draft {shown} ({issue.slug}, dated {issue.date}) validates.",
        "When it is finished, set 'status: ready' in it and plan its delivery:",
        f"  newsletter schedule add {issue.slug} --at {issue.date}T09:00",
    ]
