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
        # 01:30 comes twice as the clocks go back: an offset says which
        ("2027-11-07T01:30-04:00", "2027-11-07 05:30"),
        ("2027-11-07T01:30-05:00", "2027-11-07 06:30"),
        ("2027-11-07T00:59", "2027-11-07 04:59"),  # just before the repeated hour
        ("2027-11-07T02:00", "2027-11-07 07:00"),  # just after it
        ("2027-03-14T01:59", "2027-03-14 06:59"),  # just before the skipped hour
        ("2027-03-14T03:00", "2027-03-14 07:00"),  # at its end
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
            "'2027-03-14T02:30' does not exist in America/Toronto: the clocks skip from 02:00 "
            "EST to 03:00 EDT then; plan it before 02:00 or from 03:00",
        ),
        (
            "2027-11-07T01:30",
            "'2027-11-07T01:30' happens twice in America/Toronto: the clocks go back from "
            "02:00 EDT to 01:00 EST then, so it is first 01:30 EDT (UTC-04:00), then 01:30 EST "
            "(UTC-05:00); write the one you mean with its offset: 2027-11-07T01:30-04:00 or "
            "2027-11-07T01:30-05:00",
        ),
        (
            "2027-04-04T02:30 Australia/Sydney",
            "'2027-04-04T02:30 Australia/Sydney' happens twice in Australia/Sydney: the clocks "
            "go back from 03:00 AEDT to 02:00 AEST then, so it is first 02:30 AEDT (UTC+11:00), "
            "then 02:30 AEST (UTC+10:00); write the one you mean with its offset: "
            "2027-04-04T02:30+11:00 or 2027-04-04T02:30+10:00",
        ),
        (
            "2027-10-03T02:10[Australia/Lord_Howe]",
            "'2027-10-03T02:10[Australia/Lord_Howe]' does not exist in Australia/Lord_Howe: "
            "the clocks skip from 02:00 +1030 to 02:30 +11 then; plan it before 02:00 or from "
            "02:30",
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
