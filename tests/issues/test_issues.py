"""Every validation rule: a broken issue file gives the exact line, column and message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.issues import load_issue, load_issues

CONFIG = """\
[newsletter]
name = "Test Newsletter"
languages = ["en", "ja"]
base_url = "https://example.org/news/"
[sender]
name = "Test Sender"
address = "news@example.org"
postal_address = "1 Test Street, Ottawa"
contact_url = "https://example.org/contact"
"""

GOOD = """\
title: {en: "Test Newsletter, May 2013", ja: テストニュース 2013年5月}
date: 2013-05-15
status: ready
sections:
  - title: Updates
    entries:
      - title: First Joint Meeting on Space Cooperation
        date: 2013-05
      - title: 第1回日本・カナダ資源系大学間ワークショップの開催
        date: 2013-05-20
        language: ja
        url: https://example.org/ws
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "newsletter.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "issues").mkdir()
    return tmp_path


def problems_in(project: Path, text: str, name: str = "2013-05.yaml") -> list[str]:
    path = project / "issues" / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    _, problems = load_issue(path, load_config(project, {}))
    return [f"{p.line}:{p.col}: {p.message}" for p in problems]


def test_a_correct_issue_has_no_problems(project):
    assert problems_in(project, GOOD) == []


def test_yaml_syntax_error_is_located(project):
    assert problems_in(project, "title: [unclosed\ndate: 2013-05-15\n") == [
        "2:5: YAML syntax error: while parsing a flow sequence: did not find expected ',' or ']'"
    ]


def test_duplicate_key_is_an_error_not_last_wins(project):
    text = GOOD.replace("status: ready\n", "status: ready\nstatus: draft\n")
    assert problems_in(project, text) == ["4:1: duplicate key 'status' (first given on line 3)"]


def test_unknown_key_suggests_the_close_one(project):
    text = GOOD.replace("title: {en", "titel: {en", 1)
    assert problems_in(project, text) == ["1:1: unknown key 'titel'; did you mean 'title'?"]


def test_unknown_key_without_close_match_lists_the_allowed_keys(project):
    text = GOOD.replace(
        "        date: 2013-05\n", "        date: 2013-05\n        colour: red\n", 1
    )
    assert problems_in(project, text) == [
        "9:9: unknown key 'colour'; expected one of: title, date, url, summary, language"
    ]


def test_missing_required_field_points_at_its_parent(project):
    text = GOOD.replace(
        "      - title: First Joint Meeting on Space Cooperation\n        date", "      - date"
    )
    assert problems_in(project, text) == ["7:9: 'sections[0].entries[0].title' is required"]


def test_wrong_type_names_what_it_got(project):
    text = GOOD.replace("status: ready", "status: ready\nlinks: 7")
    assert problems_in(project, text) == ["4:8: links: 7 must be a list (lines starting with '- ')"]


def test_impossible_issue_date(project):
    text = GOOD.replace("date: 2013-05-15", "date: 2013-13-01")
    assert problems_in(project, text) == [
        "2:7: date: '2013-13-01' is not a real date: month must be in 1..12"
    ]


def test_impossible_entry_month(project):
    text = GOOD.replace("date: 2013-05\n", "date: 2013-17\n")
    assert problems_in(project, text) == [
        "8:15: sections[0].entries[0].date: '2013-17' is not a real date: month must be in 1..12"
    ]


def test_entry_date_in_another_format(project):
    text = GOOD.replace("date: 2013-05\n", "date: May 2013\n")
    assert problems_in(project, text) == [
        "8:15: sections[0].entries[0].date: 'May 2013' is not a date: write YYYY-MM-DD or YYYY-MM"
    ]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "data:text/html,x"])
def test_only_http_https_and_mailto_links(project, url):
    text = GOOD.replace("url: https://example.org/ws", f"url: {url}")
    assert problems_in(project, text) == [
        f"12:14: sections[0].entries[1].url: '{url}' is not allowed: "
        "links must be http, https or mailto URLs"
    ]


def test_hero_image_needs_alt_text(project):
    (project / "issues" / "banner.png").write_bytes(b"png")
    text = GOOD + "hero:\n  image: banner.png\n  caption: A banner\n"
    assert problems_in(project, text) == [
        "14:10: hero.image: an image needs alt text ('alt') for readers who cannot see it"
    ]


def test_hero_image_must_exist(project):
    text = GOOD + "hero:\n  image: images/missing.png\n  alt: A banner\n"
    [problem] = problems_in(project, text)
    assert problem.startswith(
        "14:10: hero.image: image 'images/missing.png' not found (looked for "
    )


def test_empty_section_is_an_error(project):
    text = GOOD + "  - title: Speeches\n    entries: []\n"
    assert problems_in(project, text) == ["14:14: sections[1].entries: needs at least one item"]


def test_section_with_nothing_under_entries(project):
    text = GOOD + "  - title: Speeches\n    entries:\n"
    assert problems_in(project, text) == ["14:13: sections[1].entries: has no value"]


def test_language_not_in_config_is_an_error(project):
    text = GOOD.replace("ja: テストニュース 2013年5月", "fr: Bulletin")
    assert problems_in(project, text) == [
        "1:42: title.fr: unknown language 'fr'; this newsletter's languages are en, ja"
    ]


def test_translations_must_include_the_default_language(project):
    text = GOOD.replace("  - title: Updates", "  - title: {ja: 最新情報}")
    assert problems_in(project, text) == [
        "5:12: sections[0].title: gives no 'en' text; the first language is every edition's fallback"
    ]


def test_unknown_entry_language_code(project):
    text = GOOD.replace("language: ja", "language: jp")
    assert problems_in(project, text) == [
        "11:19: sections[0].entries[1].language: unknown language code 'jp'"
    ]


def test_date_outside_the_month_the_file_is_named_after(project):
    text = GOOD.replace("date: 2013-05-15", "date: 2013-06-15")
    assert problems_in(project, text) == [
        "2:7: date 2013-06-15 is not in 2013-05, the month this file is named after"
    ]


def test_empty_file(project):
    assert problems_in(project, "# nothing yet\n") == [
        "1:1: the file is empty; an issue needs title, date and sections"
    ]


def test_two_issues_with_the_same_slug(project):
    issues = project / "issues"
    (issues / "2013-05.yaml").write_text(GOOD, encoding="utf-8")
    (issues / "special.yaml").write_text(
        GOOD.replace("status: ready", "status: ready\nslug: 2013-05"), encoding="utf-8"
    )
    _, problems = load_issues(sorted(issues.glob("*.yaml")), load_config(project, {}))
    assert [p.message for p in problems] == [
        f"slug '2013-05' is already used by {issues / '2013-05.yaml'}"
    ]


def test_all_problems_of_a_file_are_reported_together(project):
    text = """\
    titel: Test
    date: 2013-13-15
    status: redy
    hero:
      image: x.png
    sections:
      - title: Updates
        entries:
          - title: One
            date: 2013-17
            url: javascript:alert(1)
            colour: red
          - title: 5
            date: 2013-05
          - title: Two
            date: 2013-05
            date: 2013-06
      - title: Empty
        entries: []
    links: 7
    """
    assert problems_in(project, text) == [
        "1:1: unknown key 'titel'; did you mean 'title'?",
        "2:7: date: '2013-13-15' is not a real date: month must be in 1..12",
        "3:9: status: 'redy' is not allowed; did you mean 'ready'?",
        "5:10: hero.image: an image needs alt text ('alt') for readers who cannot see it",
        "10:15: sections[0].entries[0].date: '2013-17' is not a real date: month must be in 1..12",
        "11:14: sections[0].entries[0].url: 'javascript:alert(1)' is not allowed: "
        "links must be http, https or mailto URLs",
        "12:9: unknown key 'colour'; expected one of: title, date, url, summary, language",
        "13:16: sections[0].entries[1].title: 5 is not text: write text (in quotes if it looks "
        "like a number or a date), or one text per language such as {en: ..., ja: ...}",
        "17:9: duplicate key 'date' (first given on line 16)",
        "19:14: sections[1].entries: needs at least one item",
        "20:8: links: 7 must be a list (lines starting with '- ')",
    ]


def test_repository_sample_issues_all_validate(sample_project):
    config = load_config(sample_project, {})
    issues, problems = load_issues(sorted((sample_project / "issues").glob("*.yaml")), config)
    assert [str(p) for p in problems] == []
    ready = [issue.slug for issue in issues if issue.is_ready]
    assert ready == [
        "2011-07",
        "2011-10",
        "2011-12",
        "2012-04",
        "2012-07",
        "2012-10",
        "2013-02",
        "2013-05",
    ]


def test_unquoted_comma_in_a_translation_mapping_gets_a_hint(project):
    text = GOOD.replace('"Test Newsletter, May 2013"', "Test Newsletter, May 2013")
    assert problems_in(project, text) == [
        "1:30: title.May 2013: unknown language 'May 2013'; this newsletter's languages are "
        "en, ja (a comma inside {...} starts a new key: quote the text)"
    ]


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (
            "../../../etc/passwd",
            "'../../../etc/passwd' is outside the project: images are published with the archive",
        ),
        (
            "../newsletter.toml",
            "'../newsletter.toml' is not an image file (.png, .jpg, .jpeg, .gif, .webp)",
        ),
        (
            "https://example.org/x.png",
            "'https://example.org/x.png' is a URL: an image must be a file in the project, such as images/x.png",
        ),
    ],
)
def test_hero_image_must_be_an_image_file_inside_the_project(project, image, message):
    text = GOOD + f"hero:\n  image: {image}\n  alt: A banner\n"
    assert problems_in(project, text) == [f"14:10: hero.image: {message}"]


@pytest.mark.parametrize("slug", ["feed.xml", "Spring 2027!", "../up"])
def test_slug_must_be_url_safe(project, slug):
    text = GOOD.replace("status: ready", f"status: ready\nslug: '{slug}'")
    assert problems_in(project, text) == [
        f"4:7: slug: '{slug}' cannot be a slug: use lower-case letters, digits, - and _ (it is a URL)"
    ]


def test_slug_cannot_be_a_language_code(project):
    text = GOOD.replace("status: ready", "status: ready\nslug: ja")
    assert problems_in(project, text) == [
        "4:7: slug 'ja' is a language code: the archive uses it for a folder"
    ]


def test_issue_date_in_another_format(project):
    text = GOOD.replace("date: 2013-05-15", "date: 15/05/2013")
    assert problems_in(project, text) == ["2:7: date: '15/05/2013' is not a date: write YYYY-MM-DD"]


def test_link_inside_markdown_must_be_http_https_or_mailto(project):
    text = GOOD.replace(
        "        language: ja\n",
        "        language: ja\n        summary: See [the manager](javascript:alert(1)).\n",
    )
    assert problems_in(project, text) == [
        "12:18: sections[0].entries[1].summary: link 'javascript:alert(1)' is not allowed: "
        "links must be http, https or mailto URLs"
    ]


def test_url_with_a_space(project):
    text = GOOD.replace("url: https://example.org/ws", "url: https://exa mple.org/ws")
    assert problems_in(project, text) == [
        "12:14: sections[0].entries[1].url: 'https://exa mple.org/ws' has a space in it: "
        "check the address"
    ]


def test_colon_inside_an_unquoted_value_gets_a_hint(project):
    text = GOOD.replace("status: ready", "status: ready\nsubject: Note: read this")
    [problem] = problems_in(project, text)
    assert problem.endswith("(a ': ' inside a value: put the whole value in quotes)")


def test_a_title_on_several_lines_is_refused(project):
    # A line break in the subject would start a new mail header (Bcc: ...).
    text = GOOD.replace(
        "status: ready", "status: ready\nsubject: |\n  Line one\n  Bcc: x@example.com"
    )
    assert problems_in(project, text) == [
        "4:10: subject: must be one line (for a long text write '>-' and fold it)"
    ]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            r'"Line one\rBcc: x@example.com"',
            "must be one line (for a long text write '>-' and fold it)",
        ),
        (
            r'"Line one\u2028Bcc: x@example.com"',
            "must be one line (for a long text write '>-' and fold it)",
        ),
        (r'"Tab\there"', "has a tab"),
        (r'"Bell\a"', "has a control character (U+0007)"),
    ],
)
def test_a_single_line_field_refuses_every_control_character(project, written, message):
    # A bare carriage return reaches the Subject header as a line break: one rule for all.
    text = GOOD.replace("status: ready", f"status: ready\nsubject: {written}")
    assert problems_in(project, text) == [f"4:10: subject: {message}"]


def test_an_empty_translation_is_refused(project):
    text = GOOD.replace("ja: テストニュース 2013年5月", 'ja: ""')
    assert problems_in(project, text) == ["1:46: title.ja: is empty: write the text"]


def test_placeholder_tokens_are_reserved(project):
    from newsletter.issues import PLACEHOLDER_MARK
    from newsletter.render import PLACEHOLDERS

    assert all(token.startswith(PLACEHOLDER_MARK) for token in PLACEHOLDERS.values())
    text = GOOD.replace("title: Updates", "title: Hello %%NL_EMAIL%%")
    assert problems_in(project, text) == [
        "5:12: sections[0].title: '%%NL_' is reserved for what delivery fills in per subscriber"
    ]


def test_every_bad_link_of_a_summary_is_named_at_once(project):
    text = GOOD.replace(
        "        language: ja\n",
        "        language: ja\n        summary: '[a](javascript:x) [d](data:text/html,x) [ok](https://a.example)'\n",
    )
    assert problems_in(project, text) == [
        "12:18: sections[0].entries[1].summary: links 'javascript:x', 'data:text/html,x' are "
        "not allowed: links must be http, https or mailto URLs"
    ]


def test_an_image_outside_the_project_is_reported_with_other_mistakes(project):
    text = GOOD.replace("status: ready", "status: redy") + (
        "hero:\n  image: ../../../etc/passwd\n  alt: A banner\n"
    )
    assert problems_in(project, text) == [
        "3:9: status: 'redy' is not allowed; did you mean 'ready'?",
        "14:10: hero.image: '../../../etc/passwd' is outside the project: images are published "
        "with the archive",
    ]


def test_a_control_character_is_located(project):
    assert problems_in(project, "title: a\x00b\n") == [
        "1:9: a character YAML does not allow: U+0000 (a control character)"
    ]
