"""`newsletter send` and `newsletter status`: parse options, show the plan, run, report."""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
from collections import Counter

import click

from newsletter.core import NewsletterError, address_key, plural
from newsletter.db import DEFERRED, FAILED, OPEN_STATES, SENT, UNCERTAIN

from .base import Project, open_store_announced, pass_project
from .progress import SendProgress
from .stopping import stopping_on_signals
from .table import format_table


@click.command()
@click.argument("issue", required=False)
@click.option(
    "--language",
    "languages",
    multiple=True,
    metavar="CODE",
    help="Send only this edition (repeat for several; default: every edition).",
)
@click.option(
    "--test-to",
    "test_to",
    multiple=True,
    metavar="ADDRESS",
    help="Send to this address only, the subject marked [TEST]; nothing is recorded.",
)
@click.option("--connections", type=click.IntRange(1, 64), help="Connections to the server.")
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    help="Worker processes sharing the connections (default: [delivery] processes, 1).",
)
@click.option("--rate", type=click.IntRange(0), help="Messages a minute at most (0: no limit).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask; needed without a terminal.")
@click.option("--cancel", is_flag=True, help="Cancel what is still to send of ISSUE.")
@click.option(
    "--retry-uncertain",
    is_flag=True,
    help="Also send the messages a crash left uncertain (some may get the issue twice).",
)
@click.option("--force", is_flag=True, help="Send even when `newsletter check` finds errors.")
@pass_project
def send(project: Project, issue: str | None, languages: tuple[str, ...], **options) -> None:
    """Send ISSUE (a path or slug; default: the newest ready one) to every subscriber of
    each edition, exactly once; run it again to continue after a stop."""
    from newsletter import delivery
    from newsletter.issues import find_issue

    config = project.config
    found = find_issue(config, issue)
    chosen = _languages(config, languages)
    if options["test_to"]:
        return _send_test(config, found, chosen, options["test_to"])
    delivery.check_ready(found, " (--test-to ADDRESS sends a draft to you alone)")
    if options["cancel"]:
        store = open_store_announced(project)
        for language, count in delivery.cancel_sends(store, found, chosen).items():
            done = f"cancelled {plural(count, 'message')}" if count else "nothing left to cancel"
            click.echo(f"{found.slug} {language}: {done}")
        return
    transport = delivery.transport_for(config)
    delivery.check_secret_key(config, transport)  # at once, not after the preflight's seconds
    checked = _preflight(project, found, options["force"])
    store = open_store_announced(project)
    plan, to_send = _plan(store, found, chosen, transport)
    click.echo(plan)
    if to_send is None and not options["retry_uncertain"]:
        return _nothing_to_send(store, found.slug, chosen)
    _confirm(options["yes"])
    run = delivery.options_for(
        config, options["connections"], options["rate"], options["processes"]
    )
    stop = threading.Event()
    progress = SendProgress(to_send or 0)
    with stopping_on_signals(stop):
        try:
            report, _ = delivery.send_ready_issue(
                store,
                found,
                chosen,
                transport,
                run,
                stop,
                progress,
                options["retry_uncertain"],
                checked,
            )
        except delivery.ServerGone as exc:
            raise NewsletterError(
                f"{exc}; stopped. What was sent is recorded: run `newsletter send "
                f"{found.slug}` again to continue"
            ) from None
        finally:
            progress.close()
    _report(found.slug, report, stopped=stop.is_set())


def _preflight(project: Project, issue, force: bool):
    """`newsletter check` before anything is sent: its errors stop the send unless --force.
    The editions as checked, to be sent as they are."""
    from newsletter.deliverability import check_issue

    from .check import show_report

    report = check_issue(project.config, str(issue.source), os.environ)
    if report.findings:
        show_report(report, links=False, err=True)
    if report.errors and not force:
        raise NewsletterError(
            f"not sent: `newsletter check` found {plural(len(report.errors), 'error')} in "
            f"{issue.slug}; fix them, or send anyway with --force"
        )
    return report.rendered


def _languages(config, languages: tuple[str, ...]) -> list[str]:
    chosen = []
    for code in languages:
        known = config.configured_language(code)
        if known is None:
            raise click.BadParameter(
                f"'{code}' is not one of this newsletter's languages "
                f"({', '.join(config.languages)})",
                param_hint="--language",
            )
        chosen.append(known)
    return list(dict.fromkeys(chosen)) or list(config.languages)


def _send_test(config, issue, languages: list[str], addresses: tuple[str, ...]) -> None:
    from newsletter import delivery
    from newsletter.render import Renderer

    for address in addresses:
        try:
            address_key(address)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--test-to") from None
    rendered = Renderer(config).render(issue, languages)
    transport = delivery.transport_for(config)
    for language, address, reply in delivery.send_test(
        config, rendered, list(addresses), transport
    ):
        click.echo(f"test {issue.slug} {language} to {address}: {reply.said()}")


def _nothing_to_send(store, slug: str, languages: list[str]) -> None:
    from newsletter import delivery

    click.echo(
        f"Nothing to send: every recipient of {slug} {'/'.join(languages)} has been handled."
    )
    sends = [s for s in delivery.statuses(store, slug) if s.language in languages]
    uncertain = sum(s.counts[UNCERTAIN] for s in sends)
    if uncertain:
        click.echo(
            f"{plural(uncertain, 'message')} uncertain (`newsletter status {slug}` lists them): "
            "--retry-uncertain sends them again, and some may get the issue twice"
        )


def _plan(store, issue, languages: list[str], transport) -> tuple[str, int | None]:
    """What `send` will do, for the user to confirm; and how many messages it has to send
    (None when every edition was sent before and nothing of it is left)."""
    from newsletter import delivery
    from newsletter.subscribers import counts

    existing = {s.language: s for s in delivery.statuses(store, issue.slug)}
    by_status_and_language, _ = counts(store, dt.datetime.now(dt.UTC))
    lines = [f"Issue:    {issue.slug}: {issue.title.get_for(languages[0], languages[0])}"]
    to_send = 0
    for language in languages:
        sent = existing.get(language)
        if sent is None:
            eligible = delivery.eligible(store, language)
            to_send += eligible.recipients
            lines.append(
                f"Edition:  {language}: {plural(eligible.recipients, 'recipient')}"
                + (
                    f"; {eligible.lapsed} left out: implied consent lapsed"
                    if eligible.lapsed
                    else ""
                )
            )
        else:
            to_send += sent.open
            done = ", ".join(f"{n} {state}" for state, n in sorted(sent.counts.items()))
            lines.append(
                f"Edition:  {language}: started {sent.created_at:%Y-%m-%d %H:%M} UTC "
                f"for {plural(sent.recipients, 'recipient')}{f' ({done})' if done else ''}: "
                + ("continues" if sent.open else "nothing left to send")
            )
    left_out = []
    for status in ("unsubscribed", "bounced", "complained"):
        number = sum(by_status_and_language[(status, language)] for language in languages)
        if number:
            left_out.append(f"{number} {status}")
    if left_out:
        lines.append(f"Not sent: {', '.join(left_out)}")
    lines.append(f"Through:  {transport.describe()}")
    # Nothing is left only of sends that ended: one killed after its last message still has
    # its end to record (and its bounced subscribers to mark), which running it does.
    ended = all(
        language in existing and existing[language].finished_at is not None
        for language in languages
    )
    return "\n".join(lines), None if ended and not to_send else to_send


def _confirm(yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise NewsletterError("not sent: without a terminal to ask on, pass --yes to send")
    if not click.confirm("Send?", default=False):
        raise NewsletterError("not sent")


def _report(slug: str, report, stopped: bool) -> None:
    from newsletter import delivery

    totals: Counter = Counter()
    for counts in report.counts.values():
        totals.update(counts)
    for line in delivery.report_lines(slug, report):
        click.echo(line)
    if report.uncertain:
        click.echo(
            f"{plural(report.uncertain, 'message')} of a stopped run may or may not have "
            "gone: `newsletter status` lists them; --retry-uncertain sends them again",
            err=True,
        )
    if report.bounced:
        click.echo(f"marked bounced: {', '.join(report.bounced)}", err=True)
    open_left = sum(totals[state] for state in OPEN_STATES)
    if stopped and open_left:
        raise NewsletterError(
            f"stopped with {plural(open_left, 'message')} still to send: run "
            f"`newsletter send {slug}` again to continue"
        )
    if totals[DEFERRED]:
        click.echo(
            f"{plural(totals[DEFERRED], 'message')} deferred by the server will be retried by "
            f"the next `newsletter send {slug}`",
            err=True,
        )
    if totals[FAILED] or totals[UNCERTAIN]:
        click.echo(f"details: newsletter status {slug}", err=True)


@click.command()
@click.argument("issue", required=False)
@pass_project
def status(project: Project, issue: str | None) -> None:
    """Every send with its counts and state; with ISSUE, also each recipient whose message
    was not sent (failed, uncertain, deferred, skipped, cancelled) and why."""
    from newsletter import delivery

    store = open_store_announced(project)
    slug = None
    if issue is not None:
        from newsletter.issues import find_issue

        slug = find_issue(project.config, issue).slug
    sends = delivery.statuses(store, slug)
    if not sends:
        click.echo(f"{slug} has not been sent" if slug else "nothing has been sent yet")
        return
    rows = [
        [
            s.issue,
            s.language,
            f"{s.created_at:%Y-%m-%d %H:%M}",
            str(s.recipients),
            str(s.counts[SENT]),
            str(s.counts[FAILED]),
            str(s.counts[UNCERTAIN]),
            str(s.open),
            _state(s),
        ]
        for s in sends
    ]
    headers = ["issue", "lang", "started (UTC)", "recipients", "sent", "failed", "uncertain"]
    click.echo(format_table([*headers, "to send", "state"], rows, right=5)[:])
    _bounces(store, sends)
    if slug is None:
        return
    for s in sends:
        lines = delivery.recipients(store, s.id)
        if not lines:
            still = f"; {plural(s.open, 'message')} still to send" if s.open else ""
            click.echo(
                f"\n{s.issue} {s.language}: no message failed, was deferred or is uncertain{still}"
            )
            continue
        click.echo(f"\n{s.issue} {s.language}:")
        click.echo(
            format_table(
                ["address", "state", "attempts", "reason"],
                [[line.email, line.state, str(line.attempts), line.reply] for line in lines],
            )
        )


# The complaint rate Gmail and Yahoo hold bulk senders to (their Postmaster Tools' figure);
# they ask to stay under 0.1%, and act at 0.3%.
COMPLAINT_LIMIT = 0.003


def _bounces(store, sends) -> None:
    """Per send, the bounces and complaints `bounces process` recorded, and the complaint
    rate against the providers' limit; nothing when none was recorded."""
    from newsletter.subscribers import bounce_counts

    counts = bounce_counts(store, [s.id for s in sends])
    if not counts:
        return
    rows, over = [], []
    for s in sends:
        found = counts.get(s.id, Counter())
        rate = found["complaint"] / s.counts[SENT] if s.counts[SENT] else 0.0
        if rate >= COMPLAINT_LIMIT:
            over.append(f"{s.issue} {s.language}")
        rows.append(
            [
                s.issue,
                s.language,
                str(s.counts[SENT]),
                str(found["hard"]),
                str(found["soft"]),
                str(found["complaint"]),
                f"{rate:.2%}",
            ]
        )
    headers = ["issue", "lang", "sent", "bounced", "soft", "complaints", "complaint rate"]
    click.echo("\nBounces and complaints (from `newsletter bounces process`):")
    click.echo(format_table(headers, rows, right=5))
    if over:
        click.echo(
            f"complaint rate at or over the providers' {COMPLAINT_LIMIT:.1%} limit: "
            f"{', '.join(over)}; Gmail and Yahoo filter or refuse a sender's mail above it",
            err=True,
        )


def _state(s) -> str:
    if s.state in ("running", "stalled") and s.last_progress:
        return f"{s.state} (last progress {s.last_progress:%Y-%m-%d %H:%M:%S} UTC)"
    return s.state
