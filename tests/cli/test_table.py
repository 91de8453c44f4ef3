"""Terminal tables stay aligned when names are in Japanese."""

from newsletter.cli.table import format_table
from newsletter.core import width


def test_wide_characters_take_two_columns():
    assert width("田中 浩") == 7
    assert width("Claire") == 6


def test_columns_line_up_with_japanese_names_and_numbers_align_right():
    table = format_table(["name", "count"], [["田中 浩", "3"], ["Claire", "12"]], right=1)
    assert table.splitlines() == [
        "name     count",
        "田中 浩      3",
        "Claire      12",
    ]
