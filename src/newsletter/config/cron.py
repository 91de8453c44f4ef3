"""The reminder's cron line, read as crontab(5) reads it.

APScheduler 3, which runs it, differs from crontab in two ways an editor would not guess:
it numbers the days of the week from Monday = 0 (crontab: Sunday = 0 or 7, Monday = 1),
and when a line restricts both the day of the month and the day of the week it needs both
(crontab: either). So the day-of-week field is handed over in names, and a line that
restricts both is refused, saying why.
"""

from __future__ import annotations

import re

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab's 0 to 6
_ITEM = re.compile(r"^(?:(\*)|(\w+)(?:-(\w+))?)(?:/(\d+))?$")


def check_cron(line: str) -> str:
    """`line` when it is a crontab line this scheduler reads as crontab does; else a
    ValueError in an editor's words."""
    fields = line.split()
    if len(fields) != 5:
        raise ValueError(
            f"'{line}' is not a cron line: write five fields, minute hour day month "
            "day-of-week, such as '0 9 1 1,4,7,10 *' (9:00 on the first day of each quarter)"
        )
    if fields[2] != "*" and fields[4] != "*":
        raise ValueError(
            f"'{line}' restricts both the day of the month and the day of the week: crontab "
            "would send on either, this scheduler only on days that are both; write * in one"
        )
    for field, (what, low, high, names) in zip(fields, _FIELDS, strict=False):
        for item in field.split(","):
            _check_item(item, line, what, low, high, names)
    weekdays_by_name(line)
    return line


MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# The fields before the day of the week: what each is, its range, its names (1 for the first).
_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of the month", 1, 31, ()),
    ("month", 1, 12, MONTH_NAMES),
)


def _check_item(item: str, line: str, what: str, low: int, high: int, names: tuple) -> None:
    found = _ITEM.match(item)
    values = [v for v in found.groups()[1:3] if v] if found else [item]
    for value in values:
        number = _number(value, names, first=1)
        if number is None or not low <= number <= high:
            raise ValueError(f"'{line}': the {what} '{value}' is not one of {low}-{high}")
    _check_step(found, item, line)


def _check_step(found: re.Match | None, item: str, line: str) -> None:
    if found and found.group(4) is not None and int(found.group(4)) == 0:
        raise ValueError(f"'{line}': '{item}' steps by 0: write /1 or more")


def _number(value: str, names: tuple, first: int) -> int | None:
    """A field's value as a number: digits, or a name (the first name numbered `first`)."""
    if value.isdigit():
        return int(value)
    return names.index(value.lower()) + first if value.lower() in names else None


def weekdays_by_name(line: str) -> str:
    """The line with its day-of-week field in names (crontab's numbers, for APScheduler)."""
    *others, weekdays = line.split()
    if weekdays == "*":
        return line
    days: set[int] = set()
    for item in weekdays.split(","):
        days |= _days(item, line)
    return " ".join([*others, ",".join(DAY_NAMES[day] for day in sorted(days))])


def _days(item: str, line: str) -> set[int]:
    found = _ITEM.match(item)
    if not found:
        raise ValueError(f"'{line}': '{item}' is not a day of the week (0-7, or sun-sat)")
    _check_step(found, item, line)
    every, first, last, step = found.groups()
    start = 0 if every else _day(first, line)
    end = 7 if every else (_day(last, line) if last else start)
    if last is None and step and not every:
        end = 6  # 1/2: Monday to Saturday, every other day
    if end < start:
        raise ValueError(f"'{line}': the days of the week in '{item}' run backwards")
    return {day % 7 for day in range(start, end + 1, int(step or 1))}


def _day(value: str, line: str) -> int:
    day = _number(value, DAY_NAMES, first=0)
    if day is None or day > 7:
        raise ValueError(f"'{line}': '{value}' is not a day of the week (0-7, or sun-sat)")
    return day
