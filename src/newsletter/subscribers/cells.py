"""CSV cells a spreadsheet will not run.

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a formula
(OWASP "CSV injection"), so files we write prefix such cells with an apostrophe, which a
spreadsheet shows as nothing but the text, and reading takes it off again.
"""

from __future__ import annotations

import re

# A formula's first character, after any apostrophes of earlier escaping (kept reversible).
FORMULA = re.compile(r"'*[=+\-@\t\r]")


def escape_cell(value: str) -> str:
    """The value as written to a CSV file: with a ' before anything a spreadsheet would run."""
    return "'" + value if FORMULA.match(value) else value


def unescape_cell(value: str) -> str:
    """The inverse of escape_cell, for cells read from a CSV file."""
    return value[1:] if value.startswith("'") and FORMULA.match(value, 1) else value
