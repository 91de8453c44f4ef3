"""newsletter.toml: defaults, environment overrides, secrets, and located mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.config import find_project, load_config
from newsletter.core import NewsletterError, ProblemsError

CONFIG = """\
[newsletter]
name = "Test Newsletter"
languages = ["en", "ja"]
base_url = "https://example.org/news/"
timezone = "America/Toronto"

[sender]
name = "Test Sender"
address = "news@example.org"
postal_address = "1 Test Street, Ottawa"
contact_url = "https://example.org/contact"

[smtp]
port = 587
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "newsletter.toml").write_text(text, encoding="utf-8")
    return tmp_path


def messages(tmp_path: Path, text: str, environ=None) -> list[str]:
    with pytest.raises(ProblemsError) as excinfo:
        load_config(write(tmp_path, text), environ or {})
    return [str(p).replace(str(tmp_path) + "/", "") for p in excinfo.value.problems]


def test_defaults_are_the_embedded_ones(tmp_path):
    config = load_config(write(tmp_path, CONFIG), {})
    assert config.settings.delivery.backend == "outbox"
    assert config.database_url == f"sqlite:///{(tmp_path / 'newsletter.db').resolve()}"
    assert config.settings.smtp.security == "starttls"
    assert config.default_language == "en"


def test_environment_overrides_any_setting(tmp_path):
    environ = {
        "NEWSLETTER_SMTP_HOST": "mail.example.org",
        "NEWSLETTER_SMTP_PORT": "2525",
        "NEWSLETTER_SMTP_SECURITY": "tls",
        "NEWSLETTER_DELIVERY_BACKEND": "smtp",
        "NEWSLETTER_DATABASE_URL": "postgresql://news@db.example.org/news",
        "NEWSLETTER_NEWSLETTER_LANGUAGES": "ja, en",
    }
    config = load_config(write(tmp_path, CONFIG), environ)
    assert (
        config.settings.smtp.host,
        config.settings.smtp.port,
        config.settings.smtp.security,
    ) == (
        "mail.example.org",
        2525,
        "tls",
    )
    assert config.settings.delivery.backend == "smtp"
    assert config.database_url == "postgresql+psycopg://news@db.example.org/news"
    assert config.languages == ["ja", "en"]


def test_a_list_in_the_environment_may_be_written_as_newsletter_toml_writes_it(tmp_path):
    for written in ("ja, en", '["ja", "en"]', "['ja','en']"):
        config = load_config(write(tmp_path, CONFIG), {"NEWSLETTER_NEWSLETTER_LANGUAGES": written})
        assert config.languages == ["ja", "en"], written


def test_a_value_that_is_no_list_is_said_so_as_newsletter_toml_writes_lists(tmp_path):
    broken = {"NEWSLETTER_SCHEDULE_EDITORS": '["me@example.org", chief]'}
    with pytest.raises(ProblemsError) as from_variable:
        load_config(write(tmp_path, CONFIG), broken)
    assert str(from_variable.value) == (
        "environment variable NEWSLETTER_SCHEDULE_EDITORS: "
        '\'["me@example.org", chief]\' must be a list: a,b or ["a", "b"]'
    )
    in_file = CONFIG.replace('languages = ["en", "ja"]', 'languages = "en"', 1)
    with pytest.raises(ProblemsError) as from_file:
        load_config(write(tmp_path, in_file), {})
    assert 'must be a list: ["a", "b"]' in str(from_file.value)


def test_a_wrong_reminder_cron_line_is_said_at_its_line(tmp_path):
    schedule = '\n[schedule]\neditors = ["ed@example.org"]\nreminder = "0 9 32 * *"\n'
    with pytest.raises(ProblemsError) as wrong:
        load_config(write(tmp_path, CONFIG + schedule), {})
    line = (CONFIG + schedule).splitlines().index('reminder = "0 9 32 * *"') + 1
    assert str(wrong.value).endswith(
        f"newsletter.toml:{line}:1: schedule.reminder: '0 9 32 * *': the day of the month "
        "'32' is not one of 1-31"
    )


def test_a_misspelt_secret_key_variable_is_named_where_the_key_is_missed(tmp_path):
    config = load_config(write(tmp_path, CONFIG), {"NEWSLETTER_SECRETKEY": "x" * 43})
    assert config.secret_key_problem("sending", "it signs the links").endswith(
        "; NEWSLETTER_SECRETKEY is set: is it NEWSLETTER_SECRET_KEY misspelt?"
    )
    unrelated = load_config(write(tmp_path, CONFIG), {"NEWSLETTER_SMTP_HOST": "mail.example.org"})
    assert "misspelt" not in unrelated.secret_key_problem("sending", "it signs the links")


def test_secrets_come_from_the_environment(tmp_path):
    environ = {"NEWSLETTER_SMTP_PASSWORD": "s3cret", "NEWSLETTER_SECRET_KEY": "k"}
    config = load_config(write(tmp_path, CONFIG), environ)
    assert (config.smtp_password, config.secret_key) == ("s3cret", "k")


def test_a_password_in_the_file_is_refused(tmp_path):
    text = CONFIG.replace("port = 587", 'port = 587\npassword = "hunter2"')
    assert messages(tmp_path, text) == [
        "newsletter.toml:15:1: secrets are not read from files: "
        "remove 'password' and set NEWSLETTER_SMTP_PASSWORD"
    ]


def test_bad_values_are_located_with_their_key(tmp_path):
    text = CONFIG.replace('"America/Toronto"', '"Mars/Olympus"').replace("port = 587", "prot = 25")
    assert messages(tmp_path, text) == [
        "newsletter.toml:5:1: newsletter.timezone: 'Mars/Olympus' is not a time zone name "
        "such as America/Toronto",
        "newsletter.toml:14:1: unknown key 'prot'; did you mean 'port'?",
    ]


def test_missing_section_is_reported(tmp_path):
    text = CONFIG.split("[sender]")[0]
    assert messages(tmp_path, text) == ["newsletter.toml: 'sender' is required"]


def test_bad_environment_value_names_the_variable(tmp_path):
    assert messages(tmp_path, CONFIG, {"NEWSLETTER_SMTP_PORT": "many"}) == [
        "environment variable NEWSLETTER_SMTP_PORT: 'many' is not a whole number"
    ]


def test_toml_syntax_error_is_located(tmp_path):
    assert messages(tmp_path, CONFIG.replace('name = "Test Newsletter"', "name = Test")) == [
        "newsletter.toml:2:8: TOML syntax error: Invalid value"
    ]


def test_project_is_found_from_a_subfolder(tmp_path):
    write(tmp_path, CONFIG)
    (tmp_path / "issues" / "deep").mkdir(parents=True)
    assert find_project(tmp_path / "issues" / "deep") == tmp_path.resolve()


def test_no_project_says_how_to_make_one(tmp_path):
    with pytest.raises(NewsletterError, match=r"run `newsletter init DIR` to make a project"):
        find_project(tmp_path)


def test_repository_config_is_valid():
    config = load_config(Path(__file__).resolve().parents[2], {})
    assert config.languages == ["en", "ja"]


def test_a_secret_key_in_any_section_names_its_variable(tmp_path):
    text = CONFIG.replace(
        'timezone = "America/Toronto"', 'timezone = "America/Toronto"\nsecret_key = "abc"'
    )
    assert messages(tmp_path, text) == [
        "newsletter.toml:6:1: secrets are not read from files: "
        "remove 'secret_key' and set NEWSLETTER_SECRET_KEY"
    ]


def test_base_url_must_be_a_web_address(tmp_path):
    text = CONFIG.replace('"https://example.org/news/"', '"mailto:news@example.org"')
    assert messages(tmp_path, text) == [
        "newsletter.toml:4:1: newsletter.base_url: 'mailto:news@example.org' must be an http "
        "or https URL"
    ]


def test_a_section_written_as_a_value_is_reported(tmp_path):
    text = "smtp = 5\n" + CONFIG.split("[smtp]")[0]
    assert messages(tmp_path, text, {"NEWSLETTER_SMTP_PORT": "25"}) == [
        "newsletter.toml:1:1: smtp: 5 must be a mapping of keys to values"
    ]


def test_a_language_listed_twice(tmp_path):
    text = CONFIG.replace('languages = ["en", "ja"]', 'languages = ["en", "ja", "EN"]')
    assert messages(tmp_path, text) == [
        "newsletter.toml:3:1: newsletter.languages: 'EN' is listed twice"
    ]


def test_name_and_description_per_language(tmp_path):
    text = CONFIG.replace(
        'name = "Test Newsletter"',
        'name = { en = "Test Newsletter", ja = "テストニュース" }\n'
        'description = { en = "About tests" }',
    )
    config = load_config(write(tmp_path, text), {})
    assert config.masthead("ja").name == "テストニュース"
    assert config.masthead("ja").description == "About tests"  # falls back to the default
    assert config.masthead("en").name == "Test Newsletter"


def test_a_name_in_a_language_the_newsletter_does_not_have(tmp_path):
    text = CONFIG.replace('name = "Test Newsletter"', 'name = { en = "Test", fr = "Essai" }')
    assert messages(tmp_path, text) == [
        "newsletter.toml:1:1: newsletter: name: 'fr' is not one of the languages"
    ]


def test_sender_name_is_one_line(tmp_path):
    text = CONFIG.replace('name = "Test Sender"', 'name = "Test\\nBcc: x@example.org"')
    assert messages(tmp_path, text) == ["newsletter.toml:8:1: sender.name: must be one line"]


def test_newsletter_name_is_one_line_and_limits_read_plainly(tmp_path):
    text = CONFIG.replace('name = "Test Newsletter"', 'name = "Two\\nlines"').replace(
        "port = 587", "port = 70000"
    )
    assert messages(tmp_path, text) == [
        "newsletter.toml:2:1: newsletter.name: must be one line",
        "newsletter.toml:14:1: smtp.port: 70000 must be less than 65536",
    ]


def test_sender_name_per_language(tmp_path):
    text = CONFIG.replace(
        'name = "Test Sender"', 'name = { en = "Test Sender", ja = "テスト送信者" }'
    )
    config = load_config(write(tmp_path, text), {})
    assert config.sender_in("ja").name == "テスト送信者"
    assert config.sender_in("en").name == "Test Sender"
    assert config.sender_in("ja").postal_address == "1 Test Street, Ottawa"


def test_sender_name_in_a_language_the_newsletter_does_not_have(tmp_path):
    text = CONFIG.replace('name = "Test Sender"', 'name = { en = "Test Sender", fr = "Essai" }')
    assert messages(tmp_path, text) == [
        "newsletter.toml: sender.name: 'fr' is not one of the languages"
    ]
