"""A link in Markdown is what markdown-it makes a link: validate refuses every link a reader
could not open, and link syntax that would render as broken text, at the line it stands on."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.issues import link_problems, load_issue, markdown_html

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

SECTIONS = """\
sections:
  - title: Updates
    entries:
      - title: First
        date: 2013-05
"""

SPACE = "has a space in it: write %20 for a space in an address, or check it"
SCHEME = "is not allowed: links must be http, https or mailto URLs"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "newsletter.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "issues").mkdir()
    return tmp_path


def problems_in(project: Path, fields: str) -> list[str]:
    """The problems of an issue with `fields` after its title, date and status (line 4 on)."""
    text = "title: Links\ndate: 2013-05-15\nstatus: ready\n" + textwrap.dedent(fields)
    if "sections:" not in text:
        text += SECTIONS
    path = project / "issues" / "2013-05.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = load_issue(path, load_config(project, {}))
    return [f"{p.line}:{p.col}: {p.message}" for p in problems]


def intro(*lines: str) -> str:
    """An intro written as a `|` block: its first line is line 5 of the file."""
    return "intro: |\n" + "".join(f"  {line}\n" for line in lines)


# -- What is a broken link ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "[the report](https://example.net/annual report.pdf)",
            f"link 'https://example.net/annual report.pdf' {SPACE}",
        ),
        ("<https://example.net/x y>", f"link 'https://example.net/x y' {SPACE}"),
        ("[bad](javascript:alert(1))", f"link 'javascript:alert(1)' {SCHEME}"),
        ("<javascript:alert(1)>", f"link 'javascript:alert(1)' {SCHEME}"),
        ("<ftp://example.net/file.txt>", f"link 'ftp://example.net/file.txt' {SCHEME}"),
        ("[the file](ftp://example.net/file.txt)", f"link 'ftp://example.net/file.txt' {SCHEME}"),
        ("[a page](page.html)", f"link 'page.html' {SCHEME}"),
        ("[write](mailto:nobody)", "link 'mailto:nobody' has no email address"),
        ("[site](http:example.org)", "link 'http:example.org' has no host name"),
    ],
)
def test_a_link_readers_could_not_open_is_refused(project, written, message):
    assert problems_in(project, f"intro: 'Then {written} here.'\n") == [f"4:8: intro: {message}"]


@pytest.mark.parametrize(
    "written",
    [
        "[the report](<https://example.net/annual report.pdf>)",  # CommonMark's way: %20
        "[the report](https://example.net/annual%20report.pdf)",
        r"\[not a link\](a b) and [brackets] (with a space)",
        "`[code](a b)` and `<https://x y>`",
        "ftp://example.net/file.txt, which is not a link in either part",
        "[Note]: Warning: <Note: this> is prose",
        "write to jane_doe@example.org or www.example.org/a_b",
        "a [link](https://example.org/a_(b)) with parentheses",
    ],
)
def test_what_markdown_reads_as_text_or_as_a_good_link_passes(project, written):
    assert problems_in(project, intro("The first line.", written)) == []


# -- Validation and rendering agree -------------------------------------------------------------

LINKISH = [
    "[the report](https://example.net/annual report.pdf)",
    "<https://example.net/x y>",
    "[ok](<https://example.net/annual report.pdf>)",
    "[bad](javascript:alert(1))",
    "[d](data:text/html,x)",
    "[f][r]\n\n[r]: ftp://example.net/file.txt",
    "[f][r]\n\n[r]: https://example.net/a b",
    "<ftp://example.net/x>",
    "ftp://example.net/x and //example.net/y",
    "[a](https://example.org/a_(b)) and [b](https://example.org/(c)",
    "[x](vbscript:msgbox) and [y](file:///etc/passwd)",
    "[ok](https://example.org/) and <mailto:a@example.org> and www.example.org",
    "`[code](a b)` and `<https://x y>`",
    "[two\nlines](https://example.org/a b)",
]


@pytest.mark.parametrize("markdown", LINKISH)
def test_markdown_passes_validation_exactly_when_its_html_has_no_broken_link(markdown):
    html = markdown_html(markdown)
    assert bool(link_problems(markdown)) == renders_broken(html), html


def renders_broken(html: str) -> bool:
    """Whether the HTML shows a link broken: an <a> that lost its address, or Markdown's
    link syntax left as text (outside code)."""
    if any("href=" not in anchor for anchor in re.findall(r"<a\b[^>]*>", html)):
        return True
    text = re.sub(r"<[^>]+>", "", re.sub(r"<code>.*?</code>", "", html, flags=re.S))
    return re.search(r"\]\(|\]\[|\]:|&lt;[a-z][a-z0-9+.-]*:", text) is not None


def test_a_reference_link_is_checked_where_it_is_used(project):
    assert problems_in(
        project, intro("See [the file][f].", "", "[f]: ftp://example.net/file.txt")
    ) == [f"5:3: intro: link 'ftp://example.net/file.txt' {SCHEME}"]


def test_a_reference_definition_with_a_space_is_refused_at_its_line(project):
    assert problems_in(
        project, intro("See [the report][r].", "", "[r]: https://example.net/annual report.pdf")
    ) == [f"7:3: intro: link 'https://example.net/annual report.pdf' {SPACE}"]


# -- At the line where the link stands ----------------------------------------------------------


def test_each_broken_link_is_reported_at_its_own_line_of_a_block(project):
    assert problems_in(
        project,
        intro(
            "[fine](https://example.org/)",
            "Read [the report](https://example.net/annual report.pdf) today.",
            "",
            "Or [run](javascript:alert(1)) and [this](javascript:alert(2)).",
            "And again [the report](https://example.net/annual report.pdf).",
        ),
    ) == [
        f"6:3: intro: link 'https://example.net/annual report.pdf' {SPACE}",
        "8:3: intro: links 'javascript:alert(1)', 'javascript:alert(2)' are not allowed: "
        "links must be http, https or mailto URLs",
        f"9:3: intro: link 'https://example.net/annual report.pdf' {SPACE}",
    ]


def test_a_block_that_starts_with_blank_lines_counts_them(project):
    text = "intro: |+\n\n\n  Text first.\n  See <https://example.net/x y>.\n"
    assert problems_in(project, text) == [f"8:3: intro: link 'https://example.net/x y' {SPACE}"]


def test_a_folded_block_is_reported_at_the_line_where_the_link_is_written(project):
    text = "intro: >\n  A folded intro\n  over lines, and\n  <https://example.net/x y> here.\n"
    assert problems_in(project, text) == [f"7:3: intro: link 'https://example.net/x y' {SPACE}"]


def test_a_text_over_several_plain_lines_is_reported_where_the_link_is(project):
    text = "intro: A plain intro\n  over lines, and\n\n  [bad](javascript:x) here.\n"
    assert problems_in(project, text) == [f"7:3: intro: link 'javascript:x' {SCHEME}"]


def test_a_link_on_the_value_s_own_line_is_reported_where_the_value_starts(project):
    text = "intro: 'See [bad](javascript:x) and [also](javascript:y)'\n"
    assert problems_in(project, text) == [
        "4:8: intro: links 'javascript:x', 'javascript:y' are not allowed: "
        "links must be http, https or mailto URLs"
    ]


def test_each_language_s_text_is_reported_at_its_own_lines(project):
    text = (
        "intro:\n"
        "  en: |\n"
        "    Fine.\n"
        "    See <https://example.net/x y>.\n"
        "  ja: |\n"
        "    日本語。\n"
        "\n"
        "    [報告書](https://example.net/annual report.pdf)を見てください。\n"
    )
    assert problems_in(project, text) == [
        f"7:5: intro.en: link 'https://example.net/x y' {SPACE}",
        f"11:5: intro.ja: link 'https://example.net/annual report.pdf' {SPACE}",
    ]


def test_a_summary_in_an_entry_is_reported_at_its_own_line(project):
    text = SECTIONS + (
        "        summary: |\n"
        "          First line.\n"
        "          - an item\n"
        "          - [bad](javascript:x)\n"
        "\n"
        "          > <ftp://example.net/q>\n"
    )
    assert problems_in(project, text) == [
        f"12:11: sections[0].entries[0].summary: link 'javascript:x' {SCHEME}",
        f"14:11: sections[0].entries[0].summary: link 'ftp://example.net/q' {SCHEME}",
    ]


def test_an_image_in_markdown_which_both_parts_would_leave_out_is_refused(project):
    written = "Our logo: ![JST](https://www.jst.go.jp/img/logo.png)"
    assert markdown_html(written) == "<p>Our logo: </p>"  # what readers would have got
    assert problems_in(project, intro("The first line.", written)) == [
        "6:3: intro: image 'https://www.jst.go.jp/img/logo.png' would not be shown: a text "
        "has no pictures (the issue's one picture is its hero: hero: image:); remove it, or "
        "link to it with [words](address)"
    ]
