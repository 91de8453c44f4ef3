"""YAML syntax errors in an editor's words, at the line where the mistake is.

PyYAML says where its parser gave up, in the parser's terms: a missing ':' is "could not find
expected ':'" on the NEXT line, a tab is "found character that cannot start any token". So
each explanation below looks at the source text around PyYAML's marks to say what the editor
did, where they did it. libyaml (CSafeLoader) and the pure-Python loader word the same errors
differently; the explanations match only words both use, and the text itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

from .errors import Problem

# A key as editors write them: `title`, `ja`, `consented_at` (not a quoted or flow value).
_KEY = r"[^\s:#'\"{}\[\],&*!|>%@`-][^\s:]*"
KEY_LINE = re.compile(rf"^(?P<indent> *)(?P<dash>- +)?(?P<key>{_KEY}) *(?P<colon>:)(?:\s|$)")
GLUED = re.compile(rf"^ *(- +)?(?P<key>{_KEY}):(?P<value>\S.*)$")  # `title:One`
NO_COLON = re.compile(rf"^ *(- +)?(?P<key>{_KEY})(?: +(?P<value>[^\s:].*?))? *$")  # `date 2026`
QUOTE_IT = "put the whole value in quotes"

Where = tuple[int, int, str]  # 0-based line and column, and the message


def syntax_problem(display: str, exc: yaml.MarkedYAMLError, text: str) -> Problem:
    """The syntax error `exc` found in `text`, said in an editor's words at its line."""
    lines = [line.rstrip("\r") for line in text.split("\n")]
    said = f"{exc.context or ''}: {exc.problem or ''}"
    for explain in EXPLANATIONS:
        found = explain(exc, said, lines)
        if found:
            line, col, message = found
            return Problem(display, line + 1, col + 1, message)
    mark = exc.problem_mark or exc.context_mark
    words = "; ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
    line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
    return Problem(display, line, col, f"YAML syntax error: {words}")


def _tab(exc: yaml.MarkedYAMLError, said: str, lines: list[str]) -> Where | None:
    mark = exc.problem_mark
    if not mark:
        return None
    here = _line(lines, mark.line)
    if "tab" not in said and here[mark.column : mark.column + 1] != "\t":
        return None
    for number in range(mark.line, -1, -1):  # the tab is on the line, or on one above it
        if "\t" in lines[number]:
            message = "a tab: YAML does not allow tabs for indentation; indent with spaces"
            return number, lines[number].index("\t"), message
    return None


def _missing_colon(exc: yaml.MarkedYAMLError, said: str, lines: list[str]) -> Where | None:
    # The key began at the context mark; the parser looked for its ':' until the next line.
    if "could not find expected ':'" not in said or not exc.context_mark:
        return None
    number = exc.context_mark.line
    return _no_colon_on(number, lines) or (
        number,
        exc.context_mark.column,
        "a ':' is missing after the key on this line",
    )


def _no_colon_on(number: int, lines: list[str]) -> Where | None:
    words = NO_COLON.match(_line(lines, number))
    if not words:
        return None
    key, value = words["key"], words["value"]
    written = f"{key}: {value}" if value else f"{key}:"
    return number, words.end("key"), f"missing ':' after '{key}' (write '{written}')"


def _colon(exc: yaml.MarkedYAMLError, said: str, lines: list[str]) -> Where | None:
    if "mapping values are not allowed" not in said or not exc.problem_mark:
        return None
    number, col = exc.problem_mark.line, exc.problem_mark.column
    key = KEY_LINE.match(_line(lines, number))
    previous = _previous(lines, number)
    if key and key.start("colon") == col and previous is not None:
        # A key at the start of its line: the value before it ran on into this line.
        found = _runs_on(number, key, previous, lines)
        if found:
            return found
    return number, col, _quote_advice(_line(lines, number))


def _runs_on(number: int, key: re.Match, previous: int, lines: list[str]) -> Where | None:
    """Why the line above `number` did not end where the editor meant it to."""
    above = _line(lines, previous)
    glued = GLUED.match(above)
    if glued:
        fix = f"write '{glued['key']}: {glued['value']}'"
        return previous, glued.end("key"), f"'{glued['key']}:' needs a space after the ':' ({fix})"
    if not KEY_LINE.match(above):
        start = _previous(lines, previous)
        opener = KEY_LINE.match(_line(lines, start)) if start is not None else None
        if opener and _value_after(opener) and not above.lstrip().startswith("-"):
            # `intro: text` continued on the next lines, then `key:` inside it.
            name, first = key["key"], opener["key"]
            message = (
                f"'{name}:' is inside the value of '{first}' (line {start + 1}): if '{name}' is "
                f"a key, line it up with '{first}'; if not, {QUOTE_IT}"
            )
            return number, key.start("key"), message
        return _no_colon_on(previous, lines)
    parent = KEY_LINE.match(above)
    if key.start("key") > parent.start("key"):
        return number, key.start("key"), _off(key, number, parent, previous)
    return None


def _value_after(key: re.Match) -> str:
    rest = key.string[key.end() :].split(" #")[0].strip()
    return "" if rest in ("|", ">", "|-", ">-", "|+", ">+") else rest


def _quote_advice(line: str) -> str:
    key = KEY_LINE.match(line)
    value = _value_after(key) if key else ""
    if not value or (value[0] in "'\"" and value[-1] == value[0]):
        return f"a ': ' inside a value: {QUOTE_IT}"
    quoted = f'"{value}"' if '"' not in value else "'{}'".format(value.replace("'", "''"))
    return f"a ': ' inside a value: {QUOTE_IT} ({key['key']}: {quoted})"


def _off(key: re.Match, number: int, other: re.Match, other_number: int) -> str:
    return (
        f"the indentation of '{key['key']}' is off: it starts in column {key.start('key') + 1}, "
        f"but '{other['key']}' on line {other_number + 1} starts in column "
        f"{other.start('key') + 1}; the keys of one mapping start in the same column"
    )


def _misplaced(exc: yaml.MarkedYAMLError, said: str, lines: list[str]) -> Where | None:
    """A block that ends too early: the indentation is off, or text follows a whole value."""
    ends = ("did not find expected key", "expected '-' indicator", "expected <block end>")
    if not any(words in said for words in ends) or not exc.problem_mark:
        return None
    number, col = exc.problem_mark.line, exc.problem_mark.column
    here = _line(lines, number)
    if here[:col].strip():
        return _quote_left_open(lines, number, col) or (number, col, _text_after_value(here))
    if here[col:].startswith("-"):
        return _list_item_off(number, col, lines)
    key = KEY_LINE.match(here)
    previous = _previous(lines, number)
    other = KEY_LINE.match(_line(lines, previous)) if previous is not None else None
    if key and other and key.start("key") != other.start("key"):
        return number, col, _off(key, number, other, previous)
    return None


def _quote_left_open(lines: list[str], number: int, col: int) -> Where | None:
    """A quote never closed on its line runs the value on to the next such quote, lines
    below, where YAML then finds text after it: the first quote on the problem's line, if
    it closes a value (an odd number of them before the problem), ends a value begun above,
    at the nearest value that opens with that quote and does not close it on its line.
    The mistake is there, so it is said there."""
    before = _line(lines, number)[:col]
    quotes = [c for c in before if c in "'\""]
    if not quotes or _quote_count(before, quotes[0]) % 2 == 0:
        return None
    quote = quotes[0]
    for above in range(number - 1, -1, -1):
        line = lines[above]
        key = KEY_LINE.match(line)
        start = key.end() if key else len(line) - len(line.lstrip(" -"))
        value = line[start:].lstrip()
        if value[:1] == quote and _quote_count(value, quote) % 2:
            where = line.index(quote, start)
            message = (
                f"the quote {quote} here is never closed on its line, so the value runs on "
                f"to the {quote} on line {number + 1}: end it with {quote}"
            )
            return above, where, message
    return None


def _quote_count(text: str, quote: str) -> int:
    """Quotes that open or close: not \\" inside "...", nor the '' that is a ' inside '...'."""
    escaped = '\\"' if quote == '"' else "''"
    return text.replace(escaped, "").count(quote)


def _text_after_value(line: str) -> str:
    key = KEY_LINE.match(line)
    value = line[key.end() :].strip() if key else line.strip().removeprefix("- ")
    if value[:1] in ("'", '"'):
        return (
            f"text after the closing quote: a value that starts with {value[0]} must end "
            f"with it; {QUOTE_IT} with the other kind of quote, or write '' for a ' inside '...'"
        )
    if value[:1] in ("[", "{"):
        kind = "a list" if value[0] == "[" else "a mapping"
        return f"a value that starts with '{value[0]}' is read as {kind}: {QUOTE_IT}"
    return f"unexpected text after the value: {QUOTE_IT}"


def _list_item_off(number: int, col: int, lines: list[str]) -> Where:
    for above in range(number - 1, -1, -1):
        other = _line(lines, above)
        dash = len(other) - len(other.lstrip(" "))
        if other[dash:].startswith("- ") and dash != col:
            message = (
                f"the indentation of this list item is off: it starts in column {col + 1}, "
                f"but the item on line {above + 1} starts in column {dash + 1}; the items of "
                "one list start in the same column"
            )
            return number, col, message
    message = (
        "a list item ('- ') among the keys of a mapping: indent it under a key, or give it a key"
    )
    return number, col, message


def _flow(exc: yaml.MarkedYAMLError, said: str, lines: list[str]) -> Where | None:
    opened = exc.context_mark
    if "flow" not in said or not opened or not exc.problem_mark:
        return None
    bracket = _line(lines, opened.line)[opened.column : opened.column + 1] or "["
    closing = {"[": "]", "{": "}"}.get(bracket, "]")
    if exc.problem_mark.line == opened.line:
        message = (
            f"a ',' is missing between two items of the '{bracket}...{closing}' "
            f"(or, if the '{bracket}' is text, {QUOTE_IT})"
        )
        return exc.problem_mark.line, exc.problem_mark.column, message
    message = (
        f"the '{bracket}' here is never closed: end it with '{closing}' "
        f"(or, if the '{bracket}' is text, {QUOTE_IT})"
    )
    return opened.line, opened.column, message


def _quoted(exc: yaml.MarkedYAMLError, said: str, lines: list[str]) -> Where | None:
    opened = exc.context_mark
    if "quoted scalar" not in said or not opened or not exc.problem_mark:
        return None
    if "escape" in said:
        line = _line(lines, exc.problem_mark.line)
        at = line.rfind("\\", 0, exc.problem_mark.column + 1)
        at = at if at >= 0 else exc.problem_mark.column
        escape = line[at : at + 2]
        message = (
            f"'{escape}' inside \"...\" is not an escape YAML knows: write \\\\ for a "
            "backslash, or use single quotes"
        )
        return exc.problem_mark.line, at, message
    quote = _line(lines, opened.line)[opened.column : opened.column + 1] or '"'
    return opened.line, opened.column, f"the quote {quote} here is never closed"


def _special_start(exc: yaml.MarkedYAMLError, said: str, lines: list[str]) -> Where | None:
    """A value starting with a character YAML reserves (*, &, @, `, %)."""
    if "alias" in said or "anchor" in said:
        mark = exc.context_mark if "while scanning" in said else exc.problem_mark
        meaning = "an alias" if "alias" in said else "an anchor"
    elif "cannot start any token" in said:
        mark, meaning = exc.problem_mark, None
    elif "directive" in said:
        mark, meaning = exc.context_mark, "a directive"
    else:
        return None
    if not mark:
        return None
    char = _line(lines, mark.line)[mark.column : mark.column + 1]
    why = f" (YAML reads it as {meaning})" if meaning else ""
    return mark.line, mark.column, f"a value cannot start with '{char}'{why}: {QUOTE_IT}"


def _other_shapes(exc: yaml.MarkedYAMLError, said: str, lines: list[str]) -> Where | None:
    mark = exc.problem_mark
    if not mark:
        return None
    if "single document" in said:
        message = "'---' starts a second document, but the file holds one: remove it"
        return mark.line, mark.column, message
    if "block scalar" in said:
        message = "after '|' or '>' the line must end: the text goes on the lines below, indented"
        return mark.line, mark.column, message
    return None


def _line(lines: list[str], number: int) -> str:
    return lines[number] if 0 <= number < len(lines) else ""


def _previous(lines: list[str], number: int) -> int | None:
    """The nearest line above `number` that holds something other than a comment."""
    for above in range(number - 1, -1, -1):
        content = lines[above].strip()
        if content and not content.startswith("#"):
            return above
    return None


EXPLANATIONS: list[Callable[[yaml.MarkedYAMLError, str, list[str]], Where | None]] = [
    _tab,
    _missing_colon,
    _colon,
    _misplaced,
    _flow,
    _quoted,
    _special_start,
    _other_shapes,
]
