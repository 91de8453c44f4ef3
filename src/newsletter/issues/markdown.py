"""Editors' Markdown, read once by markdown-it-py: the safe HTML, the plain text and the links
all come from the same tokens, so the two parts of an email agree on what is emphasis, what
is a link and what is text, and validation agrees with both."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup
from pydantic_core import PydanticCustomError

from newsletter.core import URL_SCHEMES, check_url

ALLOWED_TAGS = {"p", "a", "em", "strong", "code", "br", "ul", "ol", "li", "blockquote"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "html": False makes markdown-it escape any raw HTML an editor writes; linkify turns a
    # bare https://... into a link, as mail programs do, but only with the schemes a link may
    # have (no ftp:, no //host). text_join is off so that escapes and entities stay tokens of
    # their own: `\[` is a bracket the editor meant as text, not the start of a link.
    options = {"html": False, "linkify": True, "typographer": False}
    parser = MarkdownIt("commonmark", options).enable("linkify").disable("text_join")
    for schema in ("ftp:", "//"):
        parser.linkify.add(schema, None)
    parser.renderer.rules["text_special"] = parser.renderer.rules["text"]  # as if joined
    return parser


def _tokens(text: str) -> list[Token]:
    return _parser().parse(text)


def markdown_html(text: str | None) -> Markup:
    """Markdown -> HTML that is safe to put into an email or web page."""
    if not text:
        return Markup("")
    parser = _parser()
    html = parser.renderer.render(_tokens(text), parser.options, {})
    # Belt and braces: whatever markdown-it lets through, only these tags and schemes survive.
    clean = nh3.clean(html, tags=ALLOWED_TAGS, url_schemes=set(URL_SCHEMES), link_rel="noopener")
    return Markup(clean.strip())


def markdown_inline_html(text: str | None) -> Markup:
    """Like markdown_html, without the wrapping paragraph (for one-line fields)."""
    html = markdown_html(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return Markup(html[3:-4])
    return html


# The plain text ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TextBlock:
    """A paragraph, list item, heading or code block of the plain text, not yet wrapped."""

    text: str  # "\n" where the editor asked for a line break
    first: str = ""  # what its first line starts with: "1. ", "- ", "> "
    rest: str = ""  # what its next lines start with: the hanging indent under the marker
    gap: str | None = ""  # the blank line before it (">" in a quote); None in a tight list
    verbatim: bool = False  # code: its lines as written, never refilled


Fill = Callable[[str, str, str], list[str]]  # (text, first line's prefix, next lines') -> lines


def markdown_blocks(text: str | None) -> tuple[TextBlock, ...]:
    """Markdown -> the blocks of the text/plain part, each to be wrapped on its own."""
    if not text:
        return ()
    walker = _BlockWalker()
    for token in _tokens(text):
        walker.step(token)
    return tuple(walker.blocks)


def markdown_text(text: str | None) -> str:
    """Markdown -> plain text, unwrapped: links become `text (url)`, list items keep their
    markers, and every character that is not markup is kept."""
    return "\n".join(block_lines(markdown_blocks(text)))


def _unfilled(text: str, first: str, rest: str) -> list[str]:
    return [first + text]


def block_lines(
    blocks: Iterable[TextBlock], fill: Fill = _unfilled, indent: str = "", *, gaps: bool = True
) -> list[str]:
    """The blocks' lines, each block filled by `fill(text, first, rest)` under its own marker
    and hanging indent, after `indent`; a line break the editor asked for stays one, and
    code keeps its lines. `gaps`: a blank line between blocks, as between paragraphs."""
    lines: list[str] = []
    for block in blocks:
        first, rest = indent + block.first, indent + block.rest
        if gaps and block.gap is not None and lines:
            lines.append((indent + block.gap).rstrip())
        for i, part in enumerate(block.text.split("\n")):
            start = first if i == 0 else rest
            lines += [(start + part).rstrip()] if block.verbatim else fill(part, start, rest)
    return lines


@dataclass
class _Container:
    marker: str  # "- ", "3. " or "> "
    indent: str  # under the marker, for its later lines
    marker_due: bool = True  # the marker goes on the next line written inside it


class _BlockWalker:
    """Walks markdown-it's block tokens, keeping the lists and quotes the text is inside."""

    def __init__(self) -> None:
        self.blocks: list[TextBlock] = []
        self.lists: list[list] = []  # [its bullet, None], or [. or ), its next number]
        self.containers: list[_Container] = []
        self.tight = False
        self.list_starts = False

    def step(self, token: Token) -> None:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            ordered = kind == "ordered_list_open"
            self.lists.append([token.markup, int(token.attrs.get("start", 1)) if ordered else None])
            # A list begins after a blank line; its tight items then follow one another.
            self.list_starts = self.list_starts or len(self.lists) == 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "list_item_open":
            self._open_item()
        elif kind == "blockquote_open":
            self.containers.append(_Container("> ", "> "))
        elif kind in ("list_item_close", "blockquote_close"):
            self.containers.pop()
        elif kind == "paragraph_open":
            self.tight = token.hidden
        elif kind == "heading_open":
            self.tight = False
        elif kind == "inline":
            self._add(_inline_text(token.children or []), verbatim=False)
        elif kind in ("code_block", "fence"):
            self.tight = False
            self._add(token.content.rstrip("\n"), verbatim=True)

    def _open_item(self) -> None:
        markup, number = self.lists[-1]
        marker = f"{markup} " if number is None else f"{number}{markup} "
        if number is not None:
            self.lists[-1][1] = number + 1
        self.containers.append(_Container(marker, " " * len(marker)))

    def _add(self, text: str, *, verbatim: bool) -> None:
        if not text.strip():
            return
        first = "".join(c.marker if c.marker_due else c.indent for c in self.containers)
        rest = "".join(c.indent for c in self.containers)
        # The blank line before a block belongs to the quotes and items it continues.
        between = "".join(c.indent for c in self.containers if not c.marker_due)
        gap = between if not self.tight or self.list_starts else None
        for container in self.containers:
            container.marker_due = False
        self.list_starts = False
        self.blocks.append(TextBlock(text, first, rest, gap, verbatim))


def _inline_text(children: list[Token]) -> str:
    """One paragraph's inline tokens as plain text: emphasis marks go; code spans, escapes,
    entities and raw HTML keep their characters, as the HTML shows them; a link becomes
    `text (url)`; an image nothing (the HTML drops images too)."""
    pieces: list[str] = []
    links: list[tuple[int, Token]] = []
    for token in children:
        kind = token.type
        if kind in ("text", "text_special", "code_inline"):
            pieces.append(token.content)
        elif kind in ("softbreak", "hardbreak"):
            pieces.append(" " if kind == "softbreak" else "\n")
        elif kind == "link_open":
            links.append((len(pieces), token))
        elif kind == "link_close" and links:
            start, link = links.pop()
            shown = "".join(pieces[start:])
            if link.markup in ("linkify", "autolink"):  # the address is the text
                pieces[start:] = [_written_address(shown, link)]
            else:
                pieces.append(_link_address(shown, link))
    return "".join(pieces).strip(" ")


def _link_address(shown: str, link: Token) -> str:
    """What follows a link's text: ` (url)`, or nothing when the text already is the url."""
    href = link.attrs.get("href", "")
    if not isinstance(href, str) or href.split(":", 1)[0].lower() not in URL_SCHEMES:
        return ""  # as in the HTML, which keeps no other link
    url = _readable(href)
    address = url.removeprefix("mailto:")
    if shown.strip() in (href, url, address):
        return ""
    return f" ({address})" if shown.strip() else address


def _written_address(shown: str, link: Token) -> str:
    """A bare address as written (www.example.org); but markdown-it shows a %20 in it as a
    space, which would cut it in two in plain text: then the address it links to."""
    if not re.search(r"\s", shown):
        return shown
    return _readable(str(link.attrs.get("href", ""))).removeprefix("mailto:")


def _readable(href: str) -> str:
    """The href with the letters of other scripts that markdown-it %-encoded shown again
    (https://ja.wikipedia.org/wiki/日本), and %20 and the like left encoded."""

    def decode(match: re.Match) -> str:
        try:
            return bytes.fromhex(match[0].replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            return match[0]

    return re.sub(r"(?:%[89A-F][0-9A-F])+", decode, href, flags=re.I)


# The links ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkProblem:
    """A link that will not work as written, and the line of the Markdown it stands on."""

    line: int  # 0-based, in the Markdown text
    written: str  # the address, as the editor wrote it
    # check_url's reason: url_scheme, url_space, url_host, url_mail; "syntax"; or "image"
    kind: str


# Link syntax that markdown-it left as plain text: it did not take it as a link.
_LEFT_AS_TEXT = re.compile(
    r"\[[^\[\]\x00]*\]\((?P<inline>(?:[^()\x00]|\([^()\x00]*\))*)\)"  # [text](address)
    r"|\[[^\[\]\x00]*\]\((?P<unclosed>[^\s\x00]*)"  # [text](address never closed
    r"|<(?P<auto>[a-z][a-z0-9+.-]{1,31}:[^\s<>\x00][^<>\x00]*)>"  # <scheme:address>
    r"|^[ \t]*\[[^\[\]\x00]+\]:[ \t]*"  # [label]: scheme://address
    r"(?P<reference>(?:[a-z][a-z0-9+.-]*://|mailto:)[^\n\x00]*)",
    re.IGNORECASE | re.MULTILINE,
)


def link_problems(text: str | None) -> list[LinkProblem]:
    """Every link of `text` that a reader could not open: a link markdown-it made to an
    address that is not http, https or mailto, and link syntax it did not take as a link
    (an address with a space, a javascript: link); and every image, which the email and
    the web page leave out."""
    problems: list[LinkProblem] = []
    for token in _tokens(text or ""):
        if token.type == "inline" and token.map:
            problems += _inline_link_problems(token.children or [], token.map[0])
    return problems


def _inline_link_problems(children: list[Token], first_line: int) -> list[LinkProblem]:
    found: list[tuple[int, int, LinkProblem]] = []
    literal, line = [], first_line
    for token in children:
        if token.type in ("softbreak", "hardbreak"):
            line += 1
            literal.append("\n")
        elif token.type == "text":
            literal.append(token.content)
        elif token.type in ("text_special", "code_inline"):
            literal.append("\x00")  # an escape or code: not link syntax
        elif token.type == "link_open" and (kind := _url_problem(token.attrs.get("href", ""))):
            href = _parser().normalizeLinkText(str(token.attrs.get("href", "")))
            found.append((line, len("".join(literal)), LinkProblem(line, href, kind)))
        elif token.type == "image":  # left out of both parts: the editor would lose it
            source = _parser().normalizeLinkText(str(token.attrs.get("src", "")))
            found.append((line, len("".join(literal)), LinkProblem(line, source, "image")))
    written = "".join(literal)
    for match in _LEFT_AS_TEXT.finditer(written):
        address = next(group for group in match.groups() if group is not None).strip()
        at = first_line + written.count("\n", 0, match.start())
        problem = LinkProblem(at, address, _url_problem(address) or "syntax")
        found.append((at, match.start(), problem))
    return [problem for _, _, problem in sorted(found, key=lambda f: f[:2])]


def _url_problem(address: str) -> str | None:
    """Why `address` is not a link readers can open (check_url's reason), or None."""
    try:
        check_url(address)
    except PydanticCustomError as exc:
        return exc.type
    return None
