"""CASL consent: what kind, since when, until when, and which of two consents stands.

Canada's Anti-Spam Legislation: express consent lasts until withdrawn; implied consent
(an existing business relationship, a business card handed over...) lapses two years
after it was obtained, unless renewed by a newer one.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from newsletter.db import EXPRESS, IMPLIED

IMPLIED_CONSENT_YEARS = 2


@dataclass(frozen=True)
class Consent:
    """A consent on record: its kind, when it was given, and how (the source)."""

    kind: str
    at: dt.datetime
    source: str

    @property
    def expires_at(self) -> dt.datetime | None:
        return expiry(self.kind, self.at)

    def valid_at(self, moment: dt.datetime) -> bool:
        return self.at <= moment and (self.expires_at is None or moment < self.expires_at)

    def supersedes(self, other: Consent) -> bool:
        """Whether this consent should replace `other` on record.

        Express replaces implied whatever the dates (it does not lapse); implied never
        replaces express; of two of the same kind, the newer one stands (a renewal).
        """
        if self.kind != other.kind:
            return self.kind == EXPRESS
        return self.at > other.at


def expiry(kind: str, at: dt.datetime) -> dt.datetime | None:
    """When consent of this kind given at `at` lapses; None for never."""
    return add_years(at, IMPLIED_CONSENT_YEARS) if kind == IMPLIED else None


def add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February: the anniversary is the 28th
        return moment.replace(year=moment.year + years, day=28)


def parse_moment(text: str, timezone: str) -> dt.datetime:
    """An aware datetime from YYYY-MM-DD or ISO 8601; dates and naive times are local time.

    Raises ValueError with a message that quotes the text.
    """
    text = text.strip()
    try:
        if len(text) == 10:
            moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        else:
            moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        why = str(exc) if "must be" in str(exc) or "range" in str(exc) else "write YYYY-MM-DD"
        raise ValueError(f"'{text}' is not a valid date: {why}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(timezone))
    return moment.astimezone(dt.UTC)


def format_moment(moment: dt.datetime, timezone: str) -> str:
    """The inverse of parse_moment: a plain date when it is local midnight, else ISO 8601
    to the second (what a person can check; parse_moment reads either back)."""
    local = moment.astimezone(zoneinfo.ZoneInfo(timezone)).replace(microsecond=0)
    if local.time() == dt.time():
        return local.date().isoformat()
    return local.isoformat()
