"""Issue -> rendered editions: Jinja2 renders MJML, compiled once per issue and language.

An edition holds everything later stages need: the email HTML and text with per-subscriber
placeholders (see placeholders.py), the web version without them, its body content for the
archive and the feed, and the images the issue uses. Nothing here runs per subscriber.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from newsletter.config import Config
from newsletter.issues import Issue

from .compiler import compile_email
from .edition_view import EditionView, edition_view
from .embedding import feed_content, web_content, web_styles
from .plaintext import edition_text
from .theme import Theme, default_templates

EMAIL_TEMPLATE = "email.mjml"
WEB_IMAGES = "images/"  # where web.html finds the issue's images (build copies them there)
GMAIL_CLIP_BYTES = 102 * 1024  # Gmail shows this much of an HTML part, then "[Message clipped]"

# The email and the web version come from one compiled document: parts only one of them
# shows are wrapped in these comments by the templates, and cut from the other.
_ONLY = re.compile(r"<!--(email|web)-only-->(.*?)<!--/\1-only-->", re.S)
# mjml-python hides <mj-preview> with white 1px text, which spam filters score as text hidden
# from the reader (SpamAssassin: HTML_FONT_LOW_CONTRAST). The default theme writes its own
# preheader; an email.mjml copied by `newsletter init` before then still has <mj-preview>.
_MJML_PREVIEW = re.compile(
    r'<div style="display:none;font-size:1px;color:#ffffff;[^"]*">([^<]*)</div>'
)
PREHEADER_STYLE = "display:none;max-height:0;max-width:0;overflow:hidden;mso-hide:all"


@dataclass(frozen=True)
class SectionWeight:
    """What one section of an issue adds to an edition's email.html."""

    title: str  # in the edition's language
    entries: int
    bytes: int


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
    # Heaviest first; weighed only when email_html is over GMAIL_CLIP_BYTES, to say what to cut.
    section_weights: tuple[SectionWeight, ...] = ()

    @cached_property
    def content_html(self) -> str:
        """The body of the web version, the newsletter itself, in a `<div class="nl-web">`
        to embed in another page."""
        return web_content(self.web_html)

    @cached_property
    def feed_html(self) -> str:
        """The body of the web version for a feed entry: content_html without comments (the
        Outlook-only markup), as feed readers show it with or without styles."""
        return feed_content(self.web_html)

    @cached_property
    def style_html(self) -> str:
        """The `<style>` elements that go with content_html (see embedding.web_styles)."""
        return web_styles(self.web_html)

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

    def only(self, languages: list[str]) -> RenderedIssue:
        return dataclasses.replace(self, editions={k: self.editions[k] for k in languages})


class Renderer:
    """Renders issues of one project; keep one for many issues (templates are compiled once)."""

    def __init__(self, config: Config, theme: Theme | None = None):
        self.config = config
        self.theme = theme or Theme([config.templates_dir, default_templates()])

    def render(self, issue: Issue, languages: list[str] | None = None) -> RenderedIssue:
        editions = {lang: self.edition(issue, lang) for lang in languages or self.config.languages}
        for language, edition in editions.items():
            if len(edition.email_html.encode("utf-8")) > GMAIL_CLIP_BYTES:
                weights = self.section_weights(issue, language)
                editions[language] = dataclasses.replace(edition, section_weights=weights)
        return RenderedIssue(issue, editions, issue_images(issue))

    def section_weights(self, issue: Issue, language: str) -> tuple[SectionWeight, ...]:
        """The bytes each section adds to the email (the edition with only that section, less
        the edition with none), heaviest first: one render per section, so only on demand."""

        def size(sections: list) -> int:
            alone = issue.model_copy(update={"sections": sections})
            return len(self.edition(alone, language).email_html.encode("utf-8"))

        without = size([])
        titles = [section.title for section in self.view(issue, language).sections]
        weights = [
            SectionWeight(str(title), len(section.entries), size([section]) - without)
            for section, title in zip(issue.sections, titles, strict=True)
        ]
        return tuple(sorted(weights, key=lambda weight: -weight.bytes))

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
        html = _MJML_PREVIEW.sub(_preheader, html)
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


def issue_images(issue: Issue) -> dict[str, Path]:
    """The image files an issue uses, by their name under images/."""
    if issue.hero and issue.hero.image and issue.source is not None:
        path = Path(issue.source).parent / issue.hero.image
        return {path.name: path}
    return {}


def _preheader(preview: re.Match) -> str:
    """mjml-python's preview as the default theme writes its preheader: email only."""
    hidden = f'<div class="nl-preheader" style="{PREHEADER_STYLE}">{preview[1]}</div>'
    return f"<!--email-only-->{hidden}<!--/email-only-->"


def _only(html: str, keep: str) -> str:
    """Keep the parts marked for `keep` (without their markers), cut those for the other."""
    return _ONLY.sub(lambda m: m[2] if m[1] == keep else "", html)
