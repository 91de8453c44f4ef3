"""Editors' Markdown, made safe: raw HTML is escaped, links limited to harmless schemes."""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from newsletter.core import URL_SCHEMES

ALLOWED_TAGS = {"p", "a", "em", "strong", "code", "br", "ul", "ol", "li", "blockquote"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "html": False makes markdown-it escape any raw HTML an editor writes; linkify turns a
    # bare https://... into a link, as mail programs do (nh3 below drops other schemes).
    options = {"html": False, "linkify": True, "typographer": False}
    return MarkdownIt("commonmark", options).enable("linkify")


def markdown_html(text: str | None) -> Markup:
    """Markdown -> HTML that is safe to put into an email or web page."""
    if not text:
        return Markup("")
    html = _parser().render(text)
    # Belt and braces: whatever markdown-it lets through, only these tags and schemes survive.
    clean = nh3.clean(html, tags=ALLOWED_TAGS, url_schemes=set(URL_SCHEMES), link_rel="noopener")
    return Markup(clean.strip())


def markdown_inline_html(text: str | None) -> Markup:
    """Like markdown_html, without the wrapping paragraph (for one-line fields)."""
    html = markdown_html(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return Markup(html[3:-4])
    return html


_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(.+?)\1")


def markdown_text(text: str | None) -> str:
    """Markdown -> plain text for the text/plain part: links become `text (url)`."""
    if not text:
        return ""
    text = _LINK.sub(lambda m: f"{m[1]} ({m[2]})" if m[1] != m[2] else m[2], text)
    return _EMPHASIS.sub(r"\2", text).strip()
