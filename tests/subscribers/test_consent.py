"""CASL consent rules: when implied consent lapses, which consent stands, how dates are read."""

from __future__ import annotations

import datetime as dt

import pytest

from newsletter.subscribers import Consent, format_moment, parse_moment
from newsletter.subscribers.consent import add_years

TORONTO = "America/Toronto"


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def test_implied_consent_lapses_two_years_later_and_express_never():
    assert Consent("implied", at(2024, 5, 1), "card").expires_at == at(2026, 5, 1)
    assert Consent("express", at(2024, 5, 1), "form").expires_at is None


def test_consent_given_on_29_february_lapses_on_28_february():
    assert add_years(at(2024, 2, 29, 12), 2) == at(2026, 2, 28, 12)


def test_consent_is_valid_from_when_it_was_given_until_it_lapses():
    card = Consent("implied", at(2024, 5, 1), "card")
    assert not card.valid_at(at(2024, 4, 30))
    assert card.valid_at(at(2024, 5, 1))
    assert card.valid_at(at(2026, 4, 30, 23, 59))
    assert not card.valid_at(at(2026, 5, 1))


@pytest.mark.parametrize(
    ("new", "old", "replaces"),
    [
        (("express", 2020), ("implied", 2024), True),  # express outlasts any implied consent
        (("implied", 2025), ("express", 2020), False),  # implied never replaces express
        (("implied", 2025), ("implied", 2024), True),  # a renewal
        (("implied", 2023), ("implied", 2024), False),  # an older list
        (("express", 2024), ("express", 2024), False),  # the same: nothing to record
    ],
)
def test_which_consent_stands(new, old, replaces):
    first = Consent(new[0], at(new[1], 1, 1), "new")
    second = Consent(old[0], at(old[1], 1, 1), "old")
    assert first.supersedes(second) is replaces


def test_a_date_is_midnight_where_the_newsletter_is():
    assert parse_moment("2011-06-14", TORONTO) == at(2011, 6, 14, 4)
    assert parse_moment("2011-12-14", TORONTO) == at(2011, 12, 14, 5)
    assert parse_moment("2011-06-14 09:30", TORONTO) == at(2011, 6, 14, 13, 30)
    assert parse_moment("2011-06-14T09:30:00+09:00", TORONTO) == at(2011, 6, 14, 0, 30)


def test_dates_are_written_back_as_they_are_read():
    for text in ("2011-06-14", "2011-06-14T09:30:00-04:00"):
        assert format_moment(parse_moment(text, TORONTO), TORONTO) == text


def test_times_are_written_to_the_second_and_local_midnight_as_a_date():
    now = dt.datetime(2026, 11, 25, 4, 13, 21, 236462, tzinfo=dt.UTC)
    assert format_moment(now, TORONTO) == "2026-11-24T23:13:21-05:00"
    assert format_moment(now, "UTC") == "2026-11-25T04:13:21+00:00"
    assert format_moment(at(2026, 11, 25, 5, 0), TORONTO) == "2026-11-25"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2011-13-01", "'2011-13-01' is not a valid date: month must be in 1..12"),
        ("14/06/2011", "'14/06/2011' is not a valid date: write YYYY-MM-DD"),
        ("June 2011", "'June 2011' is not a valid date: write YYYY-MM-DD"),
    ],
)
def test_a_bad_date_says_why(text, message):
    with pytest.raises(ValueError) as error:
        parse_moment(text, TORONTO)
    assert str(error.value) == message
