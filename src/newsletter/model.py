"""The issue schema: what an editor may write in `issues/YYYY-MM.yaml`, and what it means."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, NamedTuple
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
URL_SCHEMES = ("http", "https", "mailto")


class Text(dict[str, str]):
    """A text field: the same in every edition, or one text per language code.

    A plain string is stored under the key "*". `get` picks the edition's own text and falls
    back to the default language's.
    """

    def get_for(self, language: str, default_language: str) -> str:
        for key in (language, "*", default_language):
            if key in self:
                return self[key]
        return next(iter(self.values()), "")

    def languages(self) -> set[str]:
        return set(self) - {"*"}


def _to_text(value: Any, info: ValidationInfo) -> Text:
    if isinstance(value, Text):
        return value
    if isinstance(value, str):
        if not value.strip():
            raise PydanticCustomError("text_empty", "is empty: write the text")
        return Text({"*": value.strip()})
    if not isinstance(value, dict):
        raise PydanticCustomError(
            "text_type",
            "must be text, or a mapping from language code to text, got {got}",
            {"got": type(value).__name__},
        )
    languages = (info.context or {}).get("languages")
    for key, item in value.items():
        if languages and key not in languages:
            # `{en: Newsletter, May 2013}` splits at the comma: the usual cause of this error.
            hint = " (a comma inside {...} starts a new key: quote the text)" if " " in key else ""
            raise PydanticCustomError(
                "language_key",
                "unknown language '{key}'; this newsletter's languages are {known}{hint}",
                {"key": key, "known": ", ".join(languages), "hint": hint},
            )
        if not isinstance(item, str):
            raise PydanticCustomError(
                "text_type", "the '{key}' text must be text", {"key": key, "got": item}
            )
    if languages and languages[0] not in value:
        raise PydanticCustomError(
            "default_language",
            "gives no '{default}' text; the first language is every edition's fallback",
            {"default": languages[0]},
        )
    return Text(value)


LocalText = Annotated[Text, PlainValidator(_to_text)]


class EntryDate(NamedTuple):
    """A day, or a whole month when the source gives only the month."""

    year: int
    month: int
    day: int | None = None

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, self.day or 1)

    def __str__(self) -> str:
        month = f"{self.year:04d}-{self.month:02d}"
        return f"{month}-{self.day:02d}" if self.day else month


def _parse_entry_date(value: Any) -> EntryDate:
    if isinstance(value, dt.date):
        return EntryDate(value.year, value.month, value.day)
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text)
    if not match:
        raise PydanticCustomError(
            "entry_date", "'{value}' is not a date: write YYYY-MM-DD or YYYY-MM", {"value": text}
        )
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        dt.date(year, month, day or 1)
    except ValueError as exc:
        raise PydanticCustomError(
            "entry_date", "'{value}' is not a real date: {why}", {"value": text, "why": str(exc)}
        ) from None
    return EntryDate(year, month, day)


def _check_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in URL_SCHEMES:
        raise PydanticCustomError(
            "url_scheme",
            "'{value}' is not allowed: links must be http, https or mailto URLs",
            {"value": value},
        )
    if parts.scheme.lower() in ("http", "https") and not parts.netloc:
        raise PydanticCustomError("url_host", "'{value}' has no host name", {"value": value})
    return value.strip()


def _check_slug(value: str) -> str:
    if not SLUG.match(value):
        raise PydanticCustomError(
            "slug",
            "'{value}' cannot be a slug: use lower-case letters, digits, - and _ (it is a URL)",
            {"value": value},
        )
    return value


Url = Annotated[str, AfterValidator(_check_url)]
Date = Annotated[EntryDate, PlainValidator(_parse_entry_date)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Entry(Strict):
    title: LocalText
    date: Date
    url: Url | None = None
    summary: LocalText | None = None  # Markdown
    language: str | None = None  # the entry's own language when it differs from the edition's

    @model_validator(mode="after")
    def _known_language(self, info: ValidationInfo) -> Entry:
        languages = (info.context or {}).get("all_languages")
        if self.language and languages and self.language not in languages:
            raise PydanticCustomError(
                "entry_language",
                "unknown language code '{code}'",
                {"code": self.language, "key": "language"},
            )
        return self


class Section(Strict):
    title: LocalText
    entries: list[Entry] = Field(min_length=1)


class Hero(Strict):
    image: str | None = None  # relative to the issue file's folder
    alt: LocalText | None = None
    caption: LocalText | None = None
    credit: LocalText | None = None

    @model_validator(mode="after")
    def _image_needs_alt(self) -> Hero:
        if self.image and not (self.alt and any(v.strip() for v in self.alt.values())):
            raise PydanticCustomError(
                "hero_alt",
                "an image needs alt text ('alt') for readers who cannot see it",
                {"key": "image"},
            )
        return self


class Link(Strict):
    title: LocalText
    url: Url


class Issue(Strict):
    title: LocalText
    date: dt.date
    status: Literal["draft", "ready"] = "draft"
    slug: Annotated[str, AfterValidator(_check_slug)]
    subject: LocalText | None = None
    preheader: LocalText | None = None
    intro: LocalText | None = None  # Markdown
    hero: Hero | None = None
    sections: list[Section] = Field(min_length=1)
    links: list[Link] = Field(default_factory=list)

    _source: Any = PrivateAttr(default=None)

    @property
    def source(self):
        """The file this issue was read from (a Path), or None when built in code."""
        return self._source

    @property
    def is_ready(self) -> bool:
        return self.status == "ready"

    def subject_text(self, language: str, default_language: str) -> str:
        field = self.subject or self.title
        return field.get_for(language, default_language)
