"""Text files must be UTF-8: when one is not, say where it stops being UTF-8 and how to fix it.

Editors' files come from Windows editors and spreadsheets that save Latin-1, Windows-1252
or UTF-16 unless told otherwise. Python's codec message ("can't decode byte 0xe9 in position
337") names neither the line nor the fix.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from .errors import Problem

SAVE_AS_UTF8 = "save the file as UTF-8"
_UTF16_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",  # before UTF-16's: FF FE starts both
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


def read_utf8(path: Path, shown: str, fix: str = SAVE_AS_UTF8) -> tuple[str | None, Problem | None]:
    """The file's text (a UTF-8 byte order mark is fine), or the Problem that stops it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem(shown, None, None, f"cannot read file: {exc.strerror or exc}")
    problem = utf8_problem(data, shown, fix)
    if problem:
        return None, problem
    return data.decode("utf-8-sig"), None


def utf8_problem(data: bytes, shown: str, fix: str = SAVE_AS_UTF8) -> Problem | None:
    """Where `data` is not UTF-8 text, at the line and column of the first bad byte, with
    `fix` (how to save it as UTF-8); None when it is UTF-8."""
    for bom, name in _UTF16_BOMS.items():
        if data.startswith(bom):
            return Problem(shown, 1, 1, f"the file is {name}, not UTF-8: {fix}")
    if _looks_like_utf16(data):
        return Problem(shown, 1, 1, f"the file is UTF-16, not UTF-8: {fix}")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _bad_byte(data, exc.start, shown, fix)
    return None


def _bad_byte(data: bytes, at: int, shown: str, fix: str) -> Problem:
    line_start = data.rfind(b"\n", 0, at) + 1
    line = data.count(b"\n", 0, at) + 1
    col = len(data[line_start:at].decode("utf-8", "replace")) + 1
    byte = data[at]
    return Problem(shown, line, col, f"byte 0x{byte:02x} is not UTF-8{_guess(byte)}: {fix}")


def _guess(byte: int) -> str:
    """The character the byte is in Windows-1252 (a superset of Latin-1's printable ones)."""
    try:
        char = bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return f" ('{char}' in Latin-1 or Windows-1252?)" if char.isprintable() else ""


def _looks_like_utf16(data: bytes) -> bool:
    # UTF-16 without a byte order mark: ASCII text with a NUL byte beside every character.
    head = data[:200]
    return len(head) >= 4 and max(head[0::2].count(0), head[1::2].count(0)) > len(head) // 4
