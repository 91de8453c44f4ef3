"""Subscriber lists as files: CSV or YAML in, CSV out, each row with the line it starts on.

Reading streams the rows, so that a large list is never held twice in memory. Column names
are compared in lowercase with spaces and hyphens as underscores ("Consented At" is
`consented_at`). A UTF-8 byte order mark and Windows line endings are fine. Every value is
text as written: YAML's guessing of types (`No` as false, `0123` as 83, `12:30` as 750) is
not applied. Cells a spreadsheet would run as a formula are written with a ' before them,
taken off when read (cells.py). A file is written whole or not at all: into a
temporary file beside it, renamed when complete.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from newsletter.core import (
    NewsletterError,
    Problem,
    ProblemsError,
    compose_yaml,
    multiline_problem,
    read_utf8,
    utf8_problem,
)

from .cells import escape_cell, unescape_cell

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
YAML_SUFFIXES = (".yaml", ".yml")
SAVE_AS_UTF8 = "save the list as UTF-8 (Excel: CSV UTF-8)"


@dataclass(slots=True)
class Record:
    """One row: where it starts, its values by column name, and problems of its shape."""

    line: int
    values: dict[str, str]
    problems: list[str]
    extra: list[str] = field(default_factory=list)  # cells beyond the header's columns


@dataclass
class SubscriberFile:
    """An opened list: its columns (normalised, and as written) and a one-pass row iterator."""

    shown: str
    columns: list[str]
    headers: dict[str, str]  # normalised name -> as written, for the rejects file
    records: Iterator[Record]


def column_name(header: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(header).strip().lower())


def open_list(path: Path, shown: str) -> SubscriberFile:
    """Open a CSV or YAML subscriber list; ProblemsError when it cannot be read at all."""
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + YAML_SUFFIXES:
        raise ProblemsError(
            [Problem(shown, None, None, "not a subscriber list: name it .csv, .yaml or .yml")],
            "subscriber file",
        )
    if not path.is_file():
        raise ProblemsError([Problem(shown, None, None, "no such file")], "subscriber file")
    return _open_yaml(path, shown) if suffix in YAML_SUFFIXES else _open_csv(path, shown)


def _open_csv(path: Path, shown: str) -> SubscriberFile:
    stream = path.open(encoding="utf-8-sig", newline="")
    try:
        first = stream.readline()
        if "\x00" in first and utf8_problem(path.read_bytes(), shown):
            raise UnicodeError  # NULs between the letters: UTF-16 without a byte order mark
    except UnicodeError:
        stream.close()
        raise ProblemsError([_encoding_problem(path, shown)], "subscriber file") from None
    delimiter = max(",;\t", key=first.count) if first.strip() else ","
    stream.seek(0)
    reader = csv.reader(_decoded(stream, path, shown), delimiter=delimiter)
    header = [unescape_cell(cell) for cell in next(_read_csv(reader, shown), (1, []))[1]]
    problems, columns = _check_header(header, shown, 1)
    if problems:
        raise ProblemsError(problems, "subscriber file")
    headers = dict(zip(columns, [h.strip() for h in header], strict=True))
    return SubscriberFile(shown, columns, headers, _csv_records(reader, columns, shown))


def _read_csv(reader: Iterator[list[str]], shown: str) -> Iterator[tuple[int, list[str]]]:
    """The reader's rows, each with the line it starts on.

    A cell over the csv module's limit (128 KB) stops the reading with a Problem: such a
    cell is nearly always a stray " that opens a quoted value never closed, which runs on
    to the end of the file; past it the rows cannot be told apart.
    """
    while True:
        start = reader.line_num + 1  # a quoted value may span lines: report the first
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            if "field limit" not in str(exc):
                message = f"cannot be read as CSV: {exc}"
            else:
                message = (
                    f"a cell is larger than {csv.field_size_limit() // 1024} KB "
                    '(does a " start a quoted value that never ends?)'
                )
            raise ProblemsError([Problem(shown, start, None, message)], "subscriber file") from None
        if cells is None:
            return
        yield start, cells


def _decoded(stream: IO[str], path: Path, shown: str) -> Iterator[str]:
    try:
        yield from stream
    except UnicodeDecodeError:
        raise ProblemsError([_encoding_problem(path, shown)], "subscriber file") from None
    finally:
        stream.close()


def _encoding_problem(path: Path, shown: str) -> Problem:
    found = utf8_problem(path.read_bytes(), shown, SAVE_AS_UTF8)
    return found or Problem(shown, None, None, f"not UTF-8 text; {SAVE_AS_UTF8}")


def _check_header(header: list[str], shown: str, line: int) -> tuple[list[Problem], list[str]]:
    columns = [column_name(h) for h in header]
    problems = []
    seen: dict[str, int] = {}
    for number, name in enumerate(columns, start=1):
        why = multiline_problem(name)
        if not name:
            problems.append(Problem(shown, line, None, f"column {number} has no name"))
        elif why:
            problems.append(Problem(shown, line, None, f"the name of column {number} {why}"))
        elif name in seen:
            message = f"column '{name}' appears twice (columns {seen[name]} and {number})"
            problems.append(Problem(shown, line, None, message))
        seen.setdefault(name, number)
    if "email" not in seen:
        problems.append(Problem(shown, line, None, _no_email_message(columns)))
    return problems, columns


def _no_email_message(columns: list[str]) -> str:
    if not any(columns):
        return "the file is empty; it needs a header row with an 'email' column"
    close = difflib.get_close_matches("email", columns, n=1, cutoff=0.6)
    hint = f"; is '{close[0]}' it? rename it to 'email'" if close else ""
    return f"no 'email' column (the columns are: {', '.join(columns)}){hint}"


def _csv_records(reader: Iterator[list[str]], columns: list[str], shown: str) -> Iterator[Record]:
    width = len(columns)
    for start, cells in _read_csv(reader, shown):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, and rows of empty cells that spreadsheets leave
        problems, extra = [], cells[width:]
        if extra:
            problems.append(
                f"{len(cells)} values but the header has {width} columns "
                '(a value with a comma needs "double quotes")'
            )
        values = {
            name: unescape_cell(cell.strip()) for name, cell in zip(columns, cells, strict=False)
        }
        yield Record(start, values, problems, extra)


def _open_yaml(path: Path, shown: str) -> SubscriberFile:
    root = _compose_yaml(path, shown)
    if not isinstance(root, yaml.SequenceNode):
        line, col = (root.start_mark.line + 1, root.start_mark.column + 1) if root else (1, 1)
        message = "the file should be a list of subscribers, each starting '- email: ...'"
        raise ProblemsError([Problem(shown, line, col, message)], "subscriber file")
    columns: dict[str, None] = {"email": None}
    for item in root.value:
        if isinstance(item, yaml.MappingNode):
            for key, _value in item.value:
                if isinstance(key, yaml.ScalarNode) and column_name(key.value):
                    columns[column_name(key.value)] = None
    names = list(columns)
    records = (_yaml_record(item) for item in root.value)
    return SubscriberFile(shown, names, {name: name for name in names}, records)


def _compose_yaml(path: Path, shown: str) -> yaml.Node | None:
    """The file's YAML as nodes, whose values are the text written (no types guessed)."""
    text, problem = read_utf8(path, shown, SAVE_AS_UTF8)
    if problem:
        raise ProblemsError([problem], "subscriber file")
    root, problems = compose_yaml(text, shown)
    if problems:
        raise ProblemsError(problems, "subscriber file")
    return root


def _yaml_record(item: yaml.Node) -> Record:
    line = item.start_mark.line + 1
    if not isinstance(item, yaml.MappingNode):
        return Record(line, {}, ["each subscriber is a mapping such as 'email: ...'"])
    values: dict[str, str] = {}
    problems = []
    for key_node, value_node in item.value:
        key = column_name(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
        if not key:
            problems.append("each value needs a column name, such as 'name: ...'")
        elif key in values:
            problems.append(f"'{key_node.value}' is given twice")
        elif not isinstance(value_node, yaml.ScalarNode):
            problems.append(f"'{key_node.value}' must be a single value, not a list or mapping")
        else:
            values[key] = value_node.value.strip()
    return Record(line, values, problems)


def write_csv(stream: IO[str], columns: list[str], rows: Iterable[dict[str, Any]]) -> int:
    """Write rows as CSV with a header, formulas escaped (escape_cell); returns how many."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(map(escape_cell, columns))
    count = 0
    for row in rows:
        writer.writerow(escape_cell(str(row.get(name, ""))) for name in columns)
        count += 1
    return count


def replacing_csv(path: Path, shown: str) -> contextlib.AbstractContextManager[IO[str]]:
    """replacing() for a CSV file: UTF-8 with a byte order mark, without which Excel reads
    it in the Windows code page (Zoë as ZoÃ«); import skips the mark."""
    return replacing(path, shown, encoding="utf-8-sig")


@contextlib.contextmanager
def replacing(path: Path, shown: str, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """A text stream that becomes the file at `path` once the block ends without an error.

    Until then the old file, if any, is untouched; a failure leaves no half-written file.
    A new file gets the mode open() would give it; a replaced one keeps its own.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(descriptor, path.stat().st_mode & 0o7777)
        with open(descriptor, "w", encoding=encoding, newline="") as stream:
            yield stream
        os.replace(temporary, path)
    except OSError as exc:
        raise NewsletterError(f"cannot write {shown}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
