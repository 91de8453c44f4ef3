"""MJML -> email HTML: mjml-python compiles, premailer inlines the CSS, then checks and trims.

The pitfalls handled here (mjml-python 1.4 / MRML 6, premailer 3.10, cssutils 2):
- mjml-python validates nothing: unknown `mj-` tags are copied into the HTML and a closing tag
  with another name is accepted, so both are refused here;
- its parse errors carry a byte offset, turned into a character offset for the caller;
- premailer drops a lowercase `<!doctype html>` (it compares with lxml's `<!DOCTYPE html>`);
- cssutils fetches `@import` URLs even when premailer has `allow_network=False`: its default
  fetcher is replaced by one that fetches nothing, so rendering never touches the network;
- cssutils logs a warning per email-specific CSS property: its log is silenced;
- premailer strips `!important` from the media queries it leaves in `<style>`, and overwrites
  MJML's `width` attributes from the CSS (`100%` for images, which Outlook then ignores).
"""

from __future__ import annotations

import logging
import re
from typing import ClassVar

import cssutils
import cssutils.util
from mjml import mjml2html
from premailer import Premailer

DOCTYPE = "<!DOCTYPE html>"


class MjmlError(Exception):
    """The MJML is wrong; `offset` is the character offset in the source, when known.

    Some mistakes show in two places (an element left open, and the tag that closed it
    instead): `related` is the offset of the second, which `template` names as `{place}`,
    and `message` as its line in the source; theme.py names it by template file and line.
    """

    def __init__(
        self,
        message: str,
        offset: int | None = None,
        related: int | None = None,
        template: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.related = related
        self.template = template


def _fetch_nothing(url: str) -> None:
    """cssutils' fetcher for `@import url(...)`: rendering makes no network request."""
    return None


cssutils.util._defaultFetcher = _fetch_nothing
cssutils.log.setLevel(logging.CRITICAL)
cssutils.log.raiseExceptions = False
cssutils.ser.prefs.useMinified()  # the media queries premailer leaves in <style>: no padding


def compile_email(source: str) -> str:
    """MJML -> final HTML with the `<mj-style inline="inline">` CSS inlined; raises MjmlError."""
    check_structure(source)
    html = mjml_to_html(source)
    check_html(html, source)
    inline = {css.strip() for css in _INLINE_STYLE.findall(source)}
    return trim_whitespace(inline_css(html, inline))


_INLINE_STYLE = re.compile(r"<mj-style\s+inline=[\"']inline[\"']\s*>(.*?)</mj-style>", re.S)


def mjml_to_html(source: str) -> str:
    try:
        return mjml2html(source, disable_comments=False)
    except ValueError as exc:
        raise _parse_error(str(exc), source) from None


_POSITION = re.compile(r"^(.*?) at position (\d+):(\d+)$")


def _parse_error(text: str, source: str) -> MjmlError:
    match = _POSITION.match(text)
    if not match:  # MRML gives no position for some errors (an unterminated attribute value)
        return MjmlError(f"MJML: {text}", _first_failing_line(source, text))
    message, start = match[1], int(match[2])
    offset = len(source.encode("utf-8")[:start].decode("utf-8", errors="ignore"))
    return MjmlError(f"MJML: {message}", offset)


def _first_failing_line(source: str, error: str) -> int | None:
    """The offset of the line where MRML's position-less error starts: the shortest run of
    whole lines that fails the same way ends with it (earlier cuts only end too soon)."""
    cuts = [m.end() for m in re.finditer("\n", source)] + [len(source)]

    def fails(index: int) -> bool:
        try:
            mjml2html(source[: cuts[index]])
        except ValueError as exc:
            return str(exc) == error
        return False

    low, high = 0, len(cuts) - 1
    if not fails(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if fails(middle):
            high = middle
        else:
            low = middle + 1
    return cuts[low - 1] if low else 0


_COMMENT = re.compile(r"<!--.*?-->", re.S)
# MJML 4's tags (mj-include is left out: templates include with Jinja).
KNOWN_TAGS = frozenset(
    {
        "mjml",
        "mj-head",
        "mj-body",
        "mj-attributes",
        "mj-all",
        "mj-class",
        "mj-breakpoint",
        "mj-font",
        "mj-preview",
        "mj-style",
        "mj-title",
        "mj-raw",
        "mj-accordion",
        "mj-accordion-element",
        "mj-accordion-title",
        "mj-accordion-text",
        "mj-button",
        "mj-carousel",
        "mj-carousel-image",
        "mj-column",
        "mj-divider",
        "mj-group",
        "mj-hero",
        "mj-image",
        "mj-navbar",
        "mj-navbar-link",
        "mj-section",
        "mj-social",
        "mj-social-element",
        "mj-spacer",
        "mj-table",
        "mj-text",
        "mj-wrapper",
    }
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>")
_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)


def check_structure(source: str) -> None:
    """Every `mj-` tag is known, and every element is closed by a tag of the same name.

    MRML checks neither: it copies unknown tags, and takes `</b>` or `</mj-tex>` as the end
    of whatever is open, then fails (if at all) much later in the document.
    """
    blanked = _COMMENT.sub(lambda m: " " * len(m[0]), source)
    stack: list[tuple[str, int]] = []
    for match in _TAG.finditer(blanked):
        closing, name, self_closing = match[1], match[2].lower(), match[3]
        if name.startswith("mj") and name not in KNOWN_TAGS:
            raise MjmlError(f"MJML: unknown tag <{name}>", match.start())
        if self_closing or name in _VOID:
            continue
        if not closing:
            stack.append((name, match.start()))
            continue
        if not stack:
            raise MjmlError(f"MJML: </{name}> closes nothing", match.start())
        opened, where = stack.pop()
        if opened == name:
            continue
        if all(name != outer for outer, _ in stack):  # a stray closing tag: the mistake is it
            raise MjmlError(f"MJML: </{name}> closes <{opened}>", match.start())
        # It closes an element further out: the one open here was never closed.
        template = f"MJML: <{opened}> is not closed (</{name}> at {{place}} closes it)"
        line = source.count("\n", 0, match.start()) + 1
        message = template.format(place=f"line {line}")
        raise MjmlError(message, where, related=match.start(), template=template)
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
            f"MJML: <{tag}> is not allowed here",
            found.start() if found else None,
        )


class _Premailer(Premailer):
    """Premailer that turns each stylesheet into rules once per process, not once per page.

    Its own cache keeps cssutils' parse, but every transform still formats each property
    through cssutils' serializer again: about half of its time for our pages. Safe because
    the options below never change and premailer only reads the rules.
    """

    _rules: ClassVar[dict[tuple[str, int], tuple]] = {}

    def _parse_style_rules(self, css_body: str, ruleset_index: int):
        key = (css_body, ruleset_index)
        if key not in self._rules:
            if len(self._rules) > 256:
                self._rules.clear()
            self._rules[key] = super()._parse_style_rules(css_body, ruleset_index)
        return self._rules[key]


_STYLE = re.compile(r"<!--\[if.*?<!\[endif\]-->|<style\b[^>]*>(.*?)</style>", re.S)


def inline_css(html: str, only: set[str] | None = None) -> str:
    """Inline `<style>` rules into style attributes (with `only`: just the style elements
    holding that CSS, as official MJML inlines only `mj-style inline`; the others, its resets
    and media queries, stay in the head untouched, and premailer never spends time on them).
    """
    if html[:15].lower() == "<!doctype html>":
        html = DOCTYPE + html[15:]
    held: list[str] = []

    def hold(match: re.Match) -> str:
        if match[1] is None or only is None or match[1].strip() in only:
            return match[0]
        held.append(match[0])
        return f"<!--held-style-{len(held) - 1}-->"

    premailer = _Premailer(
        _STYLE.sub(hold, html),
        allow_network=False,
        disable_validation=True,  # cssutils' validation only warns about email CSS
        disable_link_rewrites=True,
        cssutils_logging_level=logging.CRITICAL,
        cache_css_parsing=True,  # the theme's CSS is parsed once per process
        strip_important=False,  # else the media queries lose the !important they need
        # MJML already wrote the width/align/bgcolor attributes Outlook needs; premailer would
        # overwrite them from the CSS (an image's width="600" would become "100%").
        disable_basic_attributes=["align", "valign", "bgcolor", "width", "height"],
        align_floating_images=False,  # no floats here; it re-parses every image's style
    )
    out = premailer.transform(pretty_print=False)
    if not out.startswith("<!DOCTYPE"):
        out = f"{DOCTYPE}\n{out}"
    for number, style in enumerate(held):
        out = out.replace(f"<!--held-style-{number}-->", style, 1)
    return out


_SPACE_RUN = re.compile(r"[ \t\r\n]{2,}")


def trim_whitespace(html: str) -> str:
    """Collapse runs of white space (no `<pre>` is ever generated, so this is safe)."""
    return _SPACE_RUN.sub(lambda m: "\n" if "\n" in m[0] else " ", html)
