"""Every validation rule: a broken issue file gives the exact line, column and message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.issues import load_issue, load_issues, read_issue_file

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


def test_yaml_syntax_error_is_reported_on_the_line_of_the_mistake(project):
    text = GOOD.replace("date: 2013-05-15", "date 2013-05-15")
    assert problems_in(project, text) == [
        "2:5: missing ':' after 'date' (write 'date: 2013-05-15')"
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
    assert problems_in(project, text) == [
        "4:8: links: '7' must be a list (lines starting with '- ')"
    ]


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
        "13:16: sections[0].entries[1].title: '5' was read as a number: put it in quotes to "
        "keep it as text",
        "17:9: duplicate key 'date' (first given on line 16)",
        "19:14: sections[1].entries: needs at least one item",
        "20:8: links: '7' must be a list (lines starting with '- ')",
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
    assert problem == (
        "4:14: a ': ' inside a value: put the whole value in quotes (subject: \"Note: read this\")"
    )


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


# Values YAML read as another type are quoted as the editor typed them, with the reason.


@pytest.mark.parametrize(
    ("written", "read_as"),
    [
        ("No", "true/false (yes/no)"),
        ("yes", "true/false (yes/no)"),
        ("12:30", "a number in base 60 (750)"),
        ("0123", "an octal number (83)"),
        ("0x1F", "a hexadecimal number (31)"),
        ("2013", "a number"),
        (".inf", "infinity"),
        ("Null", "no value"),
        ("~", "no value"),
    ],
)
def test_a_value_yaml_did_not_read_as_text_is_quoted_as_typed(project, written, read_as):
    text = GOOD.replace("title: Updates", f"title: {written}")
    assert problems_in(project, text) == [
        f"5:12: sections[0].title: '{written}' was read as {read_as}: "
        "put it in quotes to keep it as text"
    ]


@pytest.mark.parametrize(
    ("field", "line", "col"), [("subject", 4, 10), ("preheader", 4, 12), ("url", 12, 14)]
)
def test_every_text_field_quotes_what_was_typed(project, field, line, col):
    if field == "url":
        text = GOOD.replace("url: https://example.org/ws", "url: 12:30")
        where = "sections[0].entries[1].url"
    else:
        text = GOOD.replace("status: ready", f"status: ready\n{field}: 12:30")
        where = field
    assert problems_in(project, text) == [
        f"{line}:{col}: {where}: '12:30' was read as a number in base 60 (750): "
        "put it in quotes to keep it as text"
    ]


def test_one_language_of_a_text_is_quoted_as_typed(project):
    text = GOOD.replace("ja: テストニュース 2013年5月", "ja: No")
    assert problems_in(project, text) == [
        "1:46: title.ja: 'No' was read as true/false (yes/no): put it in quotes to keep it as text"
    ]


def test_one_language_left_empty_has_no_value(project):
    text = GOOD.replace("ja: テストニュース 2013年5月", "ja: ")
    assert problems_in(project, text) == ["1:46: title.ja: has no value"]


def test_quoted_values_are_text(project):
    text = GOOD.replace("title: Updates", 'title: "No"').replace(
        "date: 2013-05\n", "date: 2013-05\n        summary: '12:30'\n"
    )
    assert problems_in(project, text) == []


def test_other_checks_quote_the_value_as_typed_too(project):
    text = GOOD.replace("status: ready", "status: yes").replace(
        "date: 2013-05\n", "date: 2013.10\n"
    )
    assert problems_in(project, text) == [
        "3:9: status: 'yes' is not allowed; use one of: draft, ready",
        "8:15: sections[0].entries[0].date: '2013.10' is not a date: write YYYY-MM-DD or YYYY-MM",
    ]


def test_a_language_key_is_read_as_written(project):
    # `no` (Norwegian) would be false to YAML: the key is named as the editor wrote it.
    text = GOOD.replace("ja: テストニュース 2013年5月", "no: Nyheter")
    assert problems_in(project, text) == [
        "1:42: title.no: unknown language 'no'; this newsletter's languages are en, ja"
    ]


def test_a_last_list_item_without_its_colon_is_asked_about(project):
    # `- title One` as the last item parses: it is the text 'title One', not a mapping.
    text = GOOD + "      - title One\n"
    assert problems_in(project, text) == [
        "13:9: sections[0].entries[2]: 'title One' must be a mapping of keys to values; "
        "is a ':' missing after 'title'?"
    ]


# A file that is not UTF-8.


def test_a_latin1_issue_file_is_reported_at_its_first_bad_byte(project):
    path = project / "issues" / "2013-05.yaml"
    path.write_bytes(GOOD.replace("Updates", "Actualités").encode("latin-1", "replace"))
    _, problems = load_issue(path, load_config(project, {}))
    assert [f"{p.line}:{p.col}: {p.message}" for p in problems] == [
        "5:20: byte 0xe9 is not UTF-8 ('é' in Latin-1 or Windows-1252?): save the file as UTF-8"
    ]


def test_a_utf16_issue_file_is_named_as_such(project):
    path = project / "issues" / "2013-05.yaml"
    path.write_bytes(GOOD.encode("utf-16"))
    _, problems = load_issue(path, load_config(project, {}))
    assert [f"{p.line}:{p.col}: {p.message}" for p in problems] == [
        "1:1: the file is UTF-16, not UTF-8: save the file as UTF-8"
    ]


# What is under a misspelt key is checked as if the key were spelt as suggested.


def test_mistakes_under_a_misspelt_section_key_are_found_in_the_same_run(project):
    text = GOOD.replace("sections:", "sectons:").replace("date: 2013-05\n", "date: 2013-17\n")
    text = text.replace("url: https://example.org/ws", "url: javascript:alert(1)")
    assert problems_in(project, text) == [
        "4:1: unknown key 'sectons'; did you mean 'sections'?",
        "8:15: sections[0].entries[0].date: '2013-17' is not a real date: month must be in 1..12",
        "12:14: sections[0].entries[1].url: 'javascript:alert(1)' is not allowed: "
        "links must be http, https or mailto URLs",
    ]


def test_misspelt_keys_at_every_level_are_followed(project):
    text = GOOD.replace("    entries:", "    entires:").replace(
        "      - title: First", "      - titel: First"
    )
    text += "hero:\n  imag: x.png\n  alt: A banner\nlinks:\n  - titel: Site\n    url: ftp://x\n"
    problems = problems_in(project, text)
    assert problems[:3] == [
        "6:5: unknown key 'entires'; did you mean 'entries'?",
        "7:9: unknown key 'titel'; did you mean 'title'?",
        "14:3: unknown key 'imag'; did you mean 'image'?",
    ]
    assert problems[3].startswith("14:9: hero.image: image 'x.png' not found (looked for ")
    assert problems[4:] == [
        "17:5: unknown key 'titel'; did you mean 'title'?",
        "18:10: links[0].url: 'ftp://x' is not allowed: links must be http, https or mailto URLs",
    ]


def test_two_misspellings_of_one_key_follow_only_the_first(project):
    text = GOOD.replace("status: ready", "stauts: ready\nstatsu: draft")
    assert problems_in(project, text) == [
        "3:1: unknown key 'stauts'; did you mean 'status'?",
        "4:1: unknown key 'statsu'; did you mean 'status'?",
    ]


def test_a_misspelt_key_beside_the_right_one_is_not_followed(project):
    text = GOOD.replace("status: ready", "status: ready\nstauts: redy")
    assert problems_in(project, text) == ["4:1: unknown key 'stauts'; did you mean 'status'?"]


# Two issues with the same slug: the file and line that set the duplicate are blamed.


def slug_problems(project: Path, files: dict[str, str]) -> list[str]:
    issues = project / "issues"
    for name, text in files.items():
        (issues / name).write_text(text, encoding="utf-8")
    _, problems = load_issues(sorted(issues.iterdir()), load_config(project, {}))
    return [f"{Path(p.path).name}:{p.line}:{p.col}: {p.message}" for p in problems]


def with_slug(slug: str) -> str:
    return GOOD.replace("status: ready", f"status: ready\nslug: {slug}")


def test_a_slug_line_that_repeats_a_file_name_is_blamed(project):
    for earlier, later in (("2013-05.yaml", "special.yaml"), ("special.yaml", "2013-05.yaml")):
        for path in (project / "issues").iterdir():
            path.unlink()
        files = {earlier: GOOD, later: GOOD}
        files["special.yaml"] = with_slug("2013-05")
        assert slug_problems(project, files) == [
            f"special.yaml:4:7: slug '2013-05' is already the slug of "
            f"{project / 'issues' / '2013-05.yaml'} (from its file name)"
        ]


def test_when_both_files_set_the_slug_the_later_one_is_blamed(project):
    files = {"a.yaml": with_slug("spring"), "b.yaml": with_slug("spring")}
    assert slug_problems(project, files) == [
        f"b.yaml:4:7: slug 'spring' is already the slug of {project / 'issues' / 'a.yaml'} "
        "(set on its line 4)"
    ]


def test_two_files_named_alike_share_the_slug_of_their_name(project):
    files = {"2013-05.yaml": GOOD, "2013-05.yml": GOOD}
    assert slug_problems(project, files) == [
        f"2013-05.yml:None:None: slug '2013-05' (from the file name) is already the slug of "
        f"{project / 'issues' / '2013-05.yaml'} (from its file name)"
    ]


# A file that cannot be read as YAML is a draft being written, unless it says it is ready.


@pytest.mark.parametrize(
    ("content", "ready"),
    [
        ("title: Next\ndate 2013-08-10\nstatus: draft\n", False),
        ("title: Next\ndate 2013-08-10\n", False),
        ("", False),
        ("# nothing yet\n", False),
        ("- a list\n", False),
        ("title: Next\ndate 2013-08-10\nstatus: ready\n", True),
        ("title: Next\ndate 2013-08-10\nstatus: 'ready'  # going out\n", True),
        ('title: Next\n\tdate: 2013-08-10\nstatus:   "ready"\n', True),
        ("title: Next\nintro: |\n  status: ready\nsections 1\n", False),
    ],
)
def test_an_unreadable_file_is_ready_only_if_it_says_so(project, content, ready):
    path = project / "issues" / "2013-08.yaml"
    path.write_text(content, encoding="utf-8")
    read = read_issue_file(path, load_config(project, {}))
    assert read.problems and read.issue is None
    assert read.declared_ready is ready


@pytest.mark.parametrize("codec", ["latin-1", "utf-16"])
def test_a_file_in_another_encoding_is_ready_only_if_it_says_so(project, codec):
    path = project / "issues" / "2013-08.yaml"
    for status, ready in (("draft", False), ("ready", True)):
        path.write_bytes(f"title: Août\nstatus: {status}\n".encode(codec))
        assert read_issue_file(path, load_config(project, {})).declared_ready is ready
