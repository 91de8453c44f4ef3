"""Text rules every stage shares: what one line of text is, and how wide text is on screen.

A title, a subject, a name or a consent source is one line: a line break in it would start
another mail header, break `subscribers list`, or split a CSV row. No single-line field holds
any other control character either (PostgreSQL refuses NUL, and none has a use in a name).
Multi-line fields (a postal address, a custom column) may hold line breaks and tabs.
"""

from __future__ import annotations

import re
import unicodedata

LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits on
NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # Unicode Cc, and Zl, Zp
NOT_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Cc but tab, LF, CR
HAS_LINE_BREAK = "has a line break"


def on_terminal(text: str) -> str:
    """`text` as a terminal may show it: an invisible character that changes how the rest of
    a line shows (a right-to-left override, U+202E; any format or control character, or a
    line or paragraph separator) written as Python writes it, `\\u202e`."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        ascii(c)[1:-1] if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text
    )


def one_line_problem(text: str) -> str | None:
    """Why `text` cannot be a single-line field ("has a line break"), or None."""
    found = NOT_ONE_LINE.search(text)
    return _describe(found.group()) if found else None


def multiline_problem(text: str) -> str | None:
    """Why `text` cannot be a multi-line field's value, or None."""
    found = NOT_MULTILINE.search(text)
    return _describe(found.group()) if found else None


def _describe(character: str) -> str:
    if character in LINE_BREAKS:
        return HAS_LINE_BREAK
    if character == "\t":
        return "has a tab"
    return f"has a control character (U+{ord(character):04X})"


def width(text: str) -> int:
    """Terminal columns: wide and full-width characters (Japanese, Chinese) take two."""
    if text.isascii():
        return len(text)
    return sum(2 if is_wide(c) else 1 for c in text)


def is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"
