"""The reminder's cron line is read as crontab(5) reads it, though APScheduler 3 numbers the
days of the week from Monday = 0 and needs both days where crontab takes either."""

from __future__ import annotations

import re

import pytest

from newsletter.config import weekdays_by_name
from newsletter.config.cron import check_cron


@pytest.mark.parametrize(
    ("written", "handed_over"),
    [
        ("0 9 * * 1", "0 9 * * mon"),  # Monday, as in crontab (APScheduler: Tuesday)
        ("0 9 * * 0", "0 9 * * sun"),
        ("0 9 * * 7", "0 9 * * sun"),
        ("0 9 * * 1-5", "0 9 * * mon,tue,wed,thu,fri"),
        ("0 9 * * 5-7", "0 9 * * sun,fri,sat"),
        ("0 9 * * */2", "0 9 * * sun,tue,thu,sat"),
        ("0 9 * * MON,wed", "0 9 * * mon,wed"),
        ("0 9 1 1,4,7,10 *", "0 9 1 1,4,7,10 *"),
        ("*/15 9-17 1 jan,APR *", "*/15 9-17 1 jan,APR *"),
    ],
)
def test_days_of_the_week_are_crontabs(written, handed_over):
    assert weekdays_by_name(check_cron(written)) == handed_over


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("0 9 1 * MON", "restricts both the day of the month and the day of the week"),
        ("0 9 * * 8", "'8' is not a day of the week (0-7, or sun-sat)"),
        ("0 9 * * fri-mon", "the days of the week in 'fri-mon' run backwards"),
        ("0 9 * *", "is not a cron line: write five fields"),
        ("0 9 32 * *", "the day of the month '32' is not one of 1-31"),
        ("0 24 1 * *", "the hour '24' is not one of 0-23"),
        ("0 9 1 1,13 *", "the month '13' is not one of 1-12"),
        ("x 9 1 1 *", "the minute 'x' is not one of 0-59"),
        ("*/0 9 1 * *", "'*/0' steps by 0: write /1 or more"),
        ("0 9 * * */0", "'*/0' steps by 0: write /1 or more"),
    ],
)
def test_a_line_crontab_would_read_otherwise_is_refused(written, said):
    with pytest.raises(ValueError, match=re.escape(said)):
        check_cron(written)
