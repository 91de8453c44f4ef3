"""Issue -> rendered editions: Jinja2 renders MJML, compiled once per issue and language.

An edition holds everything later stages need: the email HTML and text with per-subscriber
placeholders (see placeholders.py), the web version without them, its body content for the
archive and the feed, and the images the issue uses. Nothing here runs per subscriber.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .compiler import compile_email
from .config import Config
from .errors import Problem, ProblemsError
from .model import Issue
from .plaintext import edition_text
from .scaffold import default_templates
from .theme import Theme
from .view import EditionView, edition_view

EMAIL_TEMPLATE = "email.mjml"
GMAIL_CLIP_BYTES = 102 * 1024  # Gmail shows this much of an HTML part, then "[Message clipped]"
WEB_IMAGES = "images/"  # where web.html finds the issue's images (build copies them there)

# The email and the web version come from one compiled document: parts only one of them
# shows are wrapped in these comments by the templates, and cut from the other.
_ONLY = re.compile(r"<!--(email|web)-only-->(.*?)<!--/\1-only-->", re.S)
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)
_CONDITIONAL = re.compile(r"<!--\[if.*?<!\[endif\]-->", re.S)
_DARK_MODE = re.compile(r"@media[^{]*prefers-color-scheme:\s*dark[^{]*\{(?:[^{}]*\{[^{}]*\})*\s*\}")
_EMPTY_STYLE = re.compile(r"<style[^>]*>\s*</style>")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_RULE = re.compile(r"(\s*)([^{};]+?)\s*(\{[^{}]*\})")  # selectors {declarations}, in @media too
_STYLE_BODY = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
WEB_SCOPE = "nl-web"  # the class of content_html's wrapper; style_html applies only inside it


@dataclass(frozen=True)
class RenderedEdition:
    """One language of one issue, rendered: what `build`, the archive and delivery use."""

    language: str
    subject: str
    preheader: str
    email_html: str  # with placeholders: fill with placeholders.personalise
    web_html: str  # no per-subscriber parts; images under WEB_IMAGES, relative
    text: str  # the text/plain part, with placeholders
    web_url: str  # where the archive publishes this edition
    mjml: str = field(repr=False)  # the rendered MJML, for debugging and the benchmark

    @cached_property
    def content_html(self) -> str:
        """The body of the web version, the newsletter itself, in a `<div class="nl-web">`
        to embed in another page."""
        match = _BODY.search(self.web_html)
        body = match[1].strip() if match else self.web_html
        return f'<div class="{WEB_SCOPE}">{body}</div>'

    @cached_property
    def style_html(self) -> str:
        """The web version's `<style>` elements that go with content_html, every rule scoped
        to its wrapper (MJML's resets such as `p { margin: 13px 0 }` would restyle the whole
        page), without dark-mode rules: the page has its own colour scheme."""
        head = self.web_html.split("<body", 1)[0]
        styles = "".join(_STYLE.findall(_CONDITIONAL.sub("", head)))
        styles = _EMPTY_STYLE.sub("", _DARK_MODE.sub("", styles))
        return _STYLE_BODY.sub(lambda m: m[1] + scoped_css(m[2], f".{WEB_SCOPE}") + m[3], styles)

    def web_html_with_images(self, prefix: str) -> str:
        """The web version with images under `prefix` (e.g. `../../2013-05/images/`)."""
        return self.web_html.replace(f'src="{WEB_IMAGES}', f'src="{prefix}')


@dataclass(frozen=True)
class RenderedIssue:
    issue: Issue
    editions: dict[str, RenderedEdition]  # language -> edition, in the config's order
    images: dict[str, Path]  # file name under images/ -> the file on disk

    def edition(self, language: str) -> RenderedEdition:
        return self.editions[language]


class Renderer:
    """Renders issues of one project; keep one for many issues (templates are compiled once)."""

    def __init__(self, config: Config, theme: Theme | None = None):
        self.config = config
        self.theme = theme or Theme([config.templates_dir, default_templates()])

    def render(self, issue: Issue, languages: list[str] | None = None) -> RenderedIssue:
        editions = {lang: self.edition(issue, lang) for lang in languages or self.config.languages}
        return RenderedIssue(issue, editions, issue_images(issue))

    def warnings(self) -> list[str]:
        """What renders, but not as meant: an edition language without its own words."""
        shown = self.theme.labels_shown
        return [
            f"{shown} has no [{code}] table: the {code} edition uses English words"
            for code in self.theme.languages_without_labels(self.config.languages)
        ]

    def view(self, issue: Issue, language: str) -> EditionView:
        labels = self.theme.labels(language)
        return edition_view(issue, self.config, language, labels, self.theme.fonts())

    def edition(self, issue: Issue, language: str) -> RenderedEdition:
        view = self.view(issue, language)
        mjml, html = self.theme.compile(EMAIL_TEMPLATE, {"edition": view}, compile_email)
        web = _only(html, "web")
        if view.hero:
            web = web.replace(f'src="{view.hero.src}"', f'src="{WEB_IMAGES}{view.hero.file}"')
        return RenderedEdition(
            language=language,
            subject=view.subject,
            preheader=view.preheader,
            email_html=_only(html, "email"),
            web_html=web,
            text=edition_text(view),
            web_url=view.web_url,
            mjml=mjml,
        )


def render_issue(issue: Issue, config: Config) -> RenderedIssue:
    """Every edition of one issue (for many issues, keep a Renderer)."""
    return Renderer(config).render(issue)


# An issue using every part of the templates (hero, intro, both kinds of date, an entry in
# another language, links), to find template mistakes before an issue needs them.
SAMPLE_ISSUE = {
    "slug": "theme-check",
    "title": "Theme check",
    "date": "2000-01-15",
    "status": "ready",
    "preheader": "Every part of the templates",
    "intro": "An **intro** with [a link](https://example.org/).",
    "hero": {"image": "images/sample.png", "alt": "A sample", "caption": "A caption",
             "credit": "A credit"},
    "sections": [{"title": "News", "entries": [
        {"title": "An entry", "date": "2000-01-05", "url": "https://example.org/a",
         "summary": "A *summary*."},
        {"title": "日本語の項目", "date": "2000-01", "language": "ja"},
        {"title": "An English entry", "date": "2000-01", "language": "en"},
    ]}],
    "links": [{"title": "A link", "url": "https://example.org/"}],
}  # fmt: skip


def check_theme(config: Config) -> list[Problem]:
    """The mistakes in the project's templates that stop `build`: labels.toml, and each
    template, found by rendering a sample issue in every language; empty when all is well."""
    try:
        renderer = Renderer(config)
    except ProblemsError as exc:  # labels.toml does not parse
        return exc.problems
    problems: list[Problem] = []
    languages = {*config.languages, "en", "ja"}
    issue = Issue.model_validate(
        SAMPLE_ISSUE, context={"languages": config.languages, "all_languages": languages}
    )
    for language in config.languages:
        try:
            renderer.edition(issue, language)
        except ProblemsError as exc:
            problems += [p for p in exc.problems if p not in problems]
    return problems


def theme_warnings(config: Config) -> list[str]:
    """What the templates render, but not as meant (a language without its own words)."""
    try:
        return Renderer(config).warnings()
    except ProblemsError:  # check_theme reports it
        return []


def issue_warnings(rendered: RenderedIssue) -> list[str]:
    """What renders, but will not show as meant in mail clients: an email Gmail clips (which
    also hides the unsubscribe link). For `build` and `validate`; the caller names the issue."""
    warnings = []
    for language, edition in rendered.editions.items():
        size = len(edition.email_html.encode("utf-8"))
        if size > GMAIL_CLIP_BYTES:
            kb = size / 1024
            shown = f"{kb:.0f}" if kb >= GMAIL_CLIP_BYTES / 1024 + 0.5 else f"{kb:.1f}"
            warnings.append(
                f"the {language} edition's email.html is {shown} KB: Gmail clips messages over "
                f'{GMAIL_CLIP_BYTES // 1024} KB (hide the rest behind a "View in browser" link '
                "or shorten it)"
            )
    return warnings


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


def issue_images(issue: Issue) -> dict[str, Path]:
    """The image files an issue uses, by their name under images/."""
    if issue.hero and issue.hero.image and issue.source is not None:
        path = Path(issue.source).parent / issue.hero.image
        return {path.name: path}
    return {}


def _only(html: str, keep: str) -> str:
    """Keep the parts marked for `keep` (without their markers), cut those for the other."""
    return _ONLY.sub(lambda m: m[2] if m[1] == keep else "", html)
