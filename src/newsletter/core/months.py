"""How each language writes an issue's month (`May 2013`, `2013年5月`): one rule for the
rendered issue, the archive and the title `newsletter new` proposes."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_skeleton

from .fields import babel_locale


def format_month(day: dt.date, language: str) -> str:
    """The month an issue belongs to: `May 2013` / `2013年5月`."""
    return format_skeleton("yMMMM", day, locale=babel_locale(language))
