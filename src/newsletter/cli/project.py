"""The project's verbs: init, validate, new, build, preview and archive."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from newsletter.config import unknown_variables
from newsletter.core import NewsletterError, ProblemsError, plural

from .base import Project, pass_project, warn_of_variables


@click.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--name", default="My Newsletter", show_default=True, help="The newsletter's name.")
def init(folder: str, name: str) -> None:
    """Make a new, working newsletter project in FOLDER."""
    from newsletter.project import create_project

    if not folder.strip():  # Path("") would be the current folder
        raise NewsletterError("init needs a folder name")
    made = create_project(Path(folder), name)
    click.echo(f"Created a newsletter project in {folder}:")
    for path in made:
        click.echo(f"  {path}")
    click.echo(f"Next: cd {folder} && newsletter validate")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@pass_project
def validate(project: Project, paths: tuple[Path, ...], strict: bool) -> None:
    """Check the config and the issues (default: all of them); report every mistake."""
    from newsletter.project import validate_project

    project.warn_of_variables = False  # they are among the warnings below (--strict counts)
    try:
        issues, problems, warnings = validate_project(project.config, list(paths))
    except ProblemsError as error:  # the config itself: nothing to check the issues against
        warn_of_variables()  # a typo may be why
        error.consequence = ""  # validate never writes anything
        raise
    # Here (every other command says them on loading) so that --strict counts them.
    warnings = [*unknown_variables(os.environ), *warnings]
    for warning in warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    if problems:
        error = ProblemsError(problems)
        error.consequence = ""
        raise error
    click.secho(
        f"ok: newsletter.toml and {_issue_counts([issue.is_ready for issue in issues])}"
        + (f", {plural(len(warnings), 'warning')}" if warnings else ""),
        fg="green",
    )
    if strict and warnings:
        raise NewsletterError("--strict: warnings count as errors")


def _issue_counts(ready: list[bool]) -> str:
    """`2 issues (1 ready, 1 draft)`, `1 issue (1 ready, no drafts)`, `no issues`."""
    if not ready:
        return "no issues"
    drafts = ready.count(False)
    return (
        f"{plural(len(ready), 'issue')} ({ready.count(True)} ready, "
        f"{plural(drafts, 'draft') if drafts else 'no drafts'})"
    )


@click.command()
@click.option(
    "--date",
    "issue_date",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The new issue's date (default: a quarter after the last issue).",
)
@pass_project
def new(project: Project, issue_date: dt.datetime | None) -> None:
    """Write the next quarter's issue file as a draft, with the last issue's sections."""
    from newsletter.issues import new_issue

    path = new_issue(project.config, issue_date.date() if issue_date else None)
    click.echo(f"Wrote {path}: write its empty texts and entries, then set 'status: ready'.")


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder for the site (default: site/ in the project). The site is written "
    "beside it first and moved in when complete; files the archive did not make (a CNAME, "
    "a .git) are kept.",
)
@pass_project
def archive(project: Project, out: Path | None) -> None:
    """Build the static archive site of every ready issue, with an Atom feed."""
    import time

    from newsletter.archive import build_archive
    from newsletter.core import display_path

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


@click.command()
@click.argument("issue", required=False)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The output folder (default: build/ in the project).",
)
@pass_project
def build(project: Project, issue: str | None, out: Path | None) -> None:
    """Render ISSUE (a path or slug; default: the newest ready one) into email and web files."""
    from newsletter.issues import find_issue
    from newsletter.preview import build_issue, size_lines
    from newsletter.render import Renderer

    config = project.config
    found = find_issue(config, issue)
    renderer = Renderer(config)
    for warning in renderer.warnings():
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    written = build_issue(config, found, out or config.project_dir / "build", renderer)
    click.echo("\n".join(size_lines(written)))


@click.command()
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
    from newsletter.preview import make_server, preview_path

    server = make_server(project.config, preview_path(project.config, issue), port)
    click.echo(f"Previewing on http://127.0.0.1:{server.server_port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()
