"""The settings schema: what `newsletter.toml` may hold, section by section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from newsletter.core import EmailAddress, Language, Timezone, Url, WebUrl, check_one_line

from .database_url import check_database_url

# Secrets are read from these variables only; a key of that name in a file is refused.
SECRET_VARIABLES = {"NEWSLETTER_SMTP_PASSWORD": "password", "NEWSLETTER_SECRET_KEY": "secret_key"}


def _no_repeats(codes: list[str]) -> list[str]:
    seen = set()
    for code in codes:
        if code.lower() in seen:
            raise ValueError(f"'{code}' is listed twice")
        seen.add(code.lower())
    return codes


def _texts(value: str | dict[str, str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value.values())


def _one_line_texts(value: str | dict[str, str]) -> str | dict[str, str]:
    for text in _texts(value):
        check_one_line(text)  # names go into the From header
    return value


def _check_translations(
    key: str, value: str | dict[str, str], languages: list[str], noun: str = "text"
) -> None:
    """A per-language text names only the newsletter's languages, and gives the first one."""
    if isinstance(value, str):
        return
    unknown = sorted(set(value) - set(languages))
    if unknown:
        raise ValueError(f"{key}: '{unknown[0]}' is not one of the languages")
    if languages[0] not in value:
        raise ValueError(f"{key}: gives no '{languages[0]}' {noun}, the default")


# Names go into the From header: each must be one line.
Names = Annotated[str | dict[str, str], AfterValidator(_one_line_texts)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NewsletterSettings(Section):
    name: Names  # one name, or one per language: {en = "...", ja = "..."}
    description: str | dict[str, str] = ""
    languages: Annotated[list[Language], AfterValidator(_no_repeats)] = Field(min_length=1)
    base_url: WebUrl  # public URL of the archive and the subscriber pages
    subscribe_url: WebUrl | None = None  # the archive's subscribe link
    timezone: Timezone = "UTC"

    @model_validator(mode="after")
    def _translations_match_languages(self) -> NewsletterSettings:
        if not all(text.strip() for text in _texts(self.name)):
            raise ValueError("name: is empty: write the newsletter's name")
        for key in ("name", "description"):
            _check_translations(key, getattr(self, key), self.languages)
        return self


@dataclass(frozen=True)
class Masthead:
    """The newsletter's name and description in one language."""

    name: str
    description: str


class SenderSettings(Section):
    name: Names  # one name, or one per language

    address: EmailAddress
    reply_to: EmailAddress | None = None
    # Also offered in List-Unsubscribe, for mail programs that write rather than click.
    unsubscribe_address: EmailAddress | None = None
    postal_address: str = Field(min_length=1)  # CASL and CAN-SPAM require it in every message
    contact_url: Url  # so does a way to reach the sender

    @model_validator(mode="after")
    def _names_are_not_empty(self) -> SenderSettings:
        if not all(text.strip() for text in _texts(self.name)):
            raise ValueError("name: is empty: write who sends the newsletter")
        return self


class DatabaseSettings(Section):
    # Relative SQLite paths are relative to the project.
    url: Annotated[str, AfterValidator(check_database_url)] = "sqlite:///newsletter.db"


class DeliverySettings(Section):
    backend: Literal["outbox", "smtp"] = "outbox"
    outbox: str = "outbox"  # folder for .eml files when backend = "outbox"
    connections: int = Field(default=4, ge=1, le=64)  # to the server, each in its own thread
    processes: int = Field(default=1, ge=0, le=64)  # sharing the connections; 0: one per core
    messages_per_connection: int = Field(default=1000, ge=0)  # then reconnect; 0: never
    rate_per_minute: int = Field(default=0, ge=0)  # messages a minute at most; 0: no limit
    attempts: int = Field(default=5, ge=1)  # tries of a message the server defers (4xx)
    retry_after: float = Field(default=60, gt=0)  # seconds before the first retry; doubles
    retry_for_hours: float = Field(default=48, gt=0)  # then a deferred message has failed
    bounces_to_disable: int = Field(default=2, ge=1)  # permanent refusals (5xx) -> bounced
    stalled_after: float = Field(default=60, gt=0)  # seconds without progress: stalled


class SmtpSettings(Section):
    host: str = "localhost"
    port: int = Field(default=587, gt=0, lt=65536)
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str = ""
    timeout: float = Field(default=30, gt=0)
    ca_file: str | None = None  # a CA certificate to trust besides the system's


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    newsletter: NewsletterSettings
    sender: SenderSettings
    database: DatabaseSettings = DatabaseSettings()
    delivery: DeliverySettings = DeliverySettings()
    smtp: SmtpSettings = SmtpSettings()

    @model_validator(mode="after")
    def _sender_names_match_languages(self) -> Settings:
        languages = self.newsletter.languages
        _check_translations("sender.name", self.sender.name, languages, "name")
        return self
