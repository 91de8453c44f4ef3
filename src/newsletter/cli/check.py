"""`newsletter check`: the preflight before sending; prints what it finds, exits 1 on errors."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

import click

from .base import Project, pass_project


@click.command()
@click.argument("issue", required=False)
@click.option("--links", is_flag=True, help="Also ask every link and image whether it answers.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds each link may take to answer (with --links).",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object for CI, with every finding and the spam scores.",
)
@pass_project
def check(project: Project, issue: str | None, links: bool, timeout: float, output: str) -> None:
    """Check ISSUE (a path or slug; default: the newest ready one) before sending: required
    parts, images, links, subject, spam score; exit 1 when there are errors."""
    from newsletter.deliverability import check_issue

    report = check_issue(project.config, issue, os.environ, links=links, link_timeout=timeout)
    if output == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        show_report(report, links)
    if report.errors:
        sys.exit(1)


def show_report(report, links: bool, err: bool = False) -> None:
    """The findings, each edition's spam score, and a summary line (on stderr: `err`)."""
    for finding in sorted(report.findings):
        color = "red" if finding.level == "error" else "yellow"
        click.secho(str(finding), fg=color, err=err)
    for language, spam in report.spam.items():
        scored_at = dt.datetime.fromisoformat(spam["scored_at"])
        kept = (
            f" (kept from {scored_at:%Y-%m-%d %H:%M} UTC: the same message, the same SpamAssassin)"
            if spam["reused"]
            else ""
        )
        click.echo(
            f"{report.issue} ({language}): SpamAssassin score {spam['score']:g}{kept}", err=err
        )
    if not report.spam and not report.errors:
        click.echo(f"{report.issue}: no spam score (SpamAssassin is not installed)", err=err)
    if links:
        click.echo(f"{report.issue}: {report.links_checked} links checked", err=err)
    click.secho(report.summary(), fg="red" if report.errors else "green", err=err)
