"""The issue schema: what an editor may write in `issues/YYYY-MM.yaml`, and what it means."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from newsletter.core import (
    HAS_LINE_BREAK,
    Url,
    describe_value,
    display_path,
    one_line_problem,
    pick_language,
)

from .markdown import link_problems

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
PLACEHOLDER_MARK = "%%NL_"  # the prefix of placeholders.PLACEHOLDERS' tokens
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class Text(dict[str, str]):
    """A text field: the same in every edition, or one text per language code.

    A plain string is stored under the key "*". `get` picks the edition's own text and falls
    back to the default language's.
    """

    def get_for(self, language: str, default_language: str) -> str:
        return self[self.key_for(language, default_language)] if self else ""

    def key_for(self, language: str, default_language: str) -> str:
        """The key of the text the `language` edition takes ("*" when there is one text)."""
        return pick_language(self, language, "*", default_language)

    def languages(self) -> set[str]:
        return set(self) - {"*"}


def _to_text(value: Any, info: ValidationInfo, *, one_line: bool = True) -> Text:
    """A plain string (every edition) or {language: text}; titles and the like are one line."""
    if isinstance(value, Text):
        return value
    if isinstance(value, str):
        return Text({"*": _check_piece("*", value, one_line)})
    if not isinstance(value, dict):
        raise PydanticCustomError(
            "text_type",
            "{got} is not text: write text (in quotes if it looks like a number or a date), "
            "or one text per language such as {en: ..., ja: ...}",
            {"got": describe_value(value)},
        )
    languages = (info.context or {}).get("languages")
    for key in value:
        if languages and key not in languages:
            # `{en: Newsletter, May 2013}` splits at the comma: the usual cause of this error.
            hint = " (a comma inside {...} starts a new key: quote the text)" if " " in key else ""
            raise PydanticCustomError(
                "language_key",
                "unknown language '{key}'; this newsletter's languages are {known}{hint}",
                {"key": key, "known": ", ".join(languages), "hint": hint},
            )
    if languages and languages[0] not in value:
        raise PydanticCustomError(
            "default_language",
            "gives no '{default}' text; the first language is every edition's fallback",
            {"default": languages[0]},
        )
    texts, failed = {}, []
    for key, item in value.items():
        try:
            texts[key] = _check_piece(key, item, one_line)
        except PydanticCustomError as exc:
            failed.append(exc)
    if failed:
        raise _one_error(failed)
    return Text(texts)


def _one_error(failed: list[PydanticCustomError]) -> PydanticCustomError:
    """A field gives one error, located at its first bad language; the others' are said in
    it, so that one run of validate lists every text still to write."""
    first, *others = failed
    if not others:
        return first
    also = "; ".join(f"{(exc.context or {}).get('key', '')}: {exc.message()}" for exc in others)
    # The text as a value, not a template: it is formatted already.
    context = {**(first.context or {}), "said": f"{first.message()}; also {also}"}
    return PydanticCustomError(first.type, "{said}", context)


def _check_piece(key: str, item: Any, one_line: bool) -> str:
    where = {} if key == "*" else {"key": key}
    if not isinstance(item, str):
        raise PydanticCustomError(
            "text_type",
            "{got} is not text: write text, in quotes if it looks like a number or a date",
            {**where, "got": describe_value(item)},
        )
    text = item.strip()
    if not text:
        raise PydanticCustomError("text_empty", "is empty: write the text", where)
    why = one_line_problem(text) if one_line else None
    if why == HAS_LINE_BREAK:
        # A line break in a subject would start a new mail header.
        raise PydanticCustomError(
            "text_lines", "must be one line (for a long text write '>-' and fold it)", where
        )
    if why:
        raise PydanticCustomError("text_control", "{why}", {**where, "why": why})
    if PLACEHOLDER_MARK in text:
        raise PydanticCustomError(
            "text_placeholder",
            "'{mark}' is reserved for what delivery fills in per subscriber",
            {**where, "mark": PLACEHOLDER_MARK},
        )
    return text


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


def parse_date(value: Any, *, month_only: bool) -> EntryDate:
    """YYYY-MM-DD (or YYYY-MM when `month_only` is allowed), with one wording for mistakes."""
    if isinstance(value, dt.date):
        return EntryDate(value.year, value.month, value.day)
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text)
    if not match or (match[3] is None and not month_only):
        formats = "YYYY-MM-DD or YYYY-MM" if month_only else "YYYY-MM-DD"
        raise PydanticCustomError(
            "date_format",
            "'{value}' is not a date: write {formats}",
            {"value": text, "formats": formats},
        )
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        dt.date(year, month, day or 1)
    except ValueError as exc:
        raise PydanticCustomError(
            "date_value", "'{value}' is not a real date: {why}", {"value": text, "why": str(exc)}
        ) from None
    return EntryDate(year, month, day)


def _issue_date(value: Any) -> dt.date:
    return parse_date(value, month_only=False).first_day


def _to_markdown(value: Any, info: ValidationInfo) -> Text:
    text = _to_text(value, info, one_line=False)
    written = value if isinstance(value, dict) else {"*": value}
    errors = [
        error
        for language, markdown in text.items()
        for error in _link_errors(markdown, _lines_before(written[language]), language)
    ]
    if errors:
        raise ValidationError.from_exception_data("Markdown", errors)
    return text


def _lines_before(written: str) -> int:
    """The blank lines before the text, which _to_text strips: a `|` block may start so."""
    return written[: len(written) - len(written.lstrip())].count("\n")


# Why a link in Markdown cannot be opened, by check_url's reason: (one link, several links).
LINK_PROBLEMS = {
    "url_scheme": (
        "link {links} is not allowed: links must be http, https or mailto URLs",
        "links {links} are not allowed: links must be http, https or mailto URLs",
    ),
    "url_space": (
        "link {links} has a space in it: write %20 for a space in an address, or check it",
        "links {links} have a space in them: write %20 for a space in an address, or check them",
    ),
    "url_host": ("link {links} has no host name", "links {links} have no host name"),
    "url_mail": ("link {links} has no email address", "links {links} have no email address"),
    "syntax": (
        "link {links} is not read as a link: check the brackets around it",
        "links {links} are not read as links: check the brackets around them",
    ),
    "image": (
        "image {links} would not be shown: a text has no pictures (the issue's one picture "
        "is its hero: hero: image:); remove it, or link to it with [words](address)",
        "images {links} would not be shown: a text has no pictures (the issue's one picture "
        "is its hero: hero: image:); remove them, or link to them with [words](address)",
    ),
}


def _link_errors(markdown: str, lines_before: int, language: str) -> list[InitErrorDetails]:
    """One error per line and kind of mistake, each at the line where its links stand."""
    grouped: dict[tuple[int, str], list[str]] = {}
    for problem in link_problems(markdown):
        grouped.setdefault((problem.line, problem.kind), []).append(problem.written)
    key = {} if language == "*" else {"key": language}
    errors = []
    for (line, kind), addresses in grouped.items():
        one, several = LINK_PROBLEMS[kind]
        message = (one if len(addresses) == 1 else several).format(
            links=", ".join(f"'{address}'" for address in addresses)
        )
        # `within`: the line of the text (0-based, as written) and what stands on it.
        within = (lines_before + line, addresses[0])
        error = PydanticCustomError("markdown_link", message, {**key, "within": within})
        errors.append(InitErrorDetails(type=error, loc=(), input=markdown))
    return errors


def _check_slug(value: str) -> str:
    if not SLUG.match(value):
        raise PydanticCustomError(
            "slug",
            "'{value}' cannot be a slug: use lower-case letters, digits, - and _ (it is a URL)",
            {"value": value},
        )
    return value


Date = Annotated[EntryDate, PlainValidator(lambda value: parse_date(value, month_only=True))]
IssueDate = Annotated[dt.date, PlainValidator(_issue_date)]
Markdown = Annotated[Text, PlainValidator(_to_markdown)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Entry(Strict):
    title: LocalText
    date: Date
    url: Url | None = None
    summary: Markdown | None = None
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
    def _image_can_be_published(self, info: ValidationInfo) -> Hero:
        if not self.image:
            return self
        if not (self.alt and any(v.strip() for v in self.alt.values())):
            raise PydanticCustomError(
                "hero_alt",
                "an image needs alt text ('alt') for readers who cannot see it",
                {"key": "image"},
            )
        folders = info.context or {}
        if "issue_dir" in folders:
            why = image_problem(self.image, folders["issue_dir"], folders["project_dir"])
            if why:
                raise PydanticCustomError("hero_image", "{why}", {"why": why, "key": "image"})
        return self


def image_problem(image: str, issue_dir: Path, project_dir: Path) -> str | None:
    """Why an issue's image cannot be published with the archive, or None when it can."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", image, re.I):
        return f"'{image}' is a URL: an image must be a file in the project, such as images/x.png"
    path = (issue_dir / image).resolve()
    if not path.is_relative_to(project_dir.resolve()):
        return f"'{image}' is outside the project: images are published with the archive"
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return f"'{image}' is not an image file ({', '.join(IMAGE_SUFFIXES)})"
    if not path.is_file():
        return f"image '{image}' not found (looked for {display_path(path)})"
    return None


class Link(Strict):
    title: LocalText
    url: Url


class Issue(Strict):
    title: LocalText
    date: IssueDate
    status: Literal["draft", "ready"] = "draft"
    slug: Annotated[str, AfterValidator(_check_slug)]
    subject: LocalText | None = None
    preheader: LocalText | None = None
    intro: Markdown | None = None
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
