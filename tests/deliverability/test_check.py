"""`newsletter check`: the sample issues are clean; each crafted problem is found and located;
`--links` against a local web server; the exit code and JSON; `send` refuses on errors."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.config import load_config
from newsletter.deliverability import check_issue
from newsletter.issues import ready_issues
from tests.conftest import needs

from .conftest import SLOW_SECONDS

BAD_SUBJECT = """\
title: FREE OFFER FOR ALL OUR READERS, ACT NOW AND WIN A VERY LONG SUBJECT LINE TODAY
date: 2027-02-28
status: ready
sections:
  - title: News
    entries:
      - title: Something
        date: 2027-02
        url: https://example.org/something
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def write_issue(project: Path, slug: str, text: str) -> None:
    (project / "issues" / f"{slug}.yaml").write_text(text, encoding="utf-8")


def replace_in(project: Path, name: str, old: str, new: str) -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_every_sample_issue_and_edition_has_no_error_nor_warning(project):
    config = load_config(project, {})
    for issue in ready_issues(config):
        report = check_issue(config, issue.slug, {}, spam=False)
        assert [str(f) for f in report.findings] == [], issue.slug


def test_check_of_a_sample_issue_says_it_is_ready_and_exits_0(project):
    result = run("check", "2013-05")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2013-05: 0 errors, 0 warnings; ready to send"


def test_check_of_a_draft_says_when_it_will_be_ready(project):
    result = run("check", "2013-08")
    assert result.exit_code == 0, result.output
    assert "is a draft: `send` refuses it until its file says 'status: ready'" in result.output
    assert result.output.splitlines()[-1] == (
        "2013-08: 0 errors, 1 warning; ready to send once its file says 'status: ready'"
    )


def test_a_subject_in_capitals_too_long_and_spammy_is_warned_about_once_at_its_line(project):
    write_issue(project, "2027-02", BAD_SUBJECT)  # one title, every edition's subject
    report = check_issue(load_config(project, {}), "2027-02", {}, spam=False)
    assert [str(f) for f in report.findings] == [
        "issues/2027-02.yaml:1: warning: the subject is 78 columns long: mail clients "
        "show about 70 and cut the rest",
        "issues/2027-02.yaml:1: warning: the subject is mostly capitals, which spam "
        "filters count against it",
        "issues/2027-02.yaml:1: warning: the subject says 'FREE', 'ACT NOW', which spam "
        "filters count against it",
    ]
    assert not report.errors


def test_a_subject_per_language_is_located_at_its_own_line(project):
    text = BAD_SUBJECT.replace(
        "status: ready\n",
        "status: ready\nsubject:\n  en: Fine news\n  ja: FREE MONEY FOR EVERYONE\n",
    )
    write_issue(project, "2027-02", text)
    report = check_issue(load_config(project, {}), "2027-02", {}, spam=False)
    assert [str(f) for f in report.findings] == [
        "issues/2027-02.yaml:6: warning (ja): the subject is mostly capitals, which spam "
        "filters count against it",
        "issues/2027-02.yaml:6: warning (ja): the subject says 'FREE', which spam filters "
        "count against it",
    ]


def test_a_theme_without_postal_address_or_unsubscribe_link_is_an_error_in_each_part(project):
    footer = "templates/partials/footer.mjml"
    replace_in(project, footer, "<div>{{ edition.sender.postal_address }}</div>", "")
    replace_in(
        project,
        footer,
        '&nbsp;&middot; <a href="{{ edition.placeholders.unsubscribe_url }}" '
        'style="{{ link }}">{{ labels.unsubscribe }}</a>',
        "",
    )
    result = run("check", "2013-05")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if ": error (en)" in line]
    assert errors == [
        "2013-05: error (en): the HTML part does not show the postal address, which CASL "
        "requires in every message: the theme must write {{ edition.sender.postal_address }}",
        "2013-05: error (en): the HTML part does not show the unsubscribe link, which CASL "
        "requires in every message: the theme must write "
        "{{ edition.placeholders.unsubscribe_url }}",
    ]
    assert result.output.splitlines()[-1] == "2013-05: 4 errors, 0 warnings; not ready to send"


def test_an_image_without_alt_text_is_an_error_at_the_hero(project):
    replace_in(project, "templates/partials/hero.mjml", 'alt="{{ hero.alt }}"', "")
    report = check_issue(load_config(project, {}), "2013-05", {}, spam=False)
    assert [str(f) for f in report.errors if f.language == "en"] == [
        "issues/2013-05.yaml:22: error (en): the image "
        "'https://newsletter.example.org/japan-st/2013-05/images/banner-space.png' has no alt "
        "text: readers who block images see nothing"
    ]


def test_problems_validate_finds_are_errors_of_check_with_their_place(project):
    write_issue(
        project, "2027-02", BAD_SUBJECT.replace("https://example.org/something", "reports/x.html")
    )
    result = run("check", "2027-02")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "issues/2027-02.yaml:9: error: sections[0].entries[0].url: 'reports/x.html' is not "
        "allowed: links must be http, https or mailto URLs",
        "2027-02: 1 error, 0 warnings; not ready to send",
    ]


def test_json_output_lists_findings_and_the_exit_code_says_errors(project):
    write_issue(project, "2027-02", BAD_SUBJECT)
    result = run("check", "2027-02", "--format", "json")
    assert result.exit_code == 0, result.output  # warnings only
    data = json.loads(result.output)
    assert (data["issue"], data["ok"], data["errors"], data["warnings"]) == ("2027-02", True, 0, 3)
    assert data["findings"][0] == {
        "path": "issues/2027-02.yaml",
        "line": 1,
        "level": "warning",
        "language": "",
        "message": "the subject is 78 columns long: mail clients show about 70 and cut the rest",
    }


LINKED_ISSUE = """\
title: Links
date: 2027-03-31
status: ready
preheader: Links to check
sections:
  - title: News
    entries:
      - title: Live
        date: 2027-03
        url: {base}/ok
      - title: Dead
        date: 2027-03
        url: {base}/gone
      - title: No HEAD
        date: 2027-03
        url: {base}/no-head
      - title: Moved
        date: 2027-03
        url: {base}/moved
      - title: Slow
        date: 2027-03
        url: {base}/slow
"""


def test_links_finds_dead_and_slow_links_at_their_lines_and_follows_redirects(
    project, link_server, monkeypatch
):
    base = f"http://127.0.0.1:{link_server.server_address[1]}"
    monkeypatch.setenv("NEWSLETTER_NEWSLETTER_BASE_URL", f"{base}/site/")
    monkeypatch.setenv("NEWSLETTER_SENDER_CONTACT_URL", f"{base}/contact/")
    write_issue(project, "2027-03", LINKED_ISSUE.format(base=base))
    result = run("check", "2027-03", "--links", "--timeout", str(SLOW_SECONDS / 3))
    assert result.exit_code == 1
    link_lines = [line for line in result.output.splitlines() if "the link" in line]
    assert link_lines == [
        f"2027-03: error (en): the link {base}/site/2027-03/ answers 404 Not Found: the archive "
        f"is not published at {base}/site/ yet (`newsletter archive`, then publish the site "
        "before sending)",
        f"2027-03: error (ja): the link {base}/site/ja/2027-03/ answers 404 Not Found: the "
        f"archive is not published at {base}/site/ yet (`newsletter archive`, then publish "
        "the site before sending)",
        f"issues/2027-03.yaml:13: error (en): the link {base}/gone answers 404 Not Found",
        f"issues/2027-03.yaml:22: error (en): the link {base}/slow did not answer within 1 s",
    ]
    asked = link_server.asked
    assert ("HEAD", "/no-head") in asked and ("GET", "/no-head") in asked
    assert ("HEAD", "/moved") not in asked  # a redirect is not an answer: /ok is
    assert any(path == "/ok" for _, path in asked)


@needs(shutil.which("spamassassin") is not None, "spamassassin is not installed")
def test_the_spam_score_is_in_the_report_with_the_rules_that_fired(project):
    write_issue(project, "2027-02", BAD_SUBJECT)
    report = check_issue(load_config(project, {}), "2027-02", os.environ)
    assert set(report.spam) == {"en", "ja"}
    assert report.spam["en"]["score"] < 2.0  # a warning only above 2
    assert all(rule["name"].isupper() for rule in report.spam["en"]["rules"])


def test_send_refuses_an_issue_with_errors_unless_forced(project):
    replace_in(
        project,
        "templates/partials/footer.mjml",
        "<div>{{ edition.sender.postal_address }}</div>",
        "",
    )
    refused = run("send", "2013-05", "--yes")
    assert refused.exit_code == 1
    assert refused.output.splitlines()[-1] == (
        "error: not sent: `newsletter check` found 2 errors in 2013-05; fix them, or send "
        "anyway with --force"
    )
    assert not (project / "outbox").exists()
    forced = run("send", "2013-05", "--yes", "--force")
    assert forced.exit_code == 0, forced.output
    assert "2013-05 en: 0 sent" in forced.output


def test_smtp_without_dkim_is_warned_about_and_a_key_that_cannot_sign_is_an_error(project):
    smtp = {"NEWSLETTER_DELIVERY_BACKEND": "smtp"}
    unsigned = check_issue(load_config(project, smtp), "2013-05", smtp, spam=False)
    assert [str(f) for f in unsigned.findings] == [
        "2013-05: warning: messages will not be DKIM-signed, which Gmail and Yahoo require of "
        "bulk senders: [dkim] domain and selector are not set (`newsletter dkim keygen` makes "
        "a key)"
    ]
    broken = {
        **smtp,
        "NEWSLETTER_DKIM_DOMAIN": "newsletter.example.org",
        "NEWSLETTER_DKIM_SELECTOR": "s1",
        "NEWSLETTER_DKIM_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nbroken\n",
    }
    report = check_issue(load_config(project, broken), "2013-05", broken, spam=False)
    assert [f.message for f in report.errors] == [
        "NEWSLETTER_DKIM_PRIVATE_KEY cannot sign: it is not a PEM private key without a "
        "password (-----BEGIN PRIVATE KEY-----, as `newsletter dkim keygen` writes)"
    ]


def test_a_theme_with_a_relative_link_and_an_image_off_https_is_an_error(project):
    footer = "templates/partials/footer.mjml"
    replace_in(
        project,
        footer,
        "<div>{{ edition.sender.name }}</div>",
        '<div>{{ edition.sender.name }} <a href="about.html">about</a>'
        '<img src="http://cdn.example.org/logo.png" alt="Logo"></div>',
    )
    report = check_issue(load_config(project, {}), "2013-05", {}, spam=False)
    assert [str(f) for f in report.errors if f.language == "en"] == [
        "2013-05: error (en): the image 'http://cdn.example.org/logo.png' is not an absolute "
        "https URL: mail clients load images from the web (the archive publishes the issue's "
        "images at base_url)",
        "2013-05: error (en): the link 'about.html' is not an absolute URL: in an email it "
        "leads nowhere; write it in full, with https://",
    ]


def test_check_without_an_issue_checks_the_newest_ready_one(project):
    result = run("check", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["issue"] == "2013-05"  # 2013-08 is a draft


def test_an_email_gmail_would_clip_is_warned_about_from_the_one_rendering(project):
    words = " ".join(["Cooperation in science and technology continues."] * 2500)
    write_issue(
        project,
        "2027-04",
        BAD_SUBJECT.replace(
            "title: FREE OFFER FOR ALL OUR READERS, ACT NOW AND WIN A VERY LONG SUBJECT LINE TODAY",
            "title: A long issue",
        )
        .replace("status: ready\n", f"status: ready\nintro: {words}\n")
        .replace("2027-02", "2027-04"),
    )
    report = check_issue(load_config(project, {}), "2027-04", {}, spam=False)
    clipped = [str(f) for f in report.warnings if "Gmail clips" in f.message]
    assert not report.errors, [str(f) for f in report.findings]
    assert len(clipped) == 2  # each edition
    assert clipped[0].startswith("issues/2027-04.yaml: warning: the en edition's email.html is ")
