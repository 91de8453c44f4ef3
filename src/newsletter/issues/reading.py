"""Find, read and check the project's issue files: YAML -> validated `Issue` objects."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from newsletter.config import Config
from newsletter.core import (
    Document,
    NewsletterError,
    Problem,
    ProblemsError,
    base_language,
    display_path,
    load_yaml,
    plural,
    problems_from,
    reading_order,
)

from .model import Issue

log = logging.getLogger(__name__)

MONTH_FILE = re.compile(r"^(\d{4})-(\d{2})$")
ISSUE_SUFFIXES = (".yaml", ".yml")


@dataclass
class IssueFile:
    """One issue file as read: its Issue when valid, its problems, and what it declares."""

    path: Path
    issue: Issue | None = None
    problems: list[Problem] = field(default_factory=list)
    declared_ready: bool = True  # unknown (unreadable file) counts as ready: never skip it


def issue_paths(config: Config) -> list[Path]:
    folder = config.issues_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in ISSUE_SUFFIXES and p.is_file())


def read_issue_file(path: Path, config: Config) -> IssueFile:
    """Read and check one issue file, keeping every problem found in it."""
    doc, problems = load_yaml(path, display_path(path))
    result = IssueFile(path, problems=problems)
    if doc is None:
        return result
    if not isinstance(doc.data, dict):
        what = "empty" if doc.data is None else "not a mapping of keys to values"
        problems.append(
            doc.problem((), f"the file is {what}; an issue needs title, date and sections")
        )
        return result
    result.declared_ready = doc.data.get("status") == "ready"
    data = {"slug": path.stem, **doc.data}
    context = {
        "languages": config.languages,
        "all_languages": _all_languages(config),
        "issue_dir": path.parent,
        "project_dir": config.project_dir,
    }
    try:
        issue = Issue.model_validate(data, context=context)
    except ValidationError as exc:
        problems += problems_from(exc, Issue, doc.problem)
        result.problems = sorted(problems, key=reading_order)
        return result
    issue._source = path
    problems += _check_file(issue, path, doc, config)
    result.issue = None if problems else issue
    return result


def load_issue(path: Path, config: Config) -> tuple[Issue | None, list[Problem]]:
    """Read one issue file; return the Issue, or None and every problem found in it."""
    read = read_issue_file(path, config)
    return read.issue, read.problems


def load_issues(paths: Iterable[Path], config: Config) -> tuple[list[Issue], list[Problem]]:
    """Read many issue files, collecting every problem; issues come back oldest first."""
    files = [read_issue_file(path, config) for path in paths]
    problems = [p for f in files for p in f.problems]
    issues, slug_problems = _unique_slugs([f.issue for f in files if f.issue])
    return issues, problems + slug_problems


def load_project_issues(config: Config, paths: Iterable[Path] | None = None) -> list[Issue]:
    """Every issue of the project (or of `paths`), or ProblemsError listing all mistakes."""
    issues, problems = load_issues(issue_paths(config) if paths is None else paths, config)
    if problems:
        raise ProblemsError(problems)
    return issues


def ready_issues(config: Config) -> list[Issue]:
    """The issues to publish, oldest first. A draft still being written does not stop them:
    it is skipped with a warning. A mistake in an issue meant to go out is an error."""
    files = [read_issue_file(path, config) for path in issue_paths(config)]
    problems = [p for f in files if f.declared_ready for p in f.problems]
    for draft in (f for f in files if f.problems and not f.declared_ready):
        log.warning(
            "skipped the draft %s (%s; `newsletter validate` lists them)",
            display_path(draft.path),
            plural(len(draft.problems), "problem"),
        )
    issues, slug_problems = _unique_slugs([f.issue for f in files if f.issue])
    if problems or slug_problems:
        raise ProblemsError(problems + slug_problems)
    return [issue for issue in issues if issue.is_ready]


def find_issue(config: Config, name: str | None) -> Issue:
    """The issue named by a path or slug; the newest ready one when no name is given."""
    if name is None:
        ready = ready_issues(config)
        if not ready:
            raise NewsletterError(
                f"no issue in {display_path(config.issues_dir)}/ has 'status: ready' yet"
            )
        return ready[-1]
    issue, problems = load_issue(issue_file(config, name), config)
    if problems or issue is None:
        raise ProblemsError(problems)
    return issue


def issue_file(config: Config, name: str) -> Path:
    """The file an issue name stands for: a path, or a slug in issues/."""
    path = Path(name)
    if path.is_file():
        return path
    slug_file = config.issues_dir / f"{name}.yaml"
    if slug_file.is_file():
        return slug_file
    if path.suffix or len(path.parts) > 1:  # a path, not a slug
        raise NewsletterError(f"no issue '{name}': there is no file {name}")
    raise NewsletterError(
        f"no issue '{name}': there is no file {name} nor {display_path(slug_file)}"
    )


def issue_months(config: Config) -> list[tuple[int, int]]:
    """The months that issue files are named after (YYYY-MM.yaml), valid or not."""
    months = [MONTH_FILE.match(path.stem) for path in issue_paths(config)]
    return sorted((int(m[1]), int(m[2])) for m in months if m)


def _unique_slugs(issues: list[Issue]) -> tuple[list[Issue], list[Problem]]:
    unique, problems, owners = [], [], {}
    for issue in issues:
        shown = display_path(issue.source)
        if issue.slug in owners:
            message = f"slug '{issue.slug}' is already used by {owners[issue.slug]}"
            problems.append(Problem(shown, 1, 1, message))
            continue
        owners[issue.slug] = shown
        unique.append(issue)
    return sorted(unique, key=lambda i: (i.date, i.slug)), problems


def _all_languages(config: Config) -> set[str]:
    from babel.localedata import locale_identifiers

    return {*config.languages, *(base_language(code) for code in locale_identifiers())}


def _check_file(issue: Issue, path: Path, doc: Document, config: Config) -> list[Problem]:
    """What the schema cannot know: the file's name, the slug's place in the site, images."""
    problems = []
    month = MONTH_FILE.match(path.stem)
    if month and (int(month[1]), int(month[2])) != (issue.date.year, issue.date.month):
        message = f"date {issue.date} is not in {path.stem}, the month this file is named after"
        problems.append(doc.problem(("date",), message))
    if issue.slug in config.languages:
        message = f"slug '{issue.slug}' is a language code: the archive uses it for a folder"
        problems.append(doc.problem(("slug",), message))
    return problems
