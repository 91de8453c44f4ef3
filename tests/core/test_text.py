"""Text fields: one line of text for names and sources; CSV cells no spreadsheet runs."""

from __future__ import annotations

import pytest

from newsletter.core import multiline_problem, one_line_problem
from newsletter.subscribers.cells import escape_cell, unescape_cell


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Tanaka Hiroshi 田中 浩", None),
        ("Zoë\u200dx", None),  # a zero-width joiner is text, not a control character
        ("Ann\nSmith", "has a line break"),
        ("Ann\r", "has a line break"),
        ("Ann\u2028Smith", "has a line break"),
        ("Ann\x85", "has a line break"),
        ("Ann\tSmith", "has a tab"),
        ("Ann\x00", "has a control character (U+0000)"),
        ("Ann\x7f", "has a control character (U+007F)"),
    ],
)
def test_one_line_text_refuses_line_breaks_tabs_and_control_characters(text, problem):
    assert one_line_problem(text) == problem


def test_custom_columns_may_span_lines_but_hold_no_other_control_character():
    assert multiline_problem("12 Main St\r\nOttawa\tK1A 0A1") is None
    assert multiline_problem("Acme\x00") == "has a control character (U+0000)"
    assert multiline_problem("Acme\x0c") == "has a line break"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example/")', '\'=HYPERLINK("http://evil.example/")'),
        ("+1 613 555 0100", "'+1 613 555 0100"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=1+1", "''=1+1"),  # an apostrophe the value had is kept through the round trip
        ("'t Hooft", "'t Hooft"),  # a name that starts with one is left as it is
        ("Ann", "Ann"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_escaped_and_read_back(value, written):
    assert escape_cell(value) == written
    assert unescape_cell(written) == value


def test_reading_takes_off_the_escape_a_spreadsheet_user_typed():
    assert unescape_cell("'+1 613 555 0100") == "+1 613 555 0100"
    assert unescape_cell("'Ann") == "'Ann"
