"""Find, read and check the project's issue files: YAML -> validated `Issue` objects."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from .config import Config
from .errors import Problem, ProblemsError, reading_order
from .model import Issue
from .schema import problems_from
from .yamlsource import Document, load

MONTH_FILE = re.compile(r"^(\d{4})-(\d{2})$")


def issue_paths(config: Config) -> list[Path]:
    folder = config.issues_dir
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []


def load_issue(path: Path, config: Config) -> tuple[Issue | None, list[Problem]]:
    """Read one issue file; return the Issue, or None and every problem found in it."""
    doc, problems = load(path, display_path(path))
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        what = "empty" if doc.data is None else "not a mapping of keys to values"
        return None, [
            *problems,
            doc.problem((), f"the file is {what}; an issue needs title, date and sections"),
        ]
    data = {"slug": path.stem, **doc.data}
    context = {"languages": config.languages, "all_languages": _all_languages(config)}
    try:
        issue = Issue.model_validate(data, context=context)
    except ValidationError as exc:
        found = problems + problems_from(exc, Issue, doc.problem)
        return None, sorted(found, key=reading_order)
    issue._source = path
    problems += _check_file(issue, path, doc)
    return (None if problems else issue), problems


def load_issues(paths: Iterable[Path], config: Config) -> tuple[list[Issue], list[Problem]]:
    """Read many issue files, collecting every problem; issues come back oldest first."""
    issues, problems, slugs = [], [], {}
    for path in paths:
        issue, found = load_issue(path, config)
        problems += found
        if issue is None:
            continue
        if issue.slug in slugs:
            problems.append(
                Problem(
                    display_path(path),
                    1,
                    1,
                    f"slug '{issue.slug}' is already used by {slugs[issue.slug]}",
                )
            )
            continue
        slugs[issue.slug] = display_path(path)
        issues.append(issue)
    return sorted(issues, key=lambda i: (i.date, i.slug)), problems


def load_project_issues(config: Config, paths: Iterable[Path] | None = None) -> list[Issue]:
    """Every issue of the project (or of `paths`), or ProblemsError listing all mistakes."""
    issues, problems = load_issues(issue_paths(config) if paths is None else paths, config)
    if problems:
        raise ProblemsError(problems)
    return issues


def find_issue(config: Config, name: str | None) -> Issue:
    """The issue named by a path or slug; the newest ready one when no name is given."""
    if name is None:
        ready = [i for i in load_project_issues(config) if i.is_ready]
        if not ready:
            raise ProblemsError(
                [
                    Problem(
                        display_path(config.issues_dir),
                        None,
                        None,
                        "no issue with 'status: ready' yet",
                    )
                ]
            )
        return ready[-1]
    path = Path(name)
    if not path.exists():
        path = config.issues_dir / f"{name}.yaml"
    issue, problems = load_issue(path, config)
    if problems or issue is None:
        raise ProblemsError(problems)
    return issue


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _all_languages(config: Config) -> set[str]:
    from babel.localedata import locale_identifiers

    return {*config.languages, *(code.split("_")[0] for code in locale_identifiers())}


def _check_file(issue: Issue, path: Path, doc: Document) -> list[Problem]:
    """What the schema cannot know: the file's name, and images on disk."""
    problems = []
    month = MONTH_FILE.match(path.stem)
    if month and (int(month[1]), int(month[2])) != (issue.date.year, issue.date.month):
        problems.append(
            doc.problem(
                ("date",),
                f"date {issue.date} is not in {path.stem}, the month this file is named after",
            )
        )
    if issue.hero and issue.hero.image:
        image = path.parent / issue.hero.image
        if not image.is_file():
            problems.append(
                doc.problem(
                    ("hero", "image"),
                    f"image '{issue.hero.image}' not found (looked for {display_path(image)})",
                )
            )
    return problems
