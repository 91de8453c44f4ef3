"""WHEN, as editors write it: ISO 8601 (`2027-02-15T09:00`), with an offset (`-05:00`, `Z`),
a time zone name after it (`2027-02-15T09:00 America/Toronto`, or in brackets as RFC 9557
writes it), or neither: then the project's time zone."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from newsletter.core import NewsletterError, closest

# A time zone name after the date and time: it begins with a letter (an offset does not).
ZONE_NAME = re.compile(r"[A-Za-z][\w+\-/]*")
EXAMPLE = (
    "write it as 2027-02-15T09:00, with an offset (-05:00) or a time zone "
    "(America/Toronto) when it is not the project's"
)


class BadWhen(NewsletterError):
    """WHEN cannot be a planned time: malformed, in an unknown zone, not existing, past."""


def parse_when(text: str, timezone: str, now: dt.datetime) -> dt.datetime:
    """The moment WHEN names, in UTC; BadWhen quoting it when it is not a future moment."""
    written, zone_name = _split(text.strip())
    if not written:
        raise BadWhen(f"'{text}' is not a date and time: {EXAMPLE}")
    moment = _moment(text, written)
    if zone_name is not None:
        if moment.tzinfo is not None:
            raise BadWhen(f"'{text}' gives both an offset and a time zone: give one of them")
        moment = _in_zone(text, moment, _zone(zone_name))
    elif moment.tzinfo is None:
        moment = _in_zone(text, moment, zoneinfo.ZoneInfo(timezone))
    moment = moment.astimezone(dt.UTC)
    if moment <= now:
        local = now.astimezone(zoneinfo.ZoneInfo(timezone))
        raise BadWhen(
            f"'{text}' is in the past (it is now {local:%Y-%m-%d %H:%M %Z}): plan a later time"
        )
    return moment


def _split(text: str) -> tuple[str, str | None]:
    """The date and time, and the zone name written after it (None when there is none)."""
    bracketed = re.fullmatch(r"(.*?)\s*\[([^\]]*)\]", text)
    if bracketed:
        return bracketed[1], bracketed[2].strip()
    parts = text.rsplit(None, 1)
    if len(parts) == 2 and ZONE_NAME.fullmatch(parts[1]):
        return parts[0], parts[1]
    return text, None


def _moment(text: str, written: str) -> dt.datetime:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", written):
        raise BadWhen(f"'{text}' has no time of day: write it as {written}T09:00")
    try:
        return dt.datetime.fromisoformat(written)
    except ValueError as exc:
        why = str(exc) if "must be" in str(exc) or "range" in str(exc) else ""
        why = f" ({why})" if why else ""
        raise BadWhen(f"'{text}' is not a date and time{why}: {EXAMPLE}") from None


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # Only a near miss: the zone of a city is often another city's (Ottawa's is Toronto's).
        close = closest(name, sorted(zoneinfo.available_timezones()), cutoff=0.8)
        hint = f"; did you mean {close}?" if close else ", such as America/Toronto or Asia/Tokyo"
        raise BadWhen(f"'{name}' is not a time zone name{hint}") from None


def _in_zone(text: str, naive: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The wall-clock time in `zone`; refused in the hour clocks skip when they go forward."""
    moment = naive.replace(tzinfo=zone)
    back = moment.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        raise BadWhen(
            f"'{text}' does not exist in {zone.key}: the clocks go forward then; plan an hour later"
        )
    return moment
