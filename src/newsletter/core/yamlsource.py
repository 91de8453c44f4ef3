"""Load YAML keeping where every key and value came from, and refusing duplicate keys.

PyYAML's composer gives nodes with marks; we build plain Python data from them ourselves so
that (a) a duplicate key is an error instead of silently keeping the last value, (b) a
schema error at any path can be traced back to a line and column, and (c) a message can quote
a value as the editor typed it (`No`, not False) and say what YAML read it as.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .encoding import read_utf8
from .errors import Problem
from .scalarlines import line_in_scalar
from .yamlsyntax import QUOTE_IT, syntax_problem

try:  # libyaml is much faster when present; the pure-Python loader behaves the same.
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_NULL, _BOOL = "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"
_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_GUESSED = (_NULL, _BOOL, _INT, _FLOAT)  # types YAML gives plain text that looks like them
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Scalar:
    """A scalar as the editor wrote it, and the type YAML gave it."""

    text: str  # as written (for a quoted or block scalar: its content)
    tag: str
    plain: bool  # not quoted, not a | or > block: YAML guesses its type

    @property
    def is_empty(self) -> bool:
        """Nothing written after the key (`title:`)."""
        return self.plain and not self.text and self.tag == _NULL

    @property
    def read_as(self) -> str | None:
        """What YAML read plain text as instead of text ('a number in base 60 (750)'), or
        None when it is text (or nothing was written)."""
        if not self.plain or not self.text or self.tag not in _GUESSED:
            return None
        value = _construct(yaml.ScalarNode(self.tag, self.text))
        if self.tag == _NULL:
            return "no value"
        if self.tag == _BOOL:
            return "true/false (yes/no)"
        unsigned = self.text.lstrip("+-").replace("_", "")
        if self.tag == _FLOAT and value != value:
            return "not-a-number"
        if self.tag == _FLOAT and value in (float("inf"), float("-inf")):
            return "infinity" if value > 0 else "minus infinity"
        kind = "a number"
        if ":" in unsigned:
            kind = "a number in base 60"
        elif unsigned.startswith(("0x", "0X")):
            kind = "a hexadecimal number"
        elif unsigned.startswith(("0b", "0B")):
            kind = "a binary number"
        elif self.tag == _INT and len(unsigned) > 1 and unsigned.startswith("0"):
            kind = "an octal number"
        return kind if str(value) == self.text else f"{kind} ({value})"


@dataclass
class Document:
    """Plain data from a YAML file, with a 1-based (line, col) for each key and value, and
    each scalar as written."""

    path: str
    data: Any
    value_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    scalars: dict[Loc, Scalar] = field(default_factory=dict)
    text: str = ""  # the file as read
    spans: dict[Loc, tuple[int, int]] = field(default_factory=dict)  # each scalar, in text

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Where `loc` is written, or where its nearest written parent is."""
        marks = self.key_marks if key else self.value_marks
        if loc in marks:
            return marks[loc]
        for end in range(len(loc) - 1, -1, -1):
            if loc[:end] in self.value_marks:
                return self.value_marks[loc[:end]]
        return (1, 1)

    def problem(
        self, loc: Loc, message: str, *, key: bool = False, within: tuple[int, str] | None = None
    ) -> Problem:
        """A problem at `loc`; `within`: (a line of its text, counting from 0, and a piece
        written on it) for a mistake inside a long text, at that line of the file."""
        line, col = self.position(loc, key=key)
        if within and loc in self.spans:
            line, col = line_in_scalar(self.text, self.spans[loc], (line, col), *within)
        return Problem(self.path, line, col, message)

    def written(self, loc: Loc) -> Scalar | None:
        """The scalar at `loc` as the editor wrote it, if `loc` is a scalar."""
        return self.scalars.get(loc)

    def alias(self, old: Loc, new: Loc) -> None:
        """Make what is written under `old` also found under `new` (a key read as another)."""
        for table in (self.value_marks, self.key_marks, self.scalars, self.spans):
            for loc, found in list(table.items()):
                if loc[: len(old)] == old:
                    table[(*new, *loc[len(old) :])] = found


def load_yaml(path: Path, display: str | None = None) -> tuple[Document | None, list[Problem]]:
    """Read a YAML file into a Document, or say why it cannot be read."""
    shown = display or str(path)
    text, problem = read_utf8(path, shown)
    if problem:
        return None, [problem]
    return parse_yaml(text, shown)


def parse_yaml(text: str, display: str) -> tuple[Document | None, list[Problem]]:
    root, problems = compose(text, display)
    if problems:
        return None, problems
    doc = Document(display, None, text=text)
    if root is not None:
        doc.data = _build(root, (), doc, problems)
    return doc, problems


def compose(text: str, display: str) -> tuple[yaml.Node | None, list[Problem]]:
    """The text's YAML as nodes, whose values are the text as written (no types guessed),
    or the syntax error in an editor's words at its line."""
    try:
        return yaml.compose(text, Loader=_Loader), []
    except yaml.MarkedYAMLError as exc:
        return None, [syntax_problem(display, exc, text)]
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"a character YAML does not allow: U+{code:04X} (a control character)"
        return None, [Problem(display, line, col, message)]
    except yaml.YAMLError as exc:
        return None, [Problem(display, None, None, f"YAML error: {exc}")]


def _build(node: yaml.Node, loc: Loc, doc: Document, problems: list[Problem]) -> Any:
    doc.value_marks[loc] = _position(node)
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, loc, doc, problems)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), doc, problems) for i, item in enumerate(node.value)]
    doc.scalars[loc] = Scalar(node.value, node.tag, plain=not node.style)
    doc.spans[loc] = (node.start_mark.index, node.end_mark.index)
    return _scalar(node, doc, problems)


def _build_mapping(node: yaml.MappingNode, loc: Loc, doc: Document, problems: list[Problem]):
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        # A key is a name as written: `no:` is Norwegian's language code, not false.
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
        where = _position(key_node)
        if not key.strip():
            problems.append(Problem(doc.path, *where, "a key must be a plain word"))
            continue
        if key in result:
            first = doc.key_marks[(*loc, key)][0]
            problems.append(
                Problem(doc.path, *where, f"duplicate key '{key}' (first given on line {first})")
            )
            continue
        doc.key_marks[(*loc, key)] = where
        result[key] = _build(value_node, (*loc, key), doc, problems)
    return result


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _scalar(node: yaml.ScalarNode, doc: Document, problems: list[Problem]) -> Any:
    # Dates stay text: the schema parses them and reports impossible ones with their position.
    if node.tag == _TIMESTAMP:
        return node.value
    try:
        return _construct(node)
    except (yaml.YAMLError, ValueError) as exc:
        if node.tag.startswith("!"):
            message = f"a value cannot start with '!' (YAML reads {node.tag} as a tag): {QUOTE_IT}"
        else:
            message = f"invalid value '{node.value}': {exc}"
        problems.append(Problem(doc.path, *_position(node), message))
        return node.value


_constructor = yaml.SafeLoader("")


def _construct(node: yaml.ScalarNode) -> Any:
    # The tag's constructor called directly: construct_object would keep every node it saw.
    constructors = _constructor.yaml_constructors
    return constructors.get(node.tag, constructors[None])(_constructor, node)
