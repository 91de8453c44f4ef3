"""What the templates and the text part see: one edition of an issue, in its language.

The model keeps every language's text; a view holds the edition's strings, already picked,
with the language of each string when it is not the edition's (an entry written in Japanese
in the English edition), dates formatted for the edition's locale, and Markdown made safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from markupsafe import Markup, escape

from newsletter.config import Config, urls
from newsletter.issues import Entry, Issue, Text, TextBlock, markdown_blocks, markdown_html

from .locales import format_entry_date, format_month, language_name, text_direction
from .placeholders import PLACEHOLDERS


@dataclass(frozen=True)
class Phrase:
    """A text picked for the edition; `lang` is set only when it is not the edition's language."""

    text: str
    lang: str | None = None

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        return str(escape(self.text))


@dataclass(frozen=True)
class EntryView:
    title: Phrase
    date_label: str
    url: str | None
    summary_html: Markup  # safe HTML from the Markdown summary; empty when none
    summary_text: tuple[TextBlock, ...]  # the summary for the text part, not yet wrapped
    summary_lang: str | None
    language: str | None  # the entry's own language when it differs from the edition's
    language_name: str  # that language's own name, e.g. 日本語


@dataclass(frozen=True)
class SectionView:
    title: Phrase
    entries: list[EntryView]


@dataclass(frozen=True)
class LinkView:
    title: Phrase
    url: str


@dataclass(frozen=True)
class HeroView:
    src: str  # absolute URL under the archive, where `newsletter archive` copies the image
    file: str  # the image's name under images/
    alt: Phrase
    caption: Phrase | None
    credit: Phrase | None


@dataclass(frozen=True)
class EditionView:
    """Everything a template may use; `web` is False when rendering for the email."""

    language: str
    dir: str
    title: Phrase
    heading: str  # the title without the newsletter's name, e.g. "May 2013"
    subject: str
    preheader: str
    month_label: str
    intro_html: Markup
    intro_text: tuple[TextBlock, ...]  # the intro for the text part, not yet wrapped
    hero: HeroView | None
    sections: list[SectionView]
    links: list[LinkView]
    web_url: str
    archive_url: str  # the archive's index in the edition's language
    newsletter: object
    sender: object
    labels: dict[str, str]
    fonts: dict[str, str] = field(default_factory=dict)  # language -> font stack
    placeholders: dict[str, str] = field(default_factory=lambda: dict(PLACEHOLDERS))

    def font_for(self, language: str | None) -> str:
        return self.fonts.get(language or self.language) or self.labels.get("font", "sans-serif")

    def label(self, name: str, **parts: str) -> Markup:
        """A label with its `{part}` fields filled in, escaped (parts that are Markup stay)."""
        return escape(self.labels[name]).format(**parts)

    def lang_attrs(self, language: str | None) -> Markup:
        """` lang="ar" dir="rtl" style="font-family:…"` for text in another language, else
        nothing; `dir` always, as the edition's own direction may not be the text's."""
        if not language or language == self.language:
            return Markup("")
        return Markup(' lang="{}" dir="{}" style="font-family:{}"').format(
            language, text_direction(language), self.font_for(language)
        )


def edition_view(
    issue: Issue, config: Config, language: str, labels: dict[str, str], fonts: dict[str, str]
) -> EditionView:
    default = config.default_language

    def pick(text: Text | None, own: str | None = None) -> Phrase:
        return _pick(text, language, default, own) if text else Phrase("")

    title = pick(issue.title)
    masthead = config.masthead(language)
    return EditionView(
        language=language,
        dir=text_direction(language),
        title=title,
        heading=_heading(title.text, masthead.name, format_month(issue.date, language)),
        subject=issue.subject_text(language, default),
        preheader=pick(issue.preheader).text or _first_titles(issue, language, default),
        month_label=format_month(issue.date, language),
        intro_html=markdown_html(pick(issue.intro).text),
        intro_text=markdown_blocks(pick(issue.intro).text),
        hero=_hero(issue, config, pick),
        sections=[
            SectionView(pick(s.title), [_entry(e, language, default) for e in s.entries])
            for s in issue.sections
        ],
        links=[LinkView(pick(link.title), link.url) for link in issue.links],
        web_url=urls.web_url(config, issue.slug, language),
        archive_url=urls.archive_url(config, language),
        newsletter=masthead,
        sender=config.sender_in(language),
        labels=labels,
        fonts=fonts,
    )


def _pick(text: Text, language: str, default: str, own: str | None) -> Phrase:
    """The edition's text, and its language when it is another one (a fallback, an entry's own)."""
    key = text.key_for(language, default)
    if key == "*":
        return Phrase(text[key], own if own and own != language else None)
    return Phrase(text[key], key if key != language else None)


def _entry(entry: Entry, language: str, default: str) -> EntryView:
    own = entry.language if entry.language and entry.language != language else None
    summary = _pick(entry.summary, language, default, own) if entry.summary else Phrase("")
    return EntryView(
        title=_pick(entry.title, language, default, own),
        date_label=format_entry_date(entry.date, language),
        url=entry.url,
        summary_html=markdown_html(summary.text),
        summary_text=markdown_blocks(summary.text),
        summary_lang=summary.lang,
        language=own,
        language_name=language_name(own) if own else "",
    )


def _hero(issue: Issue, config: Config, pick) -> HeroView | None:
    hero = issue.hero
    if not hero or not hero.image:
        return None
    file = PurePosixPath(hero.image).name
    return HeroView(
        src=urls.image_url(config, issue.slug, file),
        file=file,
        alt=pick(hero.alt),
        caption=pick(hero.caption) if hero.caption else None,
        credit=pick(hero.credit) if hero.credit else None,
    )


def _heading(title: str, name: str, month: str) -> str:
    """`Japan Science and Technology Newsletter, May 2013` -> `May 2013` under the masthead."""
    if title.casefold().startswith(name.casefold()):
        rest = title[len(name) :].strip(" ,:–—-|·")
        return rest or month
    return title


def _first_titles(issue: Issue, language: str, default: str) -> str:
    """A preheader when the issue gives none: its first entries' titles."""
    titles = [e.title.get_for(language, default) for s in issue.sections for e in s.entries]
    return " · ".join(titles[:3])
