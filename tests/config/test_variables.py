"""NEWSLETTER_* variables that set nothing: each named, with the one it most likely misspells."""

from __future__ import annotations

import re
from pathlib import Path

from newsletter.config import SECRET_VARIABLES, unknown_variables

REPO = Path(__file__).resolve().parents[2]


def test_a_misspelt_variable_names_the_one_it_is_closest_to():
    environ = {"NEWSLETTER_SCHEDULE_GRACE_MINUTE": "5", "NEWSLETTER_SMTP_PORTT": "2525"}
    assert unknown_variables(environ) == [
        "NEWSLETTER_SCHEDULE_GRACE_MINUTE is not a setting: is it "
        "NEWSLETTER_SCHEDULE_GRACE_MINUTES?",
        "NEWSLETTER_SMTP_PORTT is not a setting: is it NEWSLETTER_SMTP_PORT?",
    ]


def test_the_guess_is_made_on_the_name_after_the_prefix_they_all_share():
    environ = dict.fromkeys(
        ["NEWSLETTER_BASE_URL", "NEWSLETTER_TIMEZONE", "NEWSLETTER_WEB_PORT", "NEWSLETTER_SMTP_TLS"]
    )
    assert unknown_variables(environ) == [
        # The same key in another section; not the database's URL.
        "NEWSLETTER_BASE_URL is not a setting: is it NEWSLETTER_NEWSLETTER_BASE_URL?",
        "NEWSLETTER_SMTP_TLS is not a setting: nothing reads it",  # not the port, not the host
        "NEWSLETTER_TIMEZONE is not a setting: is it NEWSLETTER_NEWSLETTER_TIMEZONE?",
        "NEWSLETTER_WEB_PORT is not a setting: nothing reads it",  # not SMTP's port
    ]


def test_a_key_without_its_section_is_named_when_only_one_setting_has_it():
    environ = dict.fromkeys(["NEWSLETTER_GRACE_MINUTE", "NEWSLETTER_NAME"])
    assert unknown_variables(environ) == [
        "NEWSLETTER_GRACE_MINUTE is not a setting: is it NEWSLETTER_SCHEDULE_GRACE_MINUTES?",
        "NEWSLETTER_NAME is not a setting: nothing reads it",  # [newsletter] or [sender]?
    ]


def test_a_misspelt_secret_is_named_too():
    assert unknown_variables({"NEWSLETTER_SMTP_PASWORD": "s3cret"}) == [
        "NEWSLETTER_SMTP_PASWORD is not a setting: is it NEWSLETTER_SMTP_PASSWORD?"
    ]


def test_a_variable_close_to_none_is_said_to_be_read_by_nothing():
    assert unknown_variables({"NEWSLETTER_COLOUR": "blue", "SMTP_PORTT": "25"}) == [
        "NEWSLETTER_COLOUR is not a setting: nothing reads it"
    ]


def test_settings_and_secrets_are_not_warned_of():
    environ = dict.fromkeys(
        [
            "NEWSLETTER_SCHEDULE_GRACE_MINUTES",
            "NEWSLETTER_SMTP_PORT",
            "NEWSLETTER_DATABASE_URL",
            "NEWSLETTER_NEWSLETTER_LANGUAGES",
            *SECRET_VARIABLES,
        ],
        "x",
    )
    assert unknown_variables(environ) == []


def test_no_variable_the_project_reads_is_warned_of():
    """Every NEWSLETTER_* variable read in the code, the tests, the benchmarks and CI."""
    read = set()
    files = [
        *REPO.glob("src/**/*.py"),
        *REPO.glob("tests/**/*.py"),
        *REPO.glob("benchmarks/**/*.py"),
    ]
    for path in [*files, *REPO.glob(".ci/*")]:
        text = path.read_text(encoding="utf-8")
        read.update(re.findall(r'environ(?:\.get\(|\[)\s*"(NEWSLETTER_\w+)"', text))
        read.update(re.findall(r'environ\.get\(f"\{ENV_PREFIX\}(\w+)"', text, re.A))
        read.update(re.findall(r"^export (NEWSLETTER_\w+)=", text, re.M))
    read = {name if name.startswith("NEWSLETTER_") else f"NEWSLETTER_{name}" for name in read}
    assert {"NEWSLETTER_SECRET_KEY", "NEWSLETTER_TEST_POSTGRES", "NEWSLETTER_UPDATE_GOLDEN"} <= read
    assert "NEWSLETTER_TEST_REQUIRE_SERVICES" in read  # .ci/run's
    assert unknown_variables(dict.fromkeys(read, "x")) == []
