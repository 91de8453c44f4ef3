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
    read_as_suggested,
    reading_order,
)

from .model import Issue

log = logging.getLogger(__name__)

MONTH_FILE = re.compile(r"^(\d{4})-(\d{2})$")
ISSUE_SUFFIXES = (".yaml", ".yml")
# `status: ready` as a line of its own, found in a file that cannot be read as YAML.
SAYS_READY = re.compile(r"""^status[ \t]*:[ \t]*(["']?)ready\1[ \t]*(#.*)?$""", re.MULTILINE)


@dataclass
class IssueFile:
    """One issue file as read: its Issue when valid, its problems, and what it declares."""

    path: Path
    issue: Issue | None = None
    problems: list[Problem] = field(default_factory=list)
    declared_ready: bool = False
    slug_at: tuple[int, int] | None = None  # where `slug:` is written; None: the file name


def issue_paths(config: Config) -> list[Path]:
    folder = config.issues_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in ISSUE_SUFFIXES and p.is_file())


def read_issue_file(path: Path, config: Config) -> IssueFile:
    """Read and check one issue file, keeping every problem found in it."""
    doc, problems = load_yaml(path, display_path(path))
    result = IssueFile(path, problems=problems)
    if doc is None or not isinstance(doc.data, dict):
        result.declared_ready = _says_ready(path)
        if doc is not None:
            what = "empty" if doc.data is None else "not a mapping of keys to values"
            message = f"the file is {what}; an issue needs title, date and sections"
            problems.append(doc.problem((), message))
        return result
    data, misspelt = read_as_suggested(doc.data, Issue, doc)
    problems += misspelt
    result.declared_ready = data.get("status") == "ready"
    result.slug_at = doc.position(("slug",)) if "slug" in data else None
    context = {
        "languages": config.languages,
        "all_languages": _all_languages(config),
        "issue_dir": path.parent,
        "project_dir": config.project_dir,
    }
    try:
        issue = Issue.model_validate({"slug": path.stem, **data}, context=context)
    except ValidationError as exc:
        problems += problems_from(exc, Issue, doc.problem, doc.written)
        result.problems = sorted(problems, key=reading_order)
        return result
    issue._source = path
    problems += _check_file(issue, path, doc, config)
    result.issue = None if problems else issue
    return result


def _says_ready(path: Path) -> bool:
    """Whether a file that is not an issue's YAML (yet) is meant to go out: a draft being
    written is skipped, but a file with a `status: ready` line must stop the run."""
    try:
        data = path.read_bytes()
    except OSError:
        return True  # unknown: never skip it without a word
    # NULs removed: the ASCII of a UTF-16 file then reads as it would in UTF-8.
    return bool(SAYS_READY.search(data.decode("utf-8", "replace").replace("\x00", "")))


def load_issue(path: Path, config: Config) -> tuple[Issue | None, list[Problem]]:
    """Read one issue file; return the Issue, or None and every problem found in it."""
    read = read_issue_file(path, config)
    return read.issue, read.problems


def load_issues(paths: Iterable[Path], config: Config) -> tuple[list[Issue], list[Problem]]:
    """Read many issue files, collecting every problem; issues come back oldest first."""
    files = [read_issue_file(path, config) for path in paths]
    problems = [p for f in files for p in f.problems]
    issues, slug_problems = _unique_slugs([f for f in files if f.issue])
    return issues, problems + slug_problems


def load_project_issues(config: Config, paths: Iterable[Path] | None = None) -> list[Issue]:
    """Every issue of the project (or of `paths`), or ProblemsError listing all mistakes."""
    issues, problems = load_issues(issue_paths(config) if paths is None else paths, config)
    if problems:
        raise ProblemsError(problems)
    return issues


def ready_issues(config: Config) -> list[Issue]:
    """The issues to publish, oldest first. A draft still being written (even one that is
    not YAML yet) does not stop them: it is skipped with a warning. A mistake in an issue
    meant to go out is an error, and so is a slug two of them share."""
    files = [read_issue_file(path, config) for path in issue_paths(config)]
    ready = [f for f in files if f.declared_ready]
    problems = [p for f in ready for p in f.problems]
    for draft in (f for f in files if f.problems and not f.declared_ready):
        log.warning(
            "skipped the draft %s (%s; `newsletter validate` lists them)",
            display_path(draft.path),
            plural(len(draft.problems), "problem"),
        )
    issues, slug_problems = _unique_slugs([f for f in ready if f.issue])
    if problems or slug_problems:
        raise ProblemsError(problems + slug_problems)
    return issues


def find_issue(config: Config, name: str | None) -> Issue:
    """The issue named by a path or slug; the newest ready one when no name is given.
    A named issue whose slug a ready issue has too is refused: its files would replace
    that issue's."""
    if name is None:
        ready = ready_issues(config)
        if not ready:
            raise NewsletterError(
                f"no issue in {display_path(config.issues_dir)}/ has 'status: ready' yet"
            )
        return ready[-1]
    path = issue_file(config, name)
    named = read_issue_file(path, config)
    if named.problems or named.issue is None:
        raise ProblemsError(named.problems)
    slug = named.issue.slug
    others = [read_issue_file(p, config) for p in issue_paths(config) if not p.samefile(path)]
    taken = [f for f in others if f.issue and f.issue.is_ready and f.issue.slug == slug]
    if taken:
        raise ProblemsError(_slug_taken(*sorted((f, named), key=_path_order)) for f in taken)
    return named.issue


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


def _unique_slugs(files: list[IssueFile]) -> tuple[list[Issue], list[Problem]]:
    """The valid issues with a slug of their own, oldest first, and a problem for each other."""
    unique, problems, owners = [], [], {}
    for read in sorted(files, key=_path_order):
        issue = read.issue
        if issue.slug in owners:
            problems.append(_slug_taken(owners[issue.slug], read))
            continue
        owners[issue.slug] = read
        unique.append(issue)
    return sorted(unique, key=lambda i: (i.date, i.slug)), problems


def _slug_taken(first: IssueFile, second: IssueFile) -> Problem:
    """Two issues share a slug: blame the `slug:` line that made it so (the later file's
    when both have one), or the later file when both take it from their file names."""
    blamed, other = (first, second) if first.slug_at and not second.slug_at else (second, first)
    slug = blamed.issue.slug
    source = f"set on its line {other.slug_at[0]}" if other.slug_at else "from its file name"
    own = "" if blamed.slug_at else " (from the file name)"
    message = f"slug '{slug}'{own} is already the slug of {display_path(other.path)} ({source})"
    line, col = blamed.slug_at or (None, None)
    return Problem(display_path(blamed.path), line, col, message)


def _path_order(read: IssueFile) -> str:
    return str(read.path)


def _all_languages(config: Config) -> set[str]:
    """What an entry's `language` may be: a language Babel knows, written as BCP 47 does
    (`zh-Hant`, as HTML's lang takes it) or as Babel does (`zh_Hant`), or its base (`zh`)."""
    from babel.localedata import locale_identifiers

    known = locale_identifiers()
    return {
        *config.languages,
        *known,
        *(code.replace("_", "-") for code in known),
        *(base_language(code) for code in known),
    }


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
