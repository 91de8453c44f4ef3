"""The `newsletter` command: parses options, finds the project, calls one function per verb."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from pathlib import Path

import click

from . import __version__
from .config import Config, find_project, load_config
from .errors import NewsletterError, ProblemsError, plural


class Project:
    """The project the command acts on, loaded on first use (`init` needs none)."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            if self.folder and not self.folder.is_dir():
                raise NewsletterError(f"the project folder {self.folder} does not exist")
            root = find_project(self.folder or Path.cwd())
            self._config = load_config(root, os.environ)
        return self._config


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


def _show_warnings() -> None:
    logger = logging.getLogger("newsletter")
    if not any(isinstance(h, WarningHandler) for h in logger.handlers):
        logger.addHandler(WarningHandler(logging.WARNING))
        logger.propagate = False


pass_project = click.make_pass_decorator(Project)


@click.group(cls=NewsletterGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsletter")
@click.option(
    "--project",
    "-p",
    type=click.Path(file_okay=False, path_type=Path),
    help="The project folder (default: the nearest folder with newsletter.toml).",
)
@click.pass_context
def cli(ctx: click.Context, project: Path | None) -> None:
    """Compose, render, archive and mail a newsletter kept in a git repository."""
    _show_warnings()
    ctx.obj = Project(project)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--name", default="My Newsletter", show_default=True, help="The newsletter's name.")
def init(folder: str, name: str) -> None:
    """Make a new, working newsletter project in FOLDER."""
    from .scaffold import create_project

    if not folder.strip():  # Path("") would be the current folder
        raise NewsletterError("init needs a folder name")
    made = create_project(Path(folder), name)
    click.echo(f"Created a newsletter project in {folder}:")
    for path in made:
        click.echo(f"  {path}")
    click.echo(f"Next: cd {folder} && newsletter validate")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@pass_project
def validate(project: Project, paths: tuple[Path, ...], strict: bool) -> None:
    """Check the config and the issues (default: all of them); report every mistake."""
    from .checks import validate_project

    issues, problems, warnings = validate_project(project.config, list(paths), os.environ)
    for warning in warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    if problems:
        error = ProblemsError(problems)
        error.consequence = ""  # validate never writes anything
        raise error
    ready = sum(issue.is_ready for issue in issues)
    click.secho(
        f"ok: newsletter.toml and {plural(len(issues), 'issue')} "
        f"({ready} ready, {len(issues) - ready} draft)"
        + (f", {plural(len(warnings), 'warning')}" if warnings else ""),
        fg="green",
    )
    if strict and warnings:
        raise NewsletterError("--strict: warnings count as errors")


@cli.command()
@click.option(
    "--date",
    "issue_date",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The new issue's date (default: a quarter after the last issue).",
)
@pass_project
def new(project: Project, issue_date: dt.datetime | None) -> None:
    """Write the next quarter's issue file as a draft, with the last issue's sections."""
    from .compose import new_issue

    path = new_issue(project.config, issue_date.date() if issue_date else None)
    click.echo(f"Wrote {path}: fill in its entries, then set 'status: ready'.")


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder for the site (default: site/ in the project); it is replaced whole.",
)
@pass_project
def archive(project: Project, out: Path | None) -> None:
    """Build the static archive site of every ready issue, with an Atom feed."""
    import time

    from .archive import build_archive
    from .issues import display_path

    started = time.perf_counter()
    config = project.config
    report = build_archive(config, out or config.project_dir / "site")
    click.echo(
        f"Built the archive in {display_path(report.out)}/: {plural(report.issues, 'issue')}, "
        f"{plural(report.pages, 'page')}, feed.xml, sitemap.xml, "
        f"{plural(report.images, 'image')}; {report.bytes / 1024:.0f} KB "
        f"in {time.perf_counter() - started:.1f} s"
    )
    click.echo(f"Open {display_path(report.out / 'index.html')} in a browser.")


@cli.command()
@click.argument("issue", required=False)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The output folder (default: build/ in the project).",
)
@pass_project
def build(project: Project, issue: str | None, out: Path | None) -> None:
    """Render ISSUE (a path or slug; default: the newest ready one) into email and web files."""
    from .build import build_issue, size_lines
    from .issues import find_issue
    from .render import Renderer

    config = project.config
    found = find_issue(config, issue)
    renderer = Renderer(config)
    for warning in renderer.warnings():
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    written = build_issue(config, found, out or config.project_dir / "build", renderer)
    click.echo("\n".join(size_lines(written)))


@cli.command()
@click.argument("issue", required=False)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port on 127.0.0.1 (0: any free port).",
)
@pass_project
def preview(project: Project, issue: str | None, port: int) -> None:
    """Show ISSUE (default: the newest file) at phone and desktop widths; reloads on changes."""
    from .preview import make_server, preview_path

    server = make_server(project.config, preview_path(project.config, issue), port)
    click.echo(f"Previewing on http://127.0.0.1:{server.server_port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


def main() -> None:
    cli(prog_name="newsletter")


from .subscriber_commands import subscribers  # noqa: E402

cli.add_command(subscribers)
