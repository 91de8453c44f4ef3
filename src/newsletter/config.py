"""The project's settings: `newsletter.toml`, overridden by NEWSLETTER_<SECTION>_<KEY>.

Secrets are read only from the environment. The environment is passed in (never read at
import time) so that tests can hand over a plain dict.
"""

from __future__ import annotations

import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from babel import Locale, UnknownLocaleError
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .database_url import check_database_url, has_password
from .errors import NewsletterError, Problem, ProblemsError, display_path
from .model import Url, WebUrl
from .schema import problems_from

CONFIG_FILE = "newsletter.toml"
ENV_PREFIX = "NEWSLETTER_"
# Secrets are read from these variables only; a key of that name in a file is refused.
SECRET_VARIABLES = {"NEWSLETTER_SMTP_PASSWORD": "password", "NEWSLETTER_SECRET_KEY": "secret_key"}


def _check_language(code: str) -> str:
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"'{code}' is not a known language code (try en, fr, ja)") from None
    return code


def _check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not a time zone name such as America/Toronto") from None
    return name


def _check_address(address: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"'{address}' is not an email address: {exc}") from None
    return address


def _no_repeats(codes: list[str]) -> list[str]:
    seen = set()
    for code in codes:
        if code.lower() in seen:
            raise ValueError(f"'{code}' is listed twice")
        seen.add(code.lower())
    return codes


def _one_line(text: str) -> str:
    # The sender's name goes into the From header, where a line break would start another.
    if any(ch in text for ch in "\r\n"):
        raise ValueError("must be one line")
    return text


Language = Annotated[str, AfterValidator(_check_language)]
Address = Annotated[str, AfterValidator(_check_address)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NewsletterSettings(Section):
    name: str | dict[str, str]  # one name, or one per language: {en = "...", ja = "..."}
    description: str | dict[str, str] = ""
    languages: Annotated[list[Language], AfterValidator(_no_repeats)] = Field(min_length=1)
    base_url: WebUrl  # public URL of the archive and the subscriber pages
    subscribe_url: WebUrl | None = None  # the archive's subscribe link
    timezone: Annotated[str, AfterValidator(_check_timezone)] = "UTC"

    @model_validator(mode="after")
    def _translations_match_languages(self) -> NewsletterSettings:
        for key in ("name", "description"):
            value = getattr(self, key)
            texts = [value] if isinstance(value, str) else list(value.values())
            if key == "name" and not all(text.strip() for text in texts):
                raise ValueError("name: is empty: write the newsletter's name")
            if key == "name" and any(ch in text for text in texts for ch in "\r\n"):
                raise ValueError("name: must be one line")
            if isinstance(value, str):
                continue
            unknown = sorted(set(value) - set(self.languages))
            if unknown:
                raise ValueError(f"{key}: '{unknown[0]}' is not one of the languages")
            if self.languages[0] not in value:
                raise ValueError(f"{key}: gives no '{self.languages[0]}' text, the default")
        return self


@dataclass(frozen=True)
class Masthead:
    """The newsletter's name and description in one language."""

    name: str
    description: str


class SenderSettings(Section):
    name: str | dict[str, str]  # one name, or one per language

    @field_validator("name")
    @classmethod
    def _names_are_one_line(cls, name: str | dict[str, str]) -> str | dict[str, str]:
        for text in [name] if isinstance(name, str) else name.values():
            if not text.strip():
                raise ValueError("is empty: write who sends the newsletter")
            _one_line(text)  # it goes into the From header
        return name

    address: Address
    reply_to: Address | None = None
    postal_address: str = Field(min_length=1)  # CASL and CAN-SPAM require it in every message
    contact_url: Url  # so does a way to reach the sender


class DatabaseSettings(Section):
    # Relative SQLite paths are relative to the project.
    url: Annotated[str, AfterValidator(check_database_url)] = "sqlite:///newsletter.db"


class DeliverySettings(Section):
    backend: Literal["outbox", "smtp"] = "outbox"
    outbox: str = "outbox"  # folder for .eml files when backend = "outbox"
    rate_per_minute: int = Field(default=600, gt=0)


class SmtpSettings(Section):
    host: str = "localhost"
    port: int = Field(default=587, gt=0, lt=65536)
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str = ""
    timeout: float = Field(default=30, gt=0)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    newsletter: NewsletterSettings
    sender: SenderSettings
    database: DatabaseSettings = DatabaseSettings()
    delivery: DeliverySettings = DeliverySettings()
    smtp: SmtpSettings = SmtpSettings()

    @model_validator(mode="after")
    def _sender_names_match_languages(self) -> Settings:
        names, languages = self.sender.name, self.newsletter.languages
        if isinstance(names, dict):
            unknown = sorted(set(names) - set(languages))
            if unknown:
                raise ValueError(f"sender.name: '{unknown[0]}' is not one of the languages")
            if languages[0] not in names:
                raise ValueError(f"sender.name: gives no '{languages[0]}' name, the default")
        return self


class Config:
    """Validated settings of one project, with its folder and its secrets."""

    def __init__(self, settings: Settings, project_dir: Path, environ: Mapping[str, str]):
        self.settings = settings
        self.project_dir = project_dir
        self._senders: dict[str, SenderSettings] = {}
        self.smtp_password = environ.get(f"{ENV_PREFIX}SMTP_PASSWORD", "")
        self.secret_key = environ.get(f"{ENV_PREFIX}SECRET_KEY", "")

    def __getattr__(self, name: str):
        return getattr(self.settings, name)

    @property
    def languages(self) -> list[str]:
        return self.settings.newsletter.languages

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def masthead(self, language: str) -> Masthead:
        newsletter = self.settings.newsletter

        def pick(value: str | dict[str, str]) -> str:
            if isinstance(value, str):
                return value
            return value.get(language) or value[self.default_language]

        return Masthead(pick(newsletter.name), pick(newsletter.description))

    def sender_in(self, language: str) -> SenderSettings:
        """The sender's settings with the name in `language` (or the default language's)."""
        # Delivery asks once per message: make each language's copy once.
        if language not in self._senders:
            sender = self.settings.sender
            if not isinstance(sender.name, str):
                name = sender.name.get(language) or sender.name[self.default_language]
                sender = sender.model_copy(update={"name": name})
            self._senders[language] = sender
        return self._senders[language]

    @property
    def subscribe_url(self) -> str:
        newsletter = self.settings.newsletter
        return newsletter.subscribe_url or newsletter.base_url.rstrip("/") + "/subscribe/"

    @property
    def issues_dir(self) -> Path:
        return self.project_dir / "issues"

    @property
    def templates_dir(self) -> Path:
        return self.project_dir / "templates"

    @property
    def outbox_dir(self) -> Path:
        return self.project_dir / self.settings.delivery.outbox

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL: SQLite paths made absolute, PostgreSQL through psycopg 3."""
        return sqlalchemy_url(self.settings.database.url, self.project_dir)


def sqlalchemy_url(url: str, project_dir: Path) -> str:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url.removeprefix("sqlite:///")
        if relative and relative != ":memory:":
            return f"sqlite:///{(project_dir / relative).resolve()}"
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)


def find_project(start: Path) -> Path:
    """The nearest folder at or above `start` holding newsletter.toml (as git finds .git)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise NewsletterError(
        f"no {CONFIG_FILE} in {start} or any folder above it; "
        "run `newsletter init DIR` to make a project, or pass --project DIR"
    )


def load_config(project_dir: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate the project's newsletter.toml; raise ProblemsError on mistakes."""
    environ = os.environ if environ is None else environ
    path = project_dir / CONFIG_FILE
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise NewsletterError(f"{shown}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise NewsletterError(f"{shown}: is not UTF-8 text ({exc.reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProblemsError([toml_syntax_problem(shown, exc)], "config file") from None
    locator = _TomlLocator(shown, text)
    problems = [locator(loc, msg, key=True) for loc, msg in _secrets_in_file(data)]
    from_env = _apply_environment(data, environ)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems += [_from_env(p, from_env) for p in problems_from(exc, Settings, locator)]
    if problems:
        raise ProblemsError(problems, "config file")
    return Config(settings, project_dir, environ)


def toml_syntax_problem(shown: str, exc: tomllib.TOMLDecodeError) -> Problem:
    match = re.search(r"^(.*) \(at line (\d+), column (\d+)\)$", str(exc))
    if not match:
        return Problem(shown, None, None, f"TOML syntax error: {exc}")
    message, line, col = match.groups()
    return Problem(shown, int(line), int(col), f"TOML syntax error: {message}")


def _secrets_in_file(data: dict) -> list[tuple[tuple[str, ...], str]]:
    """Secret keys written in the file, in any section: reported, then dropped."""
    found = []
    for variable, key in SECRET_VARIABLES.items():
        for section, table in data.items():
            if isinstance(table, dict) and key in table:
                message = f"secrets are not read from files: remove '{key}' and set {variable}"
                found.append(((section, key), message))
                del table[key]
    database = data.get("database")
    if isinstance(database, dict) and has_password(str(database.get("url", ""))):
        message = f"put the database URL with its password in {ENV_PREFIX}DATABASE_URL"
        found.append((("database", "url"), f"secrets are not read from files: {message}"))
        del database["url"]
    return found


def _apply_environment(data: dict, environ: Mapping[str, str]) -> dict[tuple, str]:
    """Overlay NEWSLETTER_<SECTION>_<KEY> variables; return which locations they set."""
    applied = {}
    for section_name, field in Settings.model_fields.items():
        for key, key_field in field.annotation.model_fields.items():
            variable = f"{ENV_PREFIX}{section_name}_{key}".upper()
            if variable not in environ:
                continue
            value: object = environ[variable]
            if key_field.annotation == list[Language]:
                value = [part.strip() for part in str(value).split(",") if part.strip()]
            table = data.setdefault(section_name, {})
            if isinstance(table, dict):  # else validation reports the section itself
                table[key] = value
            applied[(section_name, key)] = variable
    return applied


def _from_env(problem: Problem, from_env: dict[tuple, str]) -> Problem:
    for (section, key), variable in from_env.items():
        if re.match(rf"{section}\.{key}[:\[]", problem.message):
            message = problem.message.split(": ", 1)[1]
            return Problem(f"environment variable {variable}", None, None, message)
    return problem


class _TomlLocator:
    """Finds the line of `[section]` / `key = ...` in the TOML text (tomllib keeps no marks)."""

    def __init__(self, shown: str, text: str):
        self.shown = shown
        self.positions: dict[tuple, tuple[int, int]] = {}
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if header := re.match(r"^\[\s*([A-Za-z0-9_.\-]+)\s*\]", stripped):
                table = tuple(header.group(1).split("."))
                self.positions.setdefault(table, (number, line.index("[") + 1))
            elif key := re.match(r"^\s*([A-Za-z0-9_\-]+)\s*=", line):
                self.positions.setdefault((*table, key.group(1)), (number, key.start(1) + 1))

    def __call__(self, loc: tuple, message: str, *, key: bool = False) -> Problem:
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.positions:
                return Problem(self.shown, *self.positions[loc[:end]], message)
        return Problem(self.shown, None, None, message)
