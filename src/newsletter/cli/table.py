"""Plain-text tables for the terminal, aligned even with Japanese names (two columns wide)."""

from __future__ import annotations

from collections.abc import Sequence

from newsletter.core import on_terminal, width  # width: wide characters count as two


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: int = 0) -> str:
    """Columns padded to their widest cell; the last `right` columns aligned right (numbers).
    A cell's invisible characters are shown escaped (they could garble the line)."""
    rows = [[on_terminal(str(cell)) for cell in row] for row in rows]
    widths = [max(width(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    first_right = len(headers) - right
    lines = []
    for row in [headers, *rows]:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - width(str(cell)))
            cells.append(pad + str(cell) if i >= first_right else str(cell) + pad)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
