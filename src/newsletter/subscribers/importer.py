"""`subscribers import`: check the whole list, then write it in one transaction.

The list is checked before the database is opened (check_import), so that a list that
cannot be imported leaves no new database or tables behind; write_import then writes it.

Rules an import follows, on top of the store's:
- a row matching a stored subscriber updates what the row says (blank cells keep what is
  stored); consent is replaced only by one that supersedes it (consent.Consent.supersedes);
- an import never re-activates anyone: people who unsubscribed, bounced or complained stay
  so, and are listed; it may set such a status (importing an unsubscribe list);
- addresses that were forgotten are skipped and listed;
- rows are written a thousand at a time (one query to find them, one to insert, one to
  update), all inside the one transaction: killed half-way, the database is as before;
- with --skip-invalid, the rejected rows go to NAME.rejects.csv beside the list (or the file
  --rejects names), the reasons in a `rejected_because` column; that file appears only once
  the import has committed, and an existing one is never replaced unless --rejects names it
  (it may hold rows being fixed).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsletter.core import (
    NewsletterError,
    Problem,
    ProblemsError,
    address_hashes,
    plural,
    reading_order,
)
from newsletter.db import ACTIVE

from .cells import escape_cell
from .import_check import REJECTS_COLUMN, CheckedList, Defaults, Entry, Progress, check_list
from .listfile import open_list, replacing_csv
from .rows import (
    Change,
    Subscriber,
    consent_values,
    find_by_keys,
    history_values,
    insert_subscribers,
    new_subscriber_values,
    preferences_changed,
    record_history,
    update_subscribers,
)
from .store import Store

BATCH = 1000


class ImportProblems(ProblemsError):
    def summary(self) -> str:
        return (
            f"{plural(len(self.problems), 'problem')} in {self.what}; nothing was imported "
            "(fix them, or pass --skip-invalid to import the other rows)"
        )


@dataclass
class ImportReport:
    """What an import did; `notes` are (line, message) for rows it left alone on purpose."""

    shown: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    not_reactivated: int = 0
    forgotten: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    problems: list[Problem] = field(default_factory=list)  # of rejected rows
    notes: list[tuple[int, str]] = field(default_factory=list)
    committed: bool = False  # the transaction ended: what the counts say is in the database

    def lines(self) -> list[str]:
        """The rejected rows' problems and the notes, `file:line: message`, in line order."""
        found = [(p.line or 0, str(p)) for p in self.problems]
        found += [(line, f"{self.shown}:{line}: {message}") for line, message in self.notes]
        return [text for _, text in sorted(found, key=lambda pair: pair[0])]

    def summary(self) -> str:
        counts = [f"{self.added:,} added", f"{self.updated:,} updated"]
        counts.append(f"{self.unchanged:,} unchanged")
        if self.not_reactivated:
            counts.append(f"{self.not_reactivated:,} not re-activated")
        if self.forgotten:
            counts.append(f"{self.forgotten:,} forgotten (skipped)")
        if self.rejected:
            counts.append(f"{self.rejected:,} rejected (written to {self.rejects_path})")
        nothing = "; nothing changed" if not self.added and not self.updated else ""
        return f"{self.shown}: {', '.join(counts)}{nothing}"


@dataclass
class CheckedImport:
    """A list checked before the database is opened: its rows, and where bad ones go."""

    checked: CheckedList
    rejects_path: Path | None  # None when no row was rejected


def import_list(
    store: Store,
    path: Path,
    shown: str,
    *,
    defaults: Defaults,
    actor: str,
    now: dt.datetime,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Check the list at `path`, then import it (check_import, then write_import)."""
    plan = check_import(
        path,
        shown,
        store.languages,
        store.timezone,
        defaults=defaults,
        now=now,
        skip_invalid=skip_invalid,
        rejects_path=rejects_path,
        progress=progress,
    )
    return write_import(store, plan, actor=actor, now=now, progress=progress)


def check_import(
    path: Path,
    shown: str,
    languages: list[str],
    timezone: str,
    *,
    defaults: Defaults,
    now: dt.datetime,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
) -> CheckedImport:
    """Check every row without touching the database: ImportProblems when rows are bad and
    `skip_invalid` is off; NewsletterError when their rejects file must not be replaced."""
    file = open_list(path, shown)
    checked = check_list(file, languages, timezone, defaults, now, progress)
    if not checked.rejected:
        return CheckedImport(checked, None)
    if not skip_invalid:
        raise ImportProblems(checked.problems, plural(1, "subscriber file"))
    target = rejects_path or default_rejects_path(path)
    if rejects_path is None and target.exists():
        raise NewsletterError(
            f"{target} already exists (rows rejected before, perhaps being "
            "fixed) and is not replaced; nothing was imported. Import or move it first, "
            "or name a file with --rejects FILE (replaced if it exists)"
        )
    return CheckedImport(checked, target)


def write_import(
    store: Store,
    plan: CheckedImport,
    *,
    actor: str,
    now: dt.datetime,
    progress: Progress | None = None,
) -> ImportReport:
    """Write the checked entries in one transaction; the rejects file appears once it commits."""
    checked = plan.checked
    report = ImportReport(checked.shown, rejected=len(checked.rejected))
    rejects: contextlib.AbstractContextManager[IO[str] | None] = contextlib.nullcontext()
    if plan.rejects_path is not None:
        report.problems = sorted(checked.problems, key=reading_order)
        report.rejects_path = plan.rejects_path
        rejects = replacing_csv(plan.rejects_path, str(plan.rejects_path))
    try:
        with rejects as stream:  # written first, renamed into place once the import commits
            if stream is not None:
                write_rejects(stream, checked)
            Importer(store, report, actor, now).run(checked.entries, progress)
    except KeyboardInterrupt:
        if not report.committed:
            raise  # nothing was imported: the caller says so
        if plan.rejects_path is None:
            return report  # too late to stop it: the import is complete
        raise NewsletterError(
            f"interrupted after the import was written, before its rejects file "
            f"{plan.rejects_path} was: import the list again with --skip-invalid --rejects "
            f"{plan.rejects_path} to write it (the rows imported stay unchanged)"
        ) from None
    return report


def default_rejects_path(path: Path) -> Path:
    """Where --skip-invalid writes rejected rows: subscribers/faculty.csv (or .yaml) gives
    subscribers/faculty.rejects.csv."""
    return path.with_name(f"{path.stem}.rejects.csv")


def write_rejects(stream: IO[str], checked: CheckedList) -> None:
    """The rejected rows as they were, the reason first (REJECTS_COLUMN): fix, then import."""
    columns = [c for c in checked.columns if c != REJECTS_COLUMN]
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([REJECTS_COLUMN, *(escape_cell(checked.headers.get(c, c)) for c in columns)])
    for row in checked.rejected:
        error = f"line {row.line}: " + "; ".join(row.messages)
        cells = [*(row.values.get(c, "") for c in columns), *row.extra]
        writer.writerow([error, *map(escape_cell, cells)])


class Importer:
    """Writes checked entries in batches inside one transaction, counting what it did."""

    def __init__(self, store: Store, report: ImportReport, actor: str, now: dt.datetime):
        self.store, self.report, self.actor, self.now = store, report, actor, now

    def run(self, entries: list[Entry], progress: Progress | None) -> None:
        with self.store.transaction() as connection:
            if connection.dialect.name == "postgresql":
                # One writer at a time, as SQLite's BEGIN IMMEDIATE gives; readers go on.
                connection.execute(sa.text("LOCK TABLE subscribers IN SHARE ROW EXCLUSIVE MODE"))
            self.forgotten = self.store.forgotten_hashes(connection)
            for start in range(0, len(entries), BATCH):
                self._write_batch(connection, entries[start : start + BATCH])
                if progress:
                    progress("written", min(start + BATCH, len(entries)), len(entries))
        self.report.committed = True

    def _write_batch(self, connection: Connection, batch: list[Entry]) -> None:
        batch = [entry for entry in batch if not self._was_forgotten(entry)]
        stored = find_by_keys(connection, (entry.key for entry in batch))
        new, updates, history = [], [], []
        for entry in batch:
            old = stored.get(entry.key)
            if old is None:
                new.append(entry)
            else:
                self._plan_update(old, entry, updates, history)
        self._insert(connection, new, history)
        update_subscribers(connection, updates)
        record_history(connection, history)

    def _was_forgotten(self, entry: Entry) -> bool:
        if not self.forgotten:
            return False
        for address_hash in address_hashes(entry.key, self.store.secret_key):
            if address_hash in self.forgotten:
                since = self.forgotten[address_hash]
                self.report.forgotten += 1
                self.report.notes.append(
                    (
                        entry.line,
                        f"'{entry.email}' was forgotten on {self.store.day(since)} (right to "
                        "erasure); skipped",
                    )
                )
                return True
        return False

    def _insert(self, connection: Connection, new: list[Entry], history: list[dict]) -> None:
        rows = [
            new_subscriber_values(
                entry.email,
                entry.key,
                entry.name or "",
                entry.language or self.store.languages[0],
                entry.consent,
                entry.attributes,
                self.now,
                entry.status or ACTIVE,
            )
            for entry in new
        ]
        ids = insert_subscribers(connection, rows)
        for entry, row, subscriber_id in zip(new, rows, ids, strict=True):
            made = self._change(entry)
            history.append(
                history_values(subscriber_id, "added", row["status"], entry.consent, made)
            )
        self.report.added += len(new)

    def _change(self, entry: Entry) -> Change:
        return Change(f"import {self.report.shown}:{entry.line}", self.actor, self.now)

    def _plan_update(
        self, old: Subscriber, entry: Entry, updates: list[dict], history: list[dict]
    ) -> None:
        if old.status != ACTIVE and entry.status in (None, ACTIVE):
            self.report.not_reactivated += 1
            since = self.store.day(old.status_changed_at)
            self.report.notes.append(
                (
                    entry.line,
                    f"'{entry.email}' is {old.status} (since {since}) and stays so: an import "
                    "re-activates no one; a new express consent does (subscribers add)",
                )
            )
            return
        status = entry.status or old.status
        row = _full_row(old)
        row.update(
            name=entry.name or old.name,
            language=entry.language or old.language,
            attributes={**old.attributes, **entry.attributes},
        )
        consent = old.consent
        if old.status == ACTIVE and entry.consent.supersedes(old.consent):
            consent = entry.consent
            row.update(consent_values(consent, self.now))
            history.append(
                history_values(old.id, "consent", old.status, consent, self._change(entry))
            )
        if status != old.status:
            row.update(status=status, status_changed_at=self.now)
            history.append(history_values(old.id, "status", status, consent, self._change(entry)))
        detail = preferences_changed(old, row)
        if detail:
            made = self._change(entry)
            history.append(history_values(old.id, "preferences", status, consent, made, detail))
        if row == _full_row(old):
            self.report.unchanged += 1
        else:
            updates.append(row)
            self.report.updated += 1


def _full_row(old: Subscriber) -> dict:
    """Every column an import may change, as stored: updates rewrite them all at once."""
    return {
        "_id": old.id,
        "name": old.name,
        "language": old.language,
        "attributes": old.attributes,
        "status": old.status,
        "status_changed_at": old.status_changed_at,
        **consent_values(old.consent, old.consent_changed_at),
    }
