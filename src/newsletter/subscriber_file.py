"""Subscriber lists as files: CSV or YAML in, CSV out, each row with the line it starts on.

Reading streams the rows, so that a large list is never held twice in memory. Column names
are compared in lowercase with spaces and hyphens as underscores ("Consented At" is
`consented_at`). A UTF-8 byte order mark and Windows line endings are fine. A file is
written whole or not at all: into a temporary file beside it, renamed when complete.
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

from .errors import NewsletterError, Problem, ProblemsError
from .yamlsource import load as load_yaml

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
YAML_SUFFIXES = (".yaml", ".yml")


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
    except UnicodeDecodeError:
        raise ProblemsError([_encoding_problem(path, shown)], "subscriber file") from None
    delimiter = max(",;\t", key=first.count) if first.strip() else ","
    stream.seek(0)
    reader = csv.reader(_decoded(stream, path, shown), delimiter=delimiter)
    header = next(reader, [])
    problems, columns = _check_header(header, shown, 1)
    if problems:
        raise ProblemsError(problems, "subscriber file")
    headers = dict(zip(columns, [h.strip() for h in header], strict=True))
    return SubscriberFile(shown, columns, headers, _csv_records(reader, columns))


def _decoded(stream: IO[str], path: Path, shown: str) -> Iterator[str]:
    try:
        yield from stream
    except UnicodeDecodeError:
        raise ProblemsError([_encoding_problem(path, shown)], "subscriber file") from None
    finally:
        stream.close()


def _encoding_problem(path: Path, shown: str) -> Problem:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        why = f"byte 0x{data[exc.start]:02x} is not UTF-8"
        return Problem(shown, line, None, f"{why}; save the list as UTF-8 (Excel: CSV UTF-8)")
    return Problem(shown, None, None, "not UTF-8 text; save the list as UTF-8")


def _check_header(header: list[str], shown: str, line: int) -> tuple[list[Problem], list[str]]:
    columns = [column_name(h) for h in header]
    problems = []
    seen: dict[str, int] = {}
    for number, name in enumerate(columns, start=1):
        if not name:
            problems.append(Problem(shown, line, None, f"column {number} has no name"))
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


def _csv_records(reader: Iterator[list[str]], columns: list[str]) -> Iterator[Record]:
    width = len(columns)
    while True:
        start = reader.line_num + 1  # a quoted value may span lines: report the first
        cells = next(reader, None)
        if cells is None:
            return
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, and rows of empty cells that spreadsheets leave
        problems, extra = [], cells[width:]
        if extra:
            problems.append(
                f"{len(cells)} values but the header has {width} columns "
                '(a value with a comma needs "double quotes")'
            )
        values = {name: cell.strip() for name, cell in zip(columns, cells, strict=False)}
        yield Record(start, values, problems, extra)


def _open_yaml(path: Path, shown: str) -> SubscriberFile:
    doc, problems = load_yaml(path, shown)
    if doc is None or problems:
        raise ProblemsError(problems, "subscriber file")
    if not isinstance(doc.data, list):
        message = "the file should be a list of subscribers, each starting '- email: ...'"
        raise ProblemsError([doc.problem((), message)], "subscriber file")
    columns: dict[str, None] = {"email": None}
    for item in doc.data:
        if isinstance(item, dict):
            columns.update(dict.fromkeys(column_name(key) for key in item))
    names = list(columns)
    records = (_yaml_record(doc, index, item) for index, item in enumerate(doc.data))
    return SubscriberFile(shown, names, {name: name for name in names}, records)


def _yaml_record(doc, index: int, item: Any) -> Record:
    line = doc.position((index,))[0]
    if not isinstance(item, dict):
        return Record(line, {}, ["each subscriber is a mapping such as 'email: ...'"])
    values, problems = {}, []
    for key, value in item.items():
        if isinstance(value, dict | list):
            problems.append(f"'{key}' must be a single value, not a list or mapping")
            continue
        values[column_name(key)] = "" if value is None else str(value).strip()
    return Record(line, values, problems)


def write_csv(stream: IO[str], columns: list[str], rows: Iterable[dict[str, Any]]) -> int:
    """Write rows as CSV with a header; returns how many rows."""
    writer = csv.DictWriter(stream, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


@contextlib.contextmanager
def replacing(path: Path, shown: str) -> Iterator[IO[str]]:
    """A text stream that becomes the file at `path` once the block ends without an error.

    Until then the old file, if any, is untouched; a failure leaves no half-written file.
    A new file gets the mode open() would give it; a replaced one keeps its own.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(descriptor, path.stat().st_mode & 0o7777)
        with open(descriptor, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(temporary, path)
    except OSError as exc:
        raise NewsletterError(f"cannot write {shown}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
