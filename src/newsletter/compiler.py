"""MJML -> email HTML: mjml-python compiles, premailer inlines the CSS, then checks and trims.

The pitfalls handled here (mjml-python 1.4 / MRML 6, premailer 3.10, cssutils 2):
- mjml-python validates nothing: unknown `mj-` tags are copied into the HTML and a closing tag
  with another name is accepted, so both are refused here;
- its parse errors carry a byte offset, turned into a character offset for the caller;
- premailer drops a lowercase `<!doctype html>` (it compares with lxml's `<!DOCTYPE html>`);
- cssutils fetches `@import` URLs even when premailer has `allow_network=False`: its default
  fetcher is replaced by one that fetches nothing, so rendering never touches the network;
- cssutils logs a warning per email-specific CSS property: its log is silenced.
"""

from __future__ import annotations

import logging
import re

import cssutils
import cssutils.util
from mjml import mjml2html
from premailer import Premailer

DOCTYPE = "<!DOCTYPE html>"


class MjmlError(Exception):
    """The MJML is wrong; `offset` is the character offset in the source, when known."""

    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset


def _fetch_nothing(url: str) -> None:
    """cssutils' fetcher for `@import url(...)`: rendering makes no network request."""
    return None


cssutils.util._defaultFetcher = _fetch_nothing
cssutils.log.setLevel(logging.CRITICAL)
cssutils.log.raiseExceptions = False


def compile_email(source: str) -> str:
    """MJML -> final HTML with the CSS inlined; raises MjmlError."""
    check_structure(source)
    html = mjml_to_html(source)
    check_html(html, source)
    return trim_whitespace(inline_css(html))


def mjml_to_html(source: str) -> str:
    try:
        return mjml2html(source, disable_comments=False)
    except ValueError as exc:
        raise _parse_error(str(exc), source) from None


_POSITION = re.compile(r"^(.*?) at position (\d+):(\d+)$")


def _parse_error(text: str, source: str) -> MjmlError:
    match = _POSITION.match(text)
    if not match:
        # "unexpected end of stream": something is not closed; the end is all MRML knows.
        return MjmlError(f"MJML: {text}", len(source))
    message, start = match[1], int(match[2])
    offset = len(source.encode("utf-8")[:start].decode("utf-8", errors="ignore"))
    return MjmlError(f"MJML: {message}", offset)


_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MJ_TAG = re.compile(r"<(/?)(mjml|mj-[a-z0-9-]+)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>")


def check_structure(source: str) -> None:
    """Every `mj-` element is closed by a tag of the same name (MRML does not check this)."""
    blanked = _COMMENT.sub(lambda m: " " * len(m[0]), source)
    stack: list[tuple[str, int]] = []
    for match in _MJ_TAG.finditer(blanked):
        closing, name, self_closing = match[1], match[2], match[3]
        if self_closing:
            continue
        if not closing:
            stack.append((name, match.start()))
            continue
        if not stack:
            raise MjmlError(f"MJML: </{name}> closes nothing", match.start())
        opened, where = stack.pop()
        if opened != name:
            raise MjmlError(f"MJML: </{name}> closes <{opened}>", match.start())
    if stack:
        name, where = stack[-1]
        raise MjmlError(f"MJML: <{name}> is never closed", where)


_LEFT_OVER = re.compile(r"<(mj-[a-z0-9-]+)")


def check_html(html: str, source: str) -> None:
    """No `mj-` tag may reach the HTML: MRML copies tags it does not know verbatim."""
    match = _LEFT_OVER.search(html)
    if match:
        tag = match[1]
        found = re.search(rf"<{tag}\b", _COMMENT.sub(lambda m: " " * len(m[0]), source))
        raise MjmlError(
            f"MJML: unknown tag <{tag}> (or one in a place MJML does not allow)",
            found.start() if found else None,
        )


def inline_css(html: str) -> str:
    """Inline the `<style>` rules into style attributes; media queries stay in `<style>`."""
    if html[:15].lower() == "<!doctype html>":
        html = DOCTYPE + html[15:]
    premailer = Premailer(
        html,
        allow_network=False,
        disable_validation=True,  # cssutils' validation only warns about email CSS
        disable_link_rewrites=True,
        cssutils_logging_level=logging.CRITICAL,
        cache_css_parsing=True,  # the theme's CSS is parsed once per process
    )
    out = premailer.transform(pretty_print=False)
    if not out.startswith("<!DOCTYPE"):
        out = f"{DOCTYPE}\n{out}"
    return out


_SPACE_RUN = re.compile(r"[ \t\r\n]{2,}")


def trim_whitespace(html: str) -> str:
    """Collapse runs of white space (no `<pre>` is ever generated, so this is safe)."""
    return _SPACE_RUN.sub(lambda m: "\n" if "\n" in m[0] else " ", html)
