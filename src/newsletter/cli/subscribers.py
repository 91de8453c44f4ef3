"""`newsletter subscribers ...`: parse options, call the store, print what happened."""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from pathlib import Path

import click

from newsletter.core import NewsletterError, display_path, one_line_problem, plural
from newsletter.db import CONSENTS, IMPLIED_REASONS, STATUSES, UNSUBSCRIBED
from newsletter.subscribers import (
    Change,
    Consent,
    Defaults,
    Store,
    Subscriber,
    parse_moment,
)

from .base import FullHelpGroup, Project, open_store_announced, pass_project, project_option
from .table import format_table

INTERRUPTED = 128 + 2  # the exit status of a command stopped by Ctrl-C (SIGINT), as shells use


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return "unknown"


def _moment(timezone: str, text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return parse_moment(text, timezone)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _one_line(text: str | None, option: str) -> str | None:
    """The option's text, refused (usage error) when it spans lines or has control codes."""
    why = one_line_problem(text) if text is not None else None
    if why:
        raise click.BadParameter(why, param_hint=option)
    return text


def _day(store: Store, moment: dt.datetime | None) -> str:
    return store.day(moment) if moment else "-"


@click.group(cls=FullHelpGroup)
@project_option
def subscribers() -> None:
    """Who gets the newsletter, and on what consent (CASL)."""


@subscribers.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the good rows and write the bad ones beside FILE: those of "
    "subscribers/faculty.csv go to subscribers/faculty.rejects.csv, which must not exist yet.",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the bad rows to this file instead, replacing it if it exists.",
)
@click.option("--consent", type=click.Choice(CONSENTS), help="Consent of rows that give none.")
@click.option("--consented-at", metavar="DATE", help="When, for rows that do not say.")
@click.option("--source", help="How consent was obtained, for rows that do not say.")
@pass_project
def import_(project: Project, file: Path, skip_invalid: bool, rejects: Path | None, **given):
    """Add or update subscribers from a CSV or YAML list (all rows checked first)."""
    from newsletter.subscribers import check_import, write_import

    if rejects and rejects.resolve() == file.resolve():
        raise click.BadParameter("must not be the list itself", param_hint="--rejects")
    config, now = project.config, _now()
    timezone = config.settings.newsletter.timezone
    defaults = Defaults(
        given["consent"],
        _moment(timezone, given["consented_at"], "--consented-at"),
        _one_line(given["source"], "--source"),
    )
    shown = display_path(file)
    progress = ProgressPrinter()
    try:
        plan = check_import(  # before opening the database: a bad list creates nothing
            file,
            shown,
            list(config.languages),
            timezone,
            defaults=defaults,
            now=now,
            skip_invalid=skip_invalid,
            rejects_path=rejects,
            progress=progress,
        )
        progress.finish()
        store = open_store_announced(project)
        report = write_import(store, plan, actor=_actor(), now=now, progress=progress)
    except KeyboardInterrupt:
        progress.finish()
        click.echo(
            "interrupted: nothing was imported (an import is one transaction: the database "
            "is as it was, and no rejects file was written)",
            err=True,
        )
        sys.exit(INTERRUPTED)
    progress.finish()
    for line in report.lines():  # rows left out (--skip-invalid) and rows left alone
        click.echo(line, err=True)
    click.echo(report.summary())


class ProgressPrinter:
    """Rows checked and written: a counter on a terminal, else a line every 10,000 rows.

    Lists under a thousand rows print nothing: they are done before anyone would look.
    """

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.step = 1_000 if self.tty else 10_000
        self.printed: dict[str, int] = {}
        self.width = 0  # of the count shown on the terminal; 0 when none is

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if done // self.step <= self.printed.get(stage, 0):
            return
        self.printed[stage] = done // self.step
        text = f"{stage} {done:,}" + (f" of {total:,}" if total else "") + " rows"
        if self.tty:  # overwrite the last count, padding out anything longer
            click.echo(f"\r{text:<{self.width}}", err=True, nl=False)
            self.width = max(self.width, len(text))
        else:
            click.echo(text, err=True)

    def finish(self) -> None:
        """End the counter's line, if one is shown, before anything else is printed."""
        if self.width:
            click.echo(err=True)
            self.width = 0


@subscribers.command()
@click.argument("email")
@click.option("--name", help="The person's name.")
@click.option("--language", help="Their edition (default: the first configured language).")
@click.option("--consent", type=click.Choice(CONSENTS), required=True, help="Kind of consent.")
@click.option("--source", required=True, help="How consent was obtained, e.g. 'web form'.")
@click.option("--consented-at", metavar="DATE", help="When consent was given (default: now).")
@click.option(
    "--reason",
    type=click.Choice(IMPLIED_REASONS),
    help="Why consent is implied (CASL): purchase (a purchase, contract or other business "
    "relationship: 2 years) or inquiry (an inquiry or application: 6 months).",
)
@pass_project
def add(project: Project, email: str, consent: str, source: str, **given) -> None:
    """Subscribe EMAIL, or record their new consent (re-activates only on express consent)."""
    _one_line(given["name"], "--name")
    if not source.strip():
        raise click.BadParameter("say how consent was obtained (CASL)", param_hint="--source")
    _one_line(source, "--source")
    if given["reason"] and consent != "implied":
        raise click.BadParameter("only implied consent has a reason", param_hint="--reason")
    store = open_store_announced(project)
    now = _now()
    at = _moment(store.timezone, given["consented_at"], "--consented-at") or now
    made = Change("subscribers add", _actor(), now)
    action, subscriber = store.add(
        email, Consent(consent, at, source, given["reason"]), made, given["name"], given["language"]
    )
    on = f"{subscriber.consent.kind} consent of {_day(store, subscriber.consent.at)}"
    messages = {
        "added": f"added {subscriber.email} ({subscriber.language}, {on})",
        "resubscribed": f"re-activated {subscriber.email} ({on})",
        "consent": f"recorded the new consent of {subscriber.email} ({on})",
        "updated": f"updated {subscriber.email} ({on})",
        "unchanged": f"{subscriber.email} is already subscribed ({on}); nothing changed",
    }
    click.echo(messages[action])


@subscribers.command()
@click.argument("email")
@click.option("--source", help="How they asked, e.g. 'phone call'; kept in the history.")
@pass_project
def unsubscribe(project: Project, email: str, source: str | None) -> None:
    """Stop mailing EMAIL (kept, so that no import adds them back)."""
    _one_line(source, "--source")
    store = open_store_announced(project)
    via = "subscribers unsubscribe" + (f" ({source})" if source else "")
    changed, subscriber = store.set_status(email, UNSUBSCRIBED, Change(via, _actor(), _now()))
    since = _day(store, subscriber.status_changed_at)
    if changed:
        click.echo(f"unsubscribed {subscriber.email}")
    else:
        click.echo(f"{subscriber.email} is already unsubscribed (since {since}); nothing changed")


@subscribers.command()
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_project
def forget(project: Project, email: str, yes: bool) -> None:
    """Erase EMAIL's data (right to erasure); a hash stops later imports re-adding them.

    Asks first; answering no forgets nothing and is not an error (exit 0).
    """
    store = open_store_announced(project)
    store.key(email)  # an invalid address fails before the question
    question = (
        f"Forget {email}? Their data is deleted for good, and their history keeps nothing personal"
    )
    try:
        confirmed = yes or click.confirm(question, err=True)
    except click.Abort:  # no answer: end of input (a script without --yes), or Ctrl-C
        click.echo(err=True)
        click.echo("Nothing was forgotten.")
        sys.exit(1)
    if not confirmed:
        click.echo("Nothing was forgotten.")
        return
    outcome = store.forget(email, Change("subscribers forget", _actor(), _now()))
    click.echo(
        {
            "forgotten": f"forgot {email}: their data is deleted; imports will skip the address",
            "recorded": f"{email} was not a subscriber; imports will skip the address",
            "already": f"{email} was already forgotten; nothing changed",
        }[outcome]
    )


@subscribers.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only this status.")
@click.option("--language", help="Only this edition.")
@click.option(
    "--expiring",
    type=int,
    is_flag=False,
    flag_value=30,
    metavar="DAYS",
    help="Active subscribers whose implied consent lapses within DAYS days (default 30; "
    "0: later today).",
)
@click.option("--expired", is_flag=True, help="Active subscribers whose consent has lapsed.")
@pass_project
def list_(project: Project, status, language, expiring, expired) -> None:
    """Show subscribers as a table."""
    from newsletter.subscribers import expired as lapsed
    from newsletter.subscribers import expiring as lapsing
    from newsletter.subscribers import list_subscribers

    store = open_store_announced(project)
    language = store.language(language)
    now = _now()
    if expiring is not None or expired:
        found = lapsing(store, now, expiring) if expiring is not None else lapsed(store, now)
        found = [s for s in found if language in (None, s.language)]
    else:
        found = list_subscribers(store, status, language)
    if found:
        click.echo(_table(store, found))
    click.echo(plural(len(found), "subscriber"))


def _table(store: Store, found: list[Subscriber]) -> str:
    headers = ["id", "email", "name", "lang", "status", "consent", "given", "lapses"]
    rows = [
        [
            str(s.id),
            s.email,
            s.name,
            s.language,
            s.status,
            s.consent.kind + (f" ({s.consent.reason})" if s.consent.reason else ""),
            _day(store, s.consent.at),
            _day(store, s.consent.expires_at),
        ]
        for s in found
    ]
    return format_table(headers, rows)


@subscribers.command()
@click.argument("email")
@pass_project
def show(project: Project, email: str) -> None:
    """Show EMAIL's record and every change of their status, consent or preferences."""
    from newsletter.subscribers import history

    store = open_store_announced(project)
    subscriber, changes = history(store, email)
    if subscriber is None:
        raise NewsletterError(f"no subscriber with the address '{email}'")
    click.echo(_table(store, [subscriber]))
    if subscriber.attributes:
        click.echo(", ".join(f"{k}: {v}" for k, v in sorted(subscriber.attributes.items())))
    rows = [
        [
            store.moment(c.changed_at),
            c.change,
            c.status,
            f"{c.consent} {_day(store, c.consented_at)}",
            c.consent_source or "",
            c.via or "",
            c.actor or "",
            c.detail or "",  # what a change of preferences changed, names escaped
        ]
        for c in changes
    ]
    headers = ["when", "change", "status", "consent", "source", "via", "by", "changed"]
    click.echo("\n" + format_table(headers, rows))


@subscribers.command()
@click.argument(
    "file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), required=False
)
@pass_project
def export(project: Project, file: Path | None) -> None:
    """Write every subscriber as CSV to FILE (default: standard output); import reads it.

    FILE is replaced only once complete; its folder must exist. It starts with a byte order
    mark, so that Excel reads it as UTF-8; standard output has none (it goes to programs).
    """
    from newsletter.subscribers import export_csv, replacing_csv

    store = open_store_announced(project)
    if file is None or str(file) == "-":
        export_csv(store, sys.stdout)
        return
    with replacing_csv(file, display_path(file)) as stream:
        count = export_csv(store, stream)
    click.echo(f"exported {plural(count, 'subscriber')} to {display_path(file)}", err=True)


@subscribers.command()
@pass_project
def count(project: Project) -> None:
    """Count subscribers by status and language, and how many may be mailed now."""
    from newsletter.subscribers import counts

    store = open_store_announced(project)
    table, mailable = counts(store, _now())
    languages = list(dict.fromkeys([*store.languages, *(lang for _, lang in table)]))
    rows = [[status, *(table[(status, lang)] for lang in languages)] for status in STATUSES]
    rows.append(["total", *(sum(table[(s, lang)] for s in STATUSES) for lang in languages)])
    cells = [[row[0], *map(str, row[1:]), str(sum(row[1:]))] for row in rows]
    click.echo(format_table(["status", *languages, "total"], cells, right=len(languages) + 1))
    active = sum(rows[0][1:])
    line = f"may be mailed now: {mailable} of {active} active"
    if active > mailable:
        line += f" ({active - mailable} with lapsed implied consent: list --expired)"
    click.echo(line)
