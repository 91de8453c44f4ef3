"""What renders, but will not show as meant in mail clients: an email Gmail clips."""

from __future__ import annotations

import math

from .renderer import GMAIL_CLIP_BYTES, RenderedIssue, SectionWeight

NAMED_SECTIONS = 3  # the heaviest sections a warning names: enough to choose from


def issue_warnings(rendered: RenderedIssue) -> list[str]:
    """What renders, but will not show as meant in mail clients: an email Gmail clips (which
    also hides the unsubscribe link), with what to shorten. For `build` and `validate`; the
    caller names the issue."""
    warnings = []
    for language, edition in rendered.editions.items():
        size = len(edition.email_html.encode("utf-8"))
        if size > GMAIL_CLIP_BYTES:
            limit = GMAIL_CLIP_BYTES // 1024
            warnings.append(
                f"the {language} edition's email.html is {_kb(size)} KB: Gmail clips messages "
                f"over {limit} KB and hides the rest, the unsubscribe link included; "
                f"{_what_to_cut(size - GMAIL_CLIP_BYTES, edition.section_weights)}"
            )
    return warnings


def _what_to_cut(excess: int, weights: tuple[SectionWeight, ...]) -> str:
    """`remove about 3 KB: the heaviest sections are ...; move entries ...`."""
    remove = f"remove about {max(1, math.ceil(excess / 1024))} KB"
    if not weights:
        return f"{remove} of it"
    named = [
        f"'{w.title}' ({w.entries} {'entry' if w.entries == 1 else 'entries'}, {_kb(w.bytes)} KB)"
        for w in weights[:NAMED_SECTIONS]
    ]
    if len(weights) == 1:
        heaviest = f"its only section is {named[0]}"
    else:
        heaviest = f"the heaviest sections are {', '.join(named[:-1])} and {named[-1]}"
    return f"{remove}: {heaviest}; move some entries to the next issue or shorten their summaries"


def _kb(size: int) -> str:
    """Whole kilobytes; tenths for a small size, and near the limit, where a whole number
    would hide the excess."""
    kb = size / 1024
    return f"{kb:.1f}" if kb < 10 or abs(kb - GMAIL_CLIP_BYTES / 1024) < 0.5 else f"{kb:.0f}"
