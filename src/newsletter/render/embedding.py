"""The web version's body and styles, to embed in another page (the archive's issue pages),
and its body for a feed entry.

MJML writes a whole document whose styles assume they own the page (`p { margin: 13px 0 }`):
embedded, every rule is scoped to the newsletter's wrapper, and its dark-mode rules are
left out, since the page has a colour scheme of its own. A feed entry has no styles at all:
it keeps no comments, since the Outlook-only markup MJML hides in conditional comments is
not for feed readers.
"""

from __future__ import annotations

import re

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)
_CONDITIONAL = re.compile(r"<!--\[if.*?<!\[endif\]-->", re.S)
# `<!--[if !mso]><!-->shown everywhere but Outlook<!--<![endif]-->`: its content stays.
_REVEALED = re.compile(r"<!--\[if [^\]]*\]><!-->(.*?)<!--<!\[endif\]-->", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_DARK_MODE = re.compile(r"@media[^{]*prefers-color-scheme:\s*dark[^{]*\{(?:[^{}]*\{[^{}]*\})*\s*\}")
_EMPTY_STYLE = re.compile(r"<style[^>]*>\s*</style>")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_RULE = re.compile(r"(\s*)([^{};]+?)\s*(\{[^{}]*\})")  # selectors {declarations}, in @media too
_STYLE_BODY = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
WEB_SCOPE = "nl-web"  # the class of web_content's wrapper; web_styles applies only inside it


def web_content(web_html: str) -> str:
    """The body of the web version in a `<div class="nl-web">`."""
    match = _BODY.search(web_html)
    body = match[1].strip() if match else web_html
    return f'<div class="{WEB_SCOPE}">{body}</div>'


def feed_content(web_html: str) -> str:
    """web_content without comments: no Outlook-only markup, nothing a reader could show."""
    content = _REVEALED.sub(r"\1", web_content(web_html))
    return _COMMENT.sub("", _CONDITIONAL.sub("", content))


def web_styles(web_html: str) -> str:
    """The web version's `<style>` elements, every rule scoped to web_content's wrapper,
    without dark-mode rules."""
    head = web_html.split("<body", 1)[0]
    styles = "".join(_STYLE.findall(_CONDITIONAL.sub("", head)))
    styles = _EMPTY_STYLE.sub("", _DARK_MODE.sub("", styles))
    return _STYLE_BODY.sub(lambda m: m[1] + scoped_css(m[2], f".{WEB_SCOPE}") + m[3], styles)


def scoped_css(css: str, scope: str) -> str:
    """`css` applying only inside `scope`: `p` -> `.nl-web p`, `body` -> `.nl-web`."""

    def selector(text: str) -> str:
        if re.fullmatch(r"from|to|[\d.]+%", text):  # a keyframe, not an element
            return text
        element, _, rest = text.partition(" ")
        return f"{scope} {rest}".strip() if element in ("html", "body") else f"{scope} {text}"

    def rule(match: re.Match) -> str:
        space, selectors, declarations = match.groups()
        if selectors.startswith("@"):  # @font-face and the like select nothing
            return match[0]
        parts = re.split(r",(?![^()]*\))", selectors)  # not the commas of :is(a, b)
        return f"{space}{', '.join(selector(part.strip()) for part in parts)} {declarations}"

    return _CSS_RULE.sub(rule, _CSS_COMMENT.sub("", css))
