"""Reading `newsletter.toml`, overridden by NEWSLETTER_<SECTION>_<KEY>.

Secrets are read only from the environment. The environment is passed in (never read at
import time) so that tests can hand over a plain dict.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import get_origin

from pydantic import ValidationError

from newsletter.core import (
    LIST_IN_YAML,
    NewsletterError,
    Problem,
    ProblemsError,
    display_path,
    problems_from,
)

from .database_url import has_password
from .project import Config
from .settings import SECRET_VARIABLES, Settings
from .variables import ENV_PREFIX, setting_variable

CONFIG_FILE = "newsletter.toml"


def find_project(start: Path) -> Path:
    """The nearest folder at or above `start` holding newsletter.toml (as git finds .git)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise NewsletterError(
        f"no {CONFIG_FILE} in {start} or any folder above it; "
        "run `newsletter init DIR` to make a project, or pass --project DIR"
    )


def load_config(project_dir: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate the project's newsletter.toml; raise ProblemsError on mistakes."""
    environ = os.environ if environ is None else environ
    path = project_dir / CONFIG_FILE
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise NewsletterError(f"{shown}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise NewsletterError(f"{shown}: is not UTF-8 text ({exc.reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProblemsError([toml_syntax_problem(shown, exc)], "config file") from None
    locator = _TomlLocator(shown, text)
    problems = [locator(loc, msg, key=True) for loc, msg in _secrets_in_file(data)]
    from_env = _apply_environment(data, environ)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems += [_in_toml_words(p, from_env) for p in problems_from(exc, Settings, locator)]
    if problems:
        raise ProblemsError(problems, "config file")
    return Config(settings, project_dir, environ)


def toml_syntax_problem(shown: str, exc: tomllib.TOMLDecodeError) -> Problem:
    match = re.search(r"^(.*) \(at line (\d+), column (\d+)\)$", str(exc))
    if not match:
        return Problem(shown, None, None, f"TOML syntax error: {exc}")
    message, line, col = match.groups()
    return Problem(shown, int(line), int(col), f"TOML syntax error: {message}")


def _secrets_in_file(data: dict) -> list[tuple[tuple[str, ...], str]]:
    """Secret keys written in the file, in any section: reported, then dropped."""
    found = []
    for variable, key in SECRET_VARIABLES.items():
        for section, table in data.items():
            if isinstance(table, dict) and key in table:
                message = f"secrets are not read from files: remove '{key}' and set {variable}"
                found.append(((section, key), message))
                del table[key]
    database = data.get("database")
    if isinstance(database, dict) and has_password(str(database.get("url", ""))):
        message = f"put the database URL with its password in {ENV_PREFIX}DATABASE_URL"
        found.append((("database", "url"), f"secrets are not read from files: {message}"))
        del database["url"]
    return found


def _apply_environment(data: dict, environ: Mapping[str, str]) -> dict[tuple, str]:
    """Overlay NEWSLETTER_<SECTION>_<KEY> variables; return which locations they set."""
    applied = {}
    for section_name, field in Settings.model_fields.items():
        for key, key_field in field.annotation.model_fields.items():
            variable = setting_variable(section_name, key)
            if variable not in environ:
                continue
            value: object = environ[variable]
            if get_origin(key_field.annotation) is list:  # languages, editors' addresses
                value = _env_list(str(value))
            table = data.setdefault(section_name, {})
            if isinstance(table, dict):  # else validation reports the section itself
                table[key] = value
            applied[(section_name, key)] = variable
    return applied


def _env_list(value: str) -> list[str] | str:
    """`en,ja`; or the list as newsletter.toml writes it, `["en", "ja"]`, copied from there
    (left as it is when it is not one: validation then says it is not a list)."""
    if value.lstrip().startswith("["):
        try:
            return [str(item).strip() for item in tomllib.loads(f"value = {value}")["value"]]
        except tomllib.TOMLDecodeError:
            return value
    return [part.strip() for part in value.split(",") if part.strip()]


def _in_toml_words(problem: Problem, from_env: dict[tuple, str]) -> Problem:
    """The problem at the variable that set the value, if one did; a list said as
    newsletter.toml writes one, or a variable (not as an issue's YAML does)."""
    problem = _from_env(problem, from_env)
    from_variable = problem.path.startswith("environment variable")
    written = 'a,b or ["a", "b"]' if from_variable else '["a", "b"]'
    message = problem.message.replace(LIST_IN_YAML, f"must be a list: {written}")
    return Problem(problem.path, problem.line, problem.col, message)


def _from_env(problem: Problem, from_env: dict[tuple, str]) -> Problem:
    for (section, key), variable in from_env.items():
        if re.match(rf"{section}\.{key}[:\[]", problem.message):
            message = problem.message.split(": ", 1)[1]
            return Problem(f"environment variable {variable}", None, None, message)
    return problem


class _TomlLocator:
    """Finds the line of `[section]` / `key = ...` in the TOML text (tomllib keeps no marks)."""

    def __init__(self, shown: str, text: str):
        self.shown = shown
        self.positions: dict[tuple, tuple[int, int]] = {}
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if header := re.match(r"^\[\s*([A-Za-z0-9_.\-]+)\s*\]", stripped):
                table = tuple(header.group(1).split("."))
                self.positions.setdefault(table, (number, line.index("[") + 1))
            elif key := re.match(r"^\s*([A-Za-z0-9_\-]+)\s*=", line):
                self.positions.setdefault((*table, key.group(1)), (number, key.start(1) + 1))

    def __call__(self, loc: tuple, message: str, *, key: bool = False) -> Problem:
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.positions:
                return Problem(self.shown, *self.positions[loc[:end]], message)
        return Problem(self.shown, None, None, message)
