"""WHEN, as editors write it: ISO 8601 (`2027-02-15T09:00`), with an offset (`-05:00`, `Z`),
a time zone name after it (`2027-02-15T09:00 America/Toronto`, or in brackets as RFC 9557
writes it), or neither: then the project's time zone. A local time the clocks skip, or pass
twice when they go back, is refused: an offset says which of the two is meant."""

from __future__ import annotations

import datetime as dt
import math
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
    """WHEN cannot be a planned time: malformed, in an unknown zone, not existing, ambiguous,
    past."""


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
    """The wall-clock time in `zone`: the one rule for a local WHEN. Refused when the clocks
    skip it (it does not exist) or pass it twice (which of the two is meant is not known)."""
    # fold=0 reads it with the offset before a change of the clocks, fold=1 with the one after.
    before, after = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if before.utcoffset() == after.utcoffset():
        return before
    change = _clock_change(zone, before, after)
    start = change.astimezone(dt.timezone(before.utcoffset()))
    end = change.astimezone(zone)
    shift = f"from {start:%H:%M} {before.tzname()} to {end:%H:%M} {after.tzname()}"
    if after.utcoffset() > before.utcoffset():
        raise BadWhen(
            f"'{text}' does not exist in {zone.key}: the clocks skip {shift} then; plan it "
            f"before {start:%H:%M} or from {end:%H:%M}"
        )
    first, second = (
        f"{naive:%H:%M} {moment.tzname()} ({dt.timezone(moment.utcoffset())})"
        for moment in (before, after)
    )
    raise BadWhen(
        f"'{text}' happens twice in {zone.key}: the clocks go back {shift} then, so it is "
        f"first {first}, then {second}; write the one you mean with its offset: "
        f"{_with_offset(naive, before)} or {_with_offset(naive, after)}"
    )


def _clock_change(zone: zoneinfo.ZoneInfo, one: dt.datetime, other: dt.datetime) -> dt.datetime:
    """The instant, to the second, at which the zone's clocks change between two readings of
    one wall-clock time (less than a day apart)."""
    earlier, later = sorted((one.timestamp(), other.timestamp()))
    low, high = math.floor(earlier), math.ceil(later)
    offset_before = dt.datetime.fromtimestamp(low, zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if dt.datetime.fromtimestamp(middle, zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return dt.datetime.fromtimestamp(high, dt.UTC)


def _with_offset(naive: dt.datetime, moment: dt.datetime) -> str:
    """WHEN as written with the offset of one reading: `2027-11-07T01:30-04:00`."""
    exact = naive.replace(tzinfo=dt.timezone(moment.utcoffset()))
    return exact.isoformat(timespec="minutes" if naive.second == naive.microsecond == 0 else "auto")
