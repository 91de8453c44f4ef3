"""A text file that is not UTF-8 is reported at the line and column of its first bad byte,
with what it probably is and the fix; one rule for issue files and subscriber lists."""

from __future__ import annotations

import pytest

from newsletter.core import read_utf8, utf8_problem

FIX = "save the file as UTF-8"


def where(data: bytes) -> str:
    problem = utf8_problem(data, "f.yaml")
    return f"{problem.line}:{problem.col}: {problem.message}" if problem else "ok"


def test_latin1_names_the_byte_its_line_and_column_and_the_fix():
    data = "title: One\nintro: Ren\xe9e\n".encode("latin-1")
    assert where(data) == (f"2:11: byte 0xe9 is not UTF-8 ('é' in Latin-1 or Windows-1252?): {FIX}")


def test_windows_1252_curly_quote():
    data = "title: It\u2019s here\n".encode("cp1252")
    assert where(data) == f"1:10: byte 0x92 is not UTF-8 ('’' in Latin-1 or Windows-1252?): {FIX}"


def test_the_column_counts_characters_not_bytes():
    data = "title: 日本語 ".encode() + b"\xe9\n"
    assert where(data) == f"1:12: byte 0xe9 is not UTF-8 ('é' in Latin-1 or Windows-1252?): {FIX}"


def test_a_byte_no_windows_character_has_is_named_alone():
    assert where(b"title: \x81\n") == f"1:8: byte 0x81 is not UTF-8: {FIX}"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_are_named_with_or_without_a_byte_order_mark(codec):
    name = "UTF-32" if "32" in codec else "UTF-16"
    data = "title: One\ndate: 2026-05-10\n".encode(codec)
    assert where(data) == f"1:1: the file is {name}, not UTF-8: {FIX}"


@pytest.mark.parametrize("text", ["title: Renée\n", "\ufefftitle: Renée\n", ""])
def test_utf8_with_or_without_a_byte_order_mark_is_fine(text, tmp_path):
    assert where(text.encode()) == "ok"
    path = tmp_path / "f.yaml"
    path.write_bytes(text.encode())
    assert read_utf8(path, "f.yaml") == (text.removeprefix("\ufeff"), None)


def test_the_fix_is_said_for_the_kind_of_file():
    problem = utf8_problem(b"a\xe9", "list.csv", "save the list as UTF-8 (Excel: CSV UTF-8)")
    assert problem.message.endswith(": save the list as UTF-8 (Excel: CSV UTF-8)")


def test_a_file_that_cannot_be_read(tmp_path):
    text, problem = read_utf8(tmp_path / "missing.yaml", "missing.yaml")
    assert text is None
    assert str(problem) == "missing.yaml: cannot read file: No such file or directory"
