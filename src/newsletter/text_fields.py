"""What a subscriber's text fields may hold, and CSV cells a spreadsheet will not run.

A name or a consent source is one line of text: a line break in it breaks `subscribers
list`, and later the mail header built from the name. No field holds other control
characters (PostgreSQL refuses NUL in text, and none has a use in a name or a note).
Custom columns may hold line breaks and tabs: a postal address spans lines.

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a formula
(OWASP "CSV injection"), so files we write prefix such cells with an apostrophe, which a
spreadsheet shows as nothing but the text, and reading takes it off again.
"""

from __future__ import annotations

import re

LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits on
NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # Unicode Cc, and Zl, Zp
NOT_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Cc but tab, LF, CR
# A formula's first character, after any apostrophes of earlier escaping (kept reversible).
FORMULA = re.compile(r"'*[=+\-@\t\r]")


def one_line_problem(text: str) -> str | None:
    """Why `text` cannot be a name or a source ("has a line break"), or None."""
    found = NOT_ONE_LINE.search(text)
    return _describe(found.group()) if found else None


def multiline_problem(text: str) -> str | None:
    """Why `text` cannot be a custom column's value, or None."""
    found = NOT_MULTILINE.search(text)
    return _describe(found.group()) if found else None


def _describe(character: str) -> str:
    if character in LINE_BREAKS:
        return "has a line break"
    if character == "\t":
        return "has a tab"
    return f"has a control character (U+{ord(character):04X})"


def escape_cell(value: str) -> str:
    """The value as written to a CSV file: with a ' before anything a spreadsheet would run."""
    return "'" + value if FORMULA.match(value) else value


def unescape_cell(value: str) -> str:
    """The inverse of escape_cell, for cells read from a CSV file."""
    return value[1:] if value.startswith("'") and FORMULA.match(value, 1) else value
