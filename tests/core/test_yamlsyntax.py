"""YAML syntax errors said in an editor's words, at the line of the mistake, whichever of
PyYAML's two parsers (libyaml's or the pure-Python one, which word errors differently) runs."""

from __future__ import annotations

import pytest
import yaml

from newsletter.core import parse_yaml, yamlsource

INDENT_DATE = (
    "the indentation of 'date' is off: it starts in column {}, but 'title' on line {} starts "
    "in column {}; the keys of one mapping start in the same column"
)
TAB = "a tab: YAML does not allow tabs for indentation; indent with spaces"
ENTRIES = "sections:\n  - title: News\n    entries:\n"

CASES = [
    # A missing ':' is reported on its own line, not on the next one.
    (
        "title: One\ndate 2026-05-10\nstatus: ready\n",
        "2:5: missing ':' after 'date' (write 'date: 2026-05-10')",
    ),
    ("title: One\ndate 2026-05-10\n", "2:5: missing ':' after 'date' (write 'date: 2026-05-10')"),
    ("title One\ndate: 2026-05-10\n", "1:6: missing ':' after 'title' (write 'title: One')"),
    ("title: A\nhero\n  image: a.png\n", "2:5: missing ':' after 'hero' (write 'hero:')"),
    ("hero:\n  image a.png\n  alt: x\n", "2:8: missing ':' after 'image' (write 'image: a.png')"),
    ("hero:\n  alt: x\n  image a.png\n", "3:8: missing ':' after 'image' (write 'image: a.png')"),
    # A list item that should be a mapping: the colon is missing, not a quote.
    (
        ENTRIES + "      - title One\n        date: 2026-05\n",
        "4:14: missing ':' after 'title' (write 'title: One')",
    ),
    (
        "title:One\ndate: 2026-05-10\n",
        "1:6: 'title:' needs a space after the ':' (write 'title: One')",
    ),
    # Tabs: said as tabs, where the tab is.
    ("title: One\nhero:\n\timage: a.png\n", f"3:1: {TAB}"),
    ("hero:\n  \timage: a.png\n", f"2:3: {TAB}"),
    ("sections:\n  - title: A\n    entries:\n\t- title: B\n", f"4:1: {TAB}"),
    # A key out of line with its mapping: the indentation, and where.
    (ENTRIES + "      - title: One\n       date: 2026-05\n", "5:8: " + INDENT_DATE.format(8, 4, 9)),
    (ENTRIES + "      - title: One\n     date: 2026-05\n", "5:6: " + INDENT_DATE.format(6, 4, 9)),
    ("title: One\n date: 2026-05-10\n", "2:2: " + INDENT_DATE.format(2, 1, 1)),
    (
        "hero:\n  image: a.png\n alt: x\n",
        "3:2: the indentation of 'alt' is off: it starts in column 2, but 'image' on line 2 "
        "starts in column 3; the keys of one mapping start in the same column",
    ),
    (
        "links:\n- title: A\n  url: x\n - title: B\n",
        "4:2: the indentation of this list item is off: it starts in column 2, but the item on "
        "line 2 starts in column 1; the items of one list start in the same column",
    ),
    (
        "hero:\n  image: a\n  - b\n",
        "3:3: a list item ('- ') among the keys of a mapping: indent it under a key, or give it "
        "a key",
    ),
    (
        "intro: This is long\n  and goes on\n  date: x\n",
        "3:3: 'date:' is inside the value of 'intro' (line 1): if 'date' is a key, line it up "
        "with 'intro'; if not, put the whole value in quotes",
    ),
    # A ': ' inside a value: quote it, shown with the editor's own value.
    (
        "title: Newsletter: May\n",
        "1:18: a ': ' inside a value: put the whole value in quotes (title: \"Newsletter: May\")",
    ),
    (
        'title: Say "hi": now\n',
        "1:16: a ': ' inside a value: put the whole value in quotes (title: 'Say \"hi\": now')",
    ),
    # Quotes, brackets and YAML's reserved characters at the start of a value.
    ('title: "One\ndate: 2026-05-10\n', '1:8: the quote " here is never closed'),
    (
        'title: "One\ndate: 2026-05-10\nsummary: "Two"\n',
        '1:8: the quote " here is never closed on its line, so the value runs on to the " on '
        'line 3: end it with "',
    ),
    (  # an apostrophe above, in a value that does not open with a quote, is text
        "preheader: What's new this month\nsubject: \"Editor's picks\" May 2013\n",
        '2:27: text after the closing quote: a value that starts with " must end with it; put '
        "the whole value in quotes with the other kind of quote, or write '' for a ' inside "
        "'...'",
    ),
    (
        "title: 'It's fine'\n",
        "1:12: text after the closing quote: a value that starts with ' must end with it; put "
        "the whole value in quotes with the other kind of quote, or write '' for a ' inside '...'",
    ),
    (
        "summary: [the report](https://example.org) is out\n",
        "1:22: a value that starts with '[' is read as a list: put the whole value in quotes",
    ),
    (
        "title: [unclosed\ndate: 2013-05-15\n",
        "1:8: the '[' here is never closed: end it with ']' (or, if the '[' is text, put the "
        "whole value in quotes)",
    ),
    (
        "title: {en: One ja: Two}\n",
        "1:19: a ',' is missing between two items of the '{...}' (or, if the '{' is text, put "
        "the whole value in quotes)",
    ),
    (
        "summary: *New* results\n",
        "1:10: a value cannot start with '*' (YAML reads it as an alias): put the whole value "
        "in quotes",
    ),
    ("email: @home\n", "1:8: a value cannot start with '@': put the whole value in quotes"),
    (
        'path: "C:\\new\\path"\n',
        "1:14: '\\p' inside \"...\" is not an escape YAML knows: write \\\\ for a backslash, or "
        "use single quotes",
    ),
    (
        "title: A\n---\ntitle: B\n",
        "2:1: '---' starts a second document, but the file holds one: remove it",
    ),
    (
        "intro: |x\n  text\n",
        "1:9: after '|' or '>' the line must end: the text goes on the lines below, indented",
    ),
]


@pytest.fixture(params=["libyaml", "pure Python"])
def loader(request, monkeypatch):
    """Each case runs with both of PyYAML's parsers."""
    chosen = yaml.CSafeLoader if request.param == "libyaml" else yaml.SafeLoader
    monkeypatch.setattr(yamlsource, "_Loader", chosen)


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_syntax_error_is_said_in_editors_words_at_its_line(loader, text, expected):
    doc, problems = parse_yaml(text, "issue.yaml")
    assert doc is None
    assert [f"{p.line}:{p.col}: {p.message}" for p in problems] == [expected]


def test_windows_line_endings_do_not_move_the_column(loader):
    _, [problem] = parse_yaml("title: One\r\ndate 2026-05-10\r\n", "issue.yaml")
    assert (problem.line, problem.col) == (2, 5)
    assert problem.message == "missing ':' after 'date' (write 'date: 2026-05-10')"


def test_a_mistake_nothing_better_explains_keeps_the_parser_words(loader):
    _, [problem] = parse_yaml("title: x\n: y\n", "issue.yaml")
    assert (problem.line, problem.col) == (2, 1)
    assert problem.message.startswith("YAML syntax error: while parsing a block mapping; ")
