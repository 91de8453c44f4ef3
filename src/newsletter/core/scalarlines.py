"""Where a line of a text value stands in its YAML file: a mistake inside a long text (a
broken link on the fourth line of an `intro: |` block) is reported at its own line."""

from __future__ import annotations

import re


def line_in_scalar(
    text: str, span: tuple[int, int], start: tuple[int, int], line: int, written: str
) -> tuple[int, int]:
    """The (line, col) in `text` of line `line` (0-based, counting the line breaks of the
    value) of the scalar written at text[span[0]:span[1]], which starts at `start`, found
    by `written`, a piece of that line; col is where that line's text begins, or `start`
    when it is the scalar's first line, or when the line cannot be told."""
    source = text[span[0] : span[1]]
    found = _offset(source, line, written)
    if found is None:
        return start
    number = start[0] + source.count("\n", 0, found)
    if number == start[0]:
        return start
    line_start = source.rfind("\n", 0, found) + 1
    indent = re.compile(r"[ \t]*").match(source, line_start).end() - line_start
    return number, indent + 1


def _offset(source: str, line: int, written: str) -> int | None:
    if source.startswith("|"):
        # A literal block keeps its lines as they are, after its header line.
        return _line_start(source, line + 1)
    # Elsewhere YAML folds single line breaks into spaces: what was written is on that
    # line of the value or further down; it may itself be folded over lines.
    pattern = r"\s+".join(re.escape(word) for word in written.split())
    if not pattern:
        return None
    after = _line_start(source, line + source.startswith(">")) or 0
    starts = [match.start() for match in re.finditer(pattern, source)]
    return next((at for at in starts if at >= after), starts[-1] if starts else None)


def _line_start(source: str, number: int) -> int | None:
    at = 0
    for _ in range(number):
        at = source.find("\n", at) + 1
        if at == 0:
            return None
    return at
