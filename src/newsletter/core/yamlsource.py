"""Load YAML keeping where every key and value came from, and refusing duplicate keys.

PyYAML's composer gives nodes with marks; we build plain Python data from them ourselves so
that (a) a duplicate key is an error instead of silently keeping the last value, and (b) a
schema error at any path can be traced back to a line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem

try:  # libyaml is much faster when present; the pure-Python loader behaves the same.
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
Loc = tuple[str | int, ...]


@dataclass
class Document:
    """Plain data from a YAML file, with a 1-based (line, col) for each key and value."""

    path: str
    data: Any
    value_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Where `loc` is written, or where its nearest written parent is."""
        marks = self.key_marks if key else self.value_marks
        if loc in marks:
            return marks[loc]
        for end in range(len(loc) - 1, -1, -1):
            if loc[:end] in self.value_marks:
                return self.value_marks[loc[:end]]
        return (1, 1)

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> Problem:
        line, col = self.position(loc, key=key)
        return Problem(self.path, line, col, message)


def load_yaml(path: Path, display: str | None = None) -> tuple[Document | None, list[Problem]]:
    """Read a YAML file into a Document, or say why it cannot be read."""
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(shown, None, None, f"cannot read file: {exc}")]
    return parse_yaml(text, shown)


def parse_yaml(text: str, display: str) -> tuple[Document | None, list[Problem]]:
    root, problems = compose(text, display)
    if problems:
        return None, problems
    doc = Document(display, None)
    if root is not None:
        doc.data = _build(root, (), doc, problems)
    return doc, problems


def compose(text: str, display: str) -> tuple[yaml.Node | None, list[Problem]]:
    """The text's YAML as nodes, whose values are the text as written (no types guessed),
    or the syntax error in an editor's words at its line."""
    try:
        return yaml.compose(text, Loader=_Loader), []
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(display, exc)]
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"a character YAML does not allow: U+{code:04X} (a control character)"
        return None, [Problem(display, line, col, message)]
    except yaml.YAMLError as exc:
        return None, [Problem(display, None, None, f"YAML error: {exc}")]


def _syntax_problem(display: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    message = exc.problem or "invalid YAML"
    if exc.context:
        message = f"{exc.context}: {message}" if exc.problem else exc.context
    if "mapping values are not allowed" in message:
        message += " (a ': ' inside a value: put the whole value in quotes)"
    line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
    return Problem(display, line, col, f"YAML syntax error: {message}")


def _build(node: yaml.Node, loc: Loc, doc: Document, problems: list[Problem]) -> Any:
    doc.value_marks[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, loc, doc, problems)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), doc, problems) for i, item in enumerate(node.value)]
    return _scalar(node, doc, problems)


def _build_mapping(node: yaml.MappingNode, loc: Loc, doc: Document, problems: list[Problem]):
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node, doc, problems) if isinstance(key_node, yaml.ScalarNode) else None
        where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        if not isinstance(key, str | int) or isinstance(key, bool):
            problems.append(Problem(doc.path, *where, "a key must be a plain word"))
            continue
        key = str(key)
        if key in result:
            first = doc.key_marks[(*loc, key)][0]
            problems.append(
                Problem(doc.path, *where, f"duplicate key '{key}' (first given on line {first})")
            )
            continue
        doc.key_marks[(*loc, key)] = where
        result[key] = _build(value_node, (*loc, key), doc, problems)
    return result


_constructor = yaml.SafeLoader("")


def _scalar(node: yaml.ScalarNode, doc: Document, problems: list[Problem]) -> Any:
    # Dates stay text: the schema parses them and reports impossible ones with their position.
    if node.tag == _TIMESTAMP:
        return node.value
    try:
        return _constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as exc:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        problems.append(Problem(doc.path, line, col, f"invalid value '{node.value}': {exc}"))
        return node.value
