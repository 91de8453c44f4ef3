"""Words and dates per edition language: the templates' label table and Babel's formats."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date

from newsletter.config import toml_syntax_problem
from newsletter.core import (
    Problem,
    ProblemsError,
    babel_locale,
    format_month,  # one rule, shared with `new`
    language_fallbacks,
)
from newsletter.issues import EntryDate

LABELS_FILE = "labels.toml"
FALLBACK_LANGUAGE = "en"  # a language missing from labels.toml borrows these words


def format_entry_date(date: EntryDate, language: str) -> str:
    """`July 5, 2013` / `2013年7月5日`; a month-only date stays month-only: `July 2013`."""
    if date.day is None:
        return format_month(date.first_day, language)
    return format_date(date.first_day, "long", locale=babel_locale(language))


@lru_cache(maxsize=64)
def language_name(code: str, in_language: str | None = None) -> str:
    """`日本語` (a language's own name), or its name in another language: `Japanese`."""
    locale = babel_locale(code)
    if in_language is None:
        return locale.get_display_name(locale) or code
    return locale.get_display_name(babel_locale(in_language)) or code


@lru_cache(maxsize=64)
def text_direction(code: str) -> str:
    return "rtl" if babel_locale(code).character_order == "right-to-left" else "ltr"


def load_labels(path: Path, shown: str | None = None) -> dict[str, dict[str, str]]:
    """Read the per-language label table; a mistake is reported as `templates/labels.toml`."""
    shown = shown or str(path)
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ProblemsError([Problem(shown, None, None, f"cannot read: {exc.strerror}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProblemsError([toml_syntax_problem(shown, exc)]) from None
    for language, table in tables.items():
        if not isinstance(table, dict):
            raise ProblemsError(
                [Problem(shown, None, None, f"'{language}' must be a table such as [{language}]")]
            )
    return {language: {k: str(v) for k, v in table.items()} for language, table in tables.items()}


def labels_for(tables: dict[str, dict[str, str]], language: str) -> dict[str, str]:
    """The edition's words, each missing one taken from the fallback language's table."""
    labels: dict[str, str] = {}
    for code in reversed(language_fallbacks(language, FALLBACK_LANGUAGE)):
        labels.update(tables.get(code, {}))
    return labels
