"""CASL consent: what kind, since when, until when, and which of two consents stands.

Canada's Anti-Spam Legislation: express consent lasts until withdrawn; implied consent
lapses, unless renewed by a newer one: six months after an inquiry or an application
(CASL s. 10(10)(b) and (e)), two years after a purchase, a contract or another business
relationship. Implied consent recorded without its reason lasts the longer period.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from dataclasses import dataclass

from newsletter.db import EXPRESS, IMPLIED, INQUIRY

IMPLIED_CONSENT_YEARS = 2
INQUIRY_CONSENT_MONTHS = 6


@dataclass(frozen=True)
class Consent:
    """A consent on record: its kind, when it was given, and how (the source)."""

    kind: str
    at: dt.datetime
    source: str
    reason: str | None = None  # why implied consent was implied (IMPLIED_REASONS)

    @property
    def expires_at(self) -> dt.datetime | None:
        return expiry(self.kind, self.at, self.reason)

    def valid_at(self, moment: dt.datetime) -> bool:
        return self.at <= moment and (self.expires_at is None or moment < self.expires_at)

    def supersedes(self, other: Consent) -> bool:
        """Whether this consent should replace `other` on record.

        Express replaces implied whatever the dates (it does not lapse); implied never
        replaces express; of two express consents the newer stands; of two implied ones, the
        one that lapses later (a recent inquiry does not cut short a purchase's two years).
        """
        if self.kind != other.kind:
            return self.kind == EXPRESS
        if self.kind == IMPLIED and self.expires_at != other.expires_at:
            return self.expires_at > other.expires_at
        return self.at > other.at


def expiry(kind: str, at: dt.datetime, reason: str | None = None) -> dt.datetime | None:
    """When consent of this kind (and reason) given at `at` lapses; None for never."""
    if kind != IMPLIED:
        return None
    if reason == INQUIRY:
        return add_months(at, INQUIRY_CONSENT_MONTHS)
    return add_years(at, IMPLIED_CONSENT_YEARS)


def add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February: the anniversary is the 28th
        return moment.replace(year=moment.year + years, day=28)


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` later; the month's last day where it is shorter (31 August
    plus 6 months is 28 or 29 February)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last))


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
