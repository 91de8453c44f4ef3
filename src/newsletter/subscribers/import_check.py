"""Check every row of a subscriber list before anything is written.

A row becomes an `Entry` (a subscriber as the list describes them) or is rejected with all
that is wrong with it, each message naming the column and quoting the value. Names and
sources are one line of text; no field holds control characters (core/text.py).

CASL puts the proof of consent on the sender, so every row needs a consent kind and date:
from its own columns, or from --consent / --consented-at given for the whole file. A list
without them is refused rather than guessed at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from newsletter.core import (
    InvalidAddress,
    Problem,
    ProblemsError,
    address_key,
    did_you_mean,
    multiline_problem,
    one_line_problem,
)
from newsletter.db import CONSENTS, IMPLIED, IMPLIED_REASONS, STATUSES

from .consent import Consent, parse_moment
from .listfile import Record, SubscriberFile

KNOWN_COLUMNS = (
    "email", "name", "language", "status", "consent", "consented_at", "source", "consent_reason",
)  # fmt: skip
# The reason a row was rejected, first in a rejects file: a fixed rejects file imports as it
# is, so this column is never kept. Named so that no list's own column meets it, as `error`
# (a column some lists have) did.
REJECTS_COLUMN = "rejected_because"
ONE_LINE_COLUMNS = ("name", "source")
CHECK_PROGRESS_EVERY = 10_000

Progress = Callable[[str, int, int | None], None]


@dataclass
class Defaults:
    """Values for the whole file, from the command line, used where a row has none."""

    consent: str | None = None
    consented_at: dt.datetime | None = None
    source: str | None = None


@dataclass(slots=True)
class Entry:
    """A valid row. None means the list does not say (keep what is stored)."""

    line: int
    email: str
    key: str
    name: str | None
    language: str | None
    status: str | None
    consent: Consent
    attributes: dict[str, str]


@dataclass(slots=True)
class Rejected:
    line: int
    values: dict[str, str]
    messages: list[str]
    extra: list[str]


@dataclass
class CheckedList:
    """The outcome of checking a list: good entries, rejected rows, and the columns."""

    shown: str
    columns: list[str]
    headers: dict[str, str]
    entries: list[Entry] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [Problem(self.shown, r.line, None, m) for r in self.rejected for m in r.messages]


class RowChecker:
    """Turns one row's text into an Entry, or the list of what is wrong with it."""

    def __init__(
        self, shown: str, languages: list[str], timezone: str, defaults: Defaults, now: dt.datetime
    ):
        self.languages = {language.lower(): language for language in languages}
        self.language_list = list(languages)
        self.timezone = timezone
        self.defaults = defaults
        self.default_source = defaults.source or f"import of {shown}"
        self.now = now
        self._moments: dict[str, dt.datetime | str] = {}  # lists repeat dates: parse each once
        self._sources: dict[str, str] = {}  # and sources: keep one copy of each

    def check(self, record: Record, attributes: list[str]) -> tuple[str, Entry | list[str]]:
        """The row's address key ("" when invalid) and its Entry, or what is wrong with it."""
        if record.problems:  # a row of the wrong shape: its values are in the wrong columns
            return "", list(record.problems)
        values, messages = record.values, []
        key = self._key(values.get("email", ""), messages)
        language = self._choice("language", values, self.languages, messages)
        status = self._choice("status", values, {s: s for s in STATUSES}, messages)
        consent = self._consent(values, messages)
        extra = {name: values[name] for name in attributes if values.get(name)}
        self._text(values, extra, messages)
        if messages:
            return key, messages
        return key, Entry(
            record.line,
            values["email"],
            key,
            values.get("name") or None,
            language,
            status,
            consent,
            extra,
        )

    def _key(self, email: str, messages: list[str]) -> str:
        if not email:
            messages.append("no email address")
            return ""
        try:
            return address_key(email)
        except InvalidAddress as exc:
            messages.append(str(exc))
            return ""

    def _text(self, values: dict, extra: dict[str, str], messages: list[str]) -> None:
        for column in ONE_LINE_COLUMNS:
            why = one_line_problem(values.get(column, ""))
            if why:
                messages.append(f"{column}: {why}")
        for column, text in extra.items():
            why = multiline_problem(text)
            if why:
                messages.append(f"{column}: {why}")

    def _choice(
        self, column: str, values: dict, choices: dict[str, str], messages: list[str]
    ) -> str | None:
        text = values.get(column, "")
        if not text:
            return None
        if text.lower() in choices:
            return choices[text.lower()]
        hint = did_you_mean(text, list(choices.values()))
        messages.append(f"unknown {column} '{text}'{hint}")
        return None

    def _consent(self, values: dict, messages: list[str]) -> Consent:
        kind = values.get("consent", "").lower() or self.defaults.consent
        if kind is None:
            messages.append("no consent: write express or implied (or pass --consent)")
        elif kind not in CONSENTS:
            messages.append(
                f"unknown consent '{values['consent']}'; expected {' or '.join(CONSENTS)}"
            )
        at = self._moment(values.get("consented_at", ""), messages)
        source = values.get("source") or self.default_source
        source = self._sources.setdefault(source, source)
        reason = values.get("consent_reason", "").lower() or None
        if reason and reason not in IMPLIED_REASONS:
            expected = " or ".join(IMPLIED_REASONS)
            messages.append(
                f"unknown consent_reason '{values['consent_reason']}'; expected {expected}"
            )
        elif reason and kind != IMPLIED:
            messages.append("consent_reason: only implied consent has a reason")
        return Consent(kind or "", at or self.now, source, reason)

    def _moment(self, text: str, messages: list[str]) -> dt.datetime | None:
        if not text:
            if self.defaults.consented_at is None:
                messages.append("no consented_at: when was consent given? (or pass --consented-at)")
            return self.defaults.consented_at
        if text not in self._moments:
            try:
                moment = parse_moment(text, self.timezone)
                future = moment > self.now
                self._moments[text] = f"'{text}' is in the future" if future else moment
            except ValueError as exc:
                self._moments[text] = str(exc)
        found = self._moments[text]
        if isinstance(found, str):
            messages.append(f"consented_at: {found}")
            return None
        return found


def check_list(
    file: SubscriberFile,
    languages: list[str],
    timezone: str,
    defaults: Defaults,
    now: dt.datetime,
    progress: Progress | None = None,
) -> CheckedList:
    """Check every row; a missing consent column with no default stops here (ProblemsError)."""
    _check_columns(file, defaults)
    checker = RowChecker(file.shown, languages, timezone, defaults, now)
    attributes = [c for c in file.columns if c not in (*KNOWN_COLUMNS, REJECTS_COLUMN)]
    checked = CheckedList(file.shown, file.columns, file.headers)
    first_line: dict[str, int] = {}
    for record in _counted(file.records, progress):
        key, result = checker.check(record, attributes)
        if key in first_line:  # the first of two is kept, even when it has other mistakes
            email = record.values["email"]
            result = [f"duplicate address '{email}' (first on line {first_line[key]})"]
        elif key:
            first_line[key] = record.line
        if isinstance(result, Entry):
            checked.entries.append(result)
        else:
            checked.rejected.append(Rejected(record.line, record.values, result, record.extra))
    return checked


def _counted(records: Iterator[Record], progress: Progress | None) -> Iterator[Record]:
    count = 0
    for count, record in enumerate(records, start=1):
        if progress and count % CHECK_PROGRESS_EVERY == 0:
            progress("checked", count, None)
        yield record
    if progress:
        progress("checked", count, None)


def _check_columns(file: SubscriberFile, defaults: Defaults) -> None:
    problems = []
    if "consent" not in file.columns and defaults.consent is None:
        message = "no 'consent' column: add one (express or implied) or pass --consent"
        problems.append(Problem(file.shown, 1, None, message))
    if "consented_at" not in file.columns and defaults.consented_at is None:
        message = "no 'consented_at' column: add one (YYYY-MM-DD) or pass --consented-at"
        problems.append(Problem(file.shown, 1, None, message))
    if problems:
        raise ProblemsError(problems, "subscriber file")
