"""WHEN as editors write it: the moments it names, and the words for what it cannot be."""

from __future__ import annotations

import datetime as dt

import pytest

from newsletter.schedule import BadWhen, parse_when

NOW = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)
ZONE = "America/Toronto"
EXAMPLE = (
    "write it as 2027-02-15T09:00, with an offset (-05:00) or a time zone "
    "(America/Toronto) when it is not the project's"
)


@pytest.mark.parametrize(
    ("when", "utc"),
    [
        ("2027-02-15T09:00", "2027-02-15 14:00"),  # the project's time zone, in winter
        ("2027-07-15T09:00", "2027-07-15 13:00"),  # and in summer
        ("2027-02-15 09:00", "2027-02-15 14:00"),
        ("2027-02-15T09:00-05:00", "2027-02-15 14:00"),
        ("2027-02-15T09:00Z", "2027-02-15 09:00"),
        ("2027-02-15T09:00 Asia/Tokyo", "2027-02-15 00:00"),
        ("2027-02-15T09:00[Asia/Tokyo]", "2027-02-15 00:00"),
    ],
)
def test_when_names_a_moment(when, utc):
    assert f"{parse_when(when, ZONE, NOW):%Y-%m-%d %H:%M}" == utc


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("tomorrow", f"'tomorrow' is not a date and time: {EXAMPLE}"),
        ("", f"'' is not a date and time: {EXAMPLE}"),
        (
            "2027-02-30T09:00",
            f"'2027-02-30T09:00' is not a date and time (day is out of range for month): {EXAMPLE}",
        ),
        ("2027-02-15", "'2027-02-15' has no time of day: write it as 2027-02-15T09:00"),
        (
            "2020-01-01T09:00",
            "'2020-01-01T09:00' is in the past (it is now 2026-11-30 09:00 EST): plan a later time",
        ),
        (
            "2027-02-15T09:00 America/Ottawa",
            "'America/Ottawa' is not a time zone name, such as America/Toronto or Asia/Tokyo",
        ),
        (
            "2027-02-15T09:00 America/Toronot",
            "'America/Toronot' is not a time zone name; did you mean America/Toronto?",
        ),
        (
            "2027-03-14T02:30",
            "'2027-03-14T02:30' does not exist in America/Toronto: the clocks go forward "
            "then; plan an hour later",
        ),
        (
            "2027-02-15T09:00+09:00 Asia/Tokyo",
            "'2027-02-15T09:00+09:00 Asia/Tokyo' gives both an offset and a time zone: "
            "give one of them",
        ),
    ],
)
def test_when_that_is_no_future_moment_is_refused_in_words(when, message):
    with pytest.raises(BadWhen) as refused:
        parse_when(when, ZONE, NOW)
    assert str(refused.value) == message
