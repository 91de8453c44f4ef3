"""The text/plain part, written from the edition's view (never scraped from the HTML).

Lines fit 72 terminal columns, counting East Asian wide characters as two; Japanese, which
has no spaces, breaks between characters, but never before closing punctuation such as 。
or after an opening bracket. URLs are never broken. Markdown (the intro, summaries) comes
as markdown-it's blocks: each paragraph and list item is filled on its own, under its number
or bullet with a hanging indent.
"""

from __future__ import annotations

import re

from newsletter.core import width
from newsletter.issues import block_lines

from .edition_view import EditionView
from .placeholders import PLACEHOLDERS

WIDTH = 72
RULE = "-" * WIDTH

_NO_LINE_START = set(
    "、。，．,.)]）」』】〕〉》！？!?：；:;ー・…ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々"
)
_NO_LINE_END = set("([（「『【〔〈《")
# Where a line may break: around a URL, a run of spaces, each wide (CJK) character, a word.
_WIDE = (
    "\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
    "\U0001f300-\U0001faff\U00020000-\U0003fffd"
)
_TOKENS = re.compile(rf"\(?(?:https?://|mailto:)\S+|\s+|[{_WIDE}]|[^\s{_WIDE}]+")


def edition_text(view: EditionView) -> str:
    """The whole text part of one edition."""
    labels = view.labels
    out: list[str] = [
        view.newsletter.name.upper(),
        view.heading,
        "=" * WIDTH,
        "",
        f"{labels['view_in_browser']}: {view.web_url}",
        "",
    ]
    if view.hero and (view.hero.caption or view.hero.credit):
        out += [*wrap(_caption(view)), ""]
    if view.intro_text:
        out += [*block_lines(view.intro_text, wrap), ""]
    for section in view.sections:
        out += [RULE, *wrap(str(section.title).upper()), RULE, ""]
        for entry in section.entries:
            out += _entry(entry, labels)
    if view.links:
        out += [RULE, *wrap(labels["related_links"].upper()), RULE, ""]
        for link in view.links:
            out += [*wrap(str(link.title), "- ", "  "), f"  {link.url}"]
        out.append("")
    out += _footer(view)
    return "\n".join(out).rstrip() + "\n"


def _caption(view: EditionView) -> str:
    """The hero's caption and credit, joined as the language does it (labels.toml)."""
    caption, credit = view.hero.caption, view.hero.credit
    if caption and credit:
        return view.labels["caption_credit"].format(caption=str(caption), credit=str(credit))
    return str(caption or credit)


def _entry(entry, labels: dict[str, str]) -> list[str]:
    title = str(entry.title)
    if entry.language:
        title += f" ({entry.language_name})"
    lines = [*wrap(title, "* ", "  "), f"  {entry.date_label}"]
    lines += block_lines(entry.summary_text, wrap, "  ", gaps=False)
    if entry.url:
        lines.append(f"  {labels['read_more']}: {entry.url}")
    return [*lines, ""]


def _footer(view: EditionView) -> list[str]:
    labels, sender = view.labels, view.sender
    lines = [RULE]
    lines += wrap(labels["why"].format(name=view.newsletter.name))
    lines += ["", *wrap(sender.name), *wrap(sender.postal_address)]
    lines += [f"{labels['contact']}: {sender.contact_url}", ""]
    lines += [f"{labels['unsubscribe']}: {PLACEHOLDERS['unsubscribe_url']}"]
    lines += [f"{labels['preferences']}: {PLACEHOLDERS['preferences_url']}"]
    return lines


def wrap(text: str, first: str = "", rest: str = "", columns: int = WIDTH) -> list[str]:
    """Fill `text` into lines of at most `columns` (a longer URL or word gets its own line)."""
    lines: list[str] = []
    line, indent, used = first, first, width(first)
    for unit in _units(text):
        if unit == " ":
            if line != indent:
                line, used = line + " ", used + 1
            continue
        size = width(unit)
        if used + size > columns and line.strip() and line != indent:
            lines.append(line.rstrip())
            line, indent, used = rest, rest, width(rest)
        line, used = line + unit, used + size
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _units(text: str) -> list[str]:
    """Words, URLs, single wide characters and single spaces, glued so that no line starts
    with closing punctuation or ends with an opening bracket."""
    units = [" " if token.isspace() else token for token in _TOKENS.findall(text)]
    glued: list[str] = []
    for unit in units:
        joins = glued and unit != " " and glued[-1] != " "
        if joins and (unit[0] in _NO_LINE_START or glued[-1][-1] in _NO_LINE_END):
            glued[-1] += unit
            continue
        glued.append(unit)
    return glued
