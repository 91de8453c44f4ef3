"""`newsletter validate`: every check that can run without sending or writing anything."""

from __future__ import annotations

import tomllib
from pathlib import Path
from string import Template

from newsletter.config import Config
from newsletter.core import Problem, display_path
from newsletter.issues import ISSUE_SUFFIXES, Issue, issue_paths, load_issues
from newsletter.render import Renderer, check_theme, issue_warnings, theme_warnings

from .init import STARTER

FOLDER_NOT_ISSUE = "is a folder, not an issue file"


def validate_project(
    config: Config, paths: list[Path], *, weigh: bool = True
) -> tuple[list[Issue], list[Problem], list[str]]:
    """Check the issues (all, or `paths`) and the theme: the valid issues, every problem, and
    the warnings (which are shown whether or not there are problems). `weigh`: render the
    issues to warn of emails mail clients clip (`check` renders them itself)."""
    files, problems = _issue_files(config, paths)
    issues, found = load_issues(files, config)
    problems += found + check_theme(config)
    warnings = starter_values_left(config) + theme_warnings(config)
    if weigh and not problems:
        warnings += size_warnings(config, issues)
    return issues, problems, warnings


def size_warnings(config: Config, issues: list[Issue]) -> list[str]:
    """Editions that mail clients would clip, named by their issue file."""
    renderer = Renderer(config)
    return [
        f"{display_path(issue.source)}: {warning}"
        for issue in issues
        for warning in issue_warnings(renderer.render(issue))
    ]


def _issue_files(config: Config, paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    if not paths:
        folders = [p for p in config.issues_dir.glob("*") if p.suffix in ISSUE_SUFFIXES]
        return issue_paths(config), [
            Problem(display_path(p), None, None, FOLDER_NOT_ISSUE)
            for p in sorted(folders)
            if p.is_dir()
        ]
    files, problems = [], []
    for path in paths:
        if path.is_dir() and path.suffix in ISSUE_SUFFIXES:
            problems.append(
                Problem(display_path(path), None, None, "is a folder, not an issue file")
            )
        elif path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in ISSUE_SUFFIXES)
        elif path.name == "newsletter.toml":
            continue  # the config is always checked
        elif path.suffix not in ISSUE_SUFFIXES:
            message = "not an issue file: issues are .yaml files (the config is checked anyway)"
            problems.append(Problem(display_path(path), None, None, message))
        else:
            files.append(path)
    return files, problems


# Settings whose `newsletter init` value is a placeholder that must not reach subscribers.
PLACEHOLDER_SETTINGS = [
    ("newsletter", "base_url"),
    ("sender", "address"),
    ("sender", "reply_to"),
    ("sender", "postal_address"),
    ("sender", "contact_url"),
]


def starter_values_left(config: Config) -> list[str]:
    """Settings still holding `newsletter init`'s placeholders."""
    text = (STARTER / "newsletter.toml").read_text(encoding="utf-8")
    starter = tomllib.loads(Template(text).substitute(name='""'))
    return [
        f"newsletter.toml: {section}.{key} is still the example '{starter[section][key]}'"
        for section, key in PLACEHOLDER_SETTINGS
        if getattr(getattr(config.settings, section), key) == starter[section][key]
    ]
