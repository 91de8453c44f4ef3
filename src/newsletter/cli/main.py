"""The `newsletter` command: parses options, finds the project, calls one function per verb."""

from __future__ import annotations

import gc

import click

from . import bounces, check, delivery, dkim, project, schedule, subscribers, web
from .base import NewsletterGroup, Project, project_option, show_warnings


@click.group(cls=NewsletterGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsletter", prog_name="newsletter")
@project_option
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Compose, render, archive and mail a newsletter kept in a git repository."""
    show_warnings()
    ctx.ensure_object(Project)  # -p/--project, before the command or after it, sets its folder


for command in (project.init, project.validate, project.new, project.build, project.preview,
                project.archive, check.check, delivery.send, delivery.status,
                schedule.schedule, schedule.scheduler, subscribers.subscribers,
                bounces.bounces, dkim.dkim, web.serve):  # fmt: skip
    cli.add_command(command)


def main() -> None:
    # A command's start-up (the modules it imports when it runs, the templates, the issue)
    # makes objects by the hundred thousand that live as long as the process: Python's
    # default garbage collection, every 700 new objects, walked them again and again, about
    # 0.1 s of a send's start (10,000 recipients). Collections are rarer, not gone, in the
    # long-running commands too (a cycle waits for 100,000 new objects, a few MB).
    gc.set_threshold(100_000, 20, 20)
    try:
        cli(prog_name="newsletter")
    finally:
        # The interpreter's last garbage collections walk every object left, which took a
        # send of 10,000 messages 0.2 s after its last line; frozen objects are passed over
        # (their memory goes back to the system with the process).
        gc.freeze()
