"""What every command group shares: the project it acts on, and how failures are printed."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from newsletter.config import Config, find_project, load_config, unknown_variables
from newsletter.core import NewsletterError, ProblemsError


class Project:
    """The project the command acts on, loaded on first use (`init` needs none)."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self._config: Config | None = None
        # A misspelt NEWSLETTER_* variable is said on loading, else its value would seem in
        # force; `validate` turns this off to count them among its own warnings (--strict).
        self.warn_of_variables = True

    @property
    def config(self) -> Config:
        if self._config is None:
            if self.folder and not self.folder.is_dir():
                raise NewsletterError(f"the project folder {self.folder} does not exist")
            root = find_project(self.folder or Path.cwd())
            if self.warn_of_variables:  # before loading: the typo may be why it fails
                self.warn_of_variables = False  # once, should loading be tried again
                warn_of_variables()
            self._config = load_config(root, os.environ)
        return self._config


def warn_of_variables() -> None:
    """A warning on stderr for each NEWSLETTER_* variable that sets nothing (a typo)."""
    for warning in unknown_variables(os.environ):
        click.secho(f"warning: {warning}", fg="yellow", err=True)


class FullHelpGroup(click.Group):
    """Lists each command with its whole first sentence, wrapped, instead of cutting it off."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (name, command.get_short_help_str(limit=200))
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class NewsletterGroup(FullHelpGroup):
    """Turns expected failures into a message and exit 1; unexpected ones keep their traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ProblemsError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.secho(exc.summary(), fg="red", err=True)
            sys.exit(1)
        except NewsletterError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(1)


class WarningHandler(logging.Handler):
    """Library warnings (a skipped draft, ...) as `warning: ...` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.secho(f"warning: {record.getMessage()}", fg="yellow", err=True)


def show_warnings() -> None:
    logger = logging.getLogger("newsletter")
    if not any(isinstance(h, WarningHandler) for h in logger.handlers):
        logger.addHandler(WarningHandler(logging.WARNING))
        logger.propagate = False


def _set_folder(ctx: click.Context, _param: click.Parameter, folder: Path | None) -> None:
    if folder is not None:  # given after the command too: the later one counts
        ctx.ensure_object(Project).folder = folder


project_option = click.option(
    "--project",
    "-p",
    type=click.Path(file_okay=False, path_type=Path),
    expose_value=False,
    callback=_set_folder,
    help="The project folder (default: the nearest folder with newsletter.toml).",
)
"""`-p/--project DIR`, taken before the command (`newsletter -p DIR validate`) and after it
(`newsletter validate -p DIR`): the main group and every command that acts on a project."""

_pass_project = click.make_pass_decorator(Project)


def pass_project(command: Callable) -> Callable:
    """Pass the command the Project it acts on, and give it the -p/--project option."""
    return project_option(_pass_project(command))


def open_store_announced(project: Project):
    """The project's store, saying so when opening it created or upgraded the database."""
    from newsletter.subscribers import open_store

    store = open_store(project.config)
    # Closed when the command ends, not left to the interpreter's exit: SQLite folds its
    # write-ahead log back into the database file as its last connection closes.
    click.get_current_context().call_on_close(store.close)
    if store.migration:
        click.echo(store.migration.message(store.shown), err=True)
    return store
