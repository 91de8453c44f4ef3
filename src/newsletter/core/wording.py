"""Words for messages: counts, paths as the user typed them, bad values quoted, suggestions."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def describe_value(value: Any) -> str:
    """A bad value as a message quotes it: 'text', 5, a list, a mapping."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value) if not isinstance(value, str) else f"'{value}'"


def closest(word: str, choices: list[str], cutoff: float = 0.6) -> str | None:
    """The one choice `word` is most likely a misspelling of, if any is close enough."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(word: str, choices: list[str]) -> str:
    """`; did you mean 'title'?`, or the choices when none is close."""
    close = closest(word, choices)
    return f"; did you mean '{close}'?" if close else f"; expected one of: {', '.join(choices)}"
