"""The settings schema: what `newsletter.toml` may hold, section by section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from newsletter.core import EmailAddress, Language, Timezone, Url, WebUrl, check_one_line

from .cron import check_cron
from .database_url import check_database_url

# Secrets are read from these variables only; a key of that name in a file is refused.
SECRET_VARIABLES = {
    "NEWSLETTER_SMTP_PASSWORD": "password",
    "NEWSLETTER_SECRET_KEY": "secret_key",
    "NEWSLETTER_DKIM_PRIVATE_KEY": "private_key",
    "NEWSLETTER_IMAP_PASSWORD": "imap_password",
}


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


def _cron_line(cron: str | None) -> str | None:
    """A crontab line, every field checked, read as crontab reads it (config/cron.py)."""
    return check_cron(cron) if cron is not None else None


class ScheduleSettings(Section):
    grace_minutes: float = Field(default=60, ge=0)  # a late scheduler still sends this long
    editors: list[EmailAddress] = []  # who gets the reminder that the next issue is due
    reminder: Annotated[str | None, AfterValidator(_cron_line)] = None  # cron, local time
    lease_seconds: float = Field(default=30, gt=0)  # a silent active scheduler is dead after
    heartbeat_seconds: float = Field(default=5, gt=0)  # how often it says it is alive

    @model_validator(mode="after")
    def _reminder_has_editors(self) -> ScheduleSettings:
        if self.reminder and not self.editors:
            raise ValueError("reminder: is set but editors is empty: say who gets it")
        if self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError(
                "heartbeat_seconds: must be shorter than lease_seconds, or a live scheduler "
                "would lose its lease between two heartbeats"
            )
        return self


class WebSettings(Section):
    """`newsletter serve`: the subscriber pages (README, "The subscriber pages")."""

    archive: str = "site"  # the folder `newsletter archive` writes, served at base_url
    serve_archive: bool = True  # false: the archive is on a static host; pages only
    confirm_days: float = Field(default=7, gt=0)  # a confirmation link works this long, once
    # Subscription requests an hour, counted by each server process: from one client IP
    # address, and for one email address (more for one address are dropped silently).
    subscribe_per_ip: int = Field(default=10, ge=1)
    subscribe_per_address: int = Field(default=3, ge=1)
    # The reverse proxies whose X-Forwarded-For header gives the client's IP address (for
    # the rate limits and the consent record); none: the address of the connection itself.
    trusted_proxies: list[str] = []  # from a variable: addresses separated by commas


class DkimSettings(Section):
    # Every message is signed when both are set and NEWSLETTER_DKIM_PRIVATE_KEY holds the key.
    domain: str = ""  # d=: the sender's domain (or its parent), where the key is published
    selector: str = ""  # s=: the key's name; the record is at SELECTOR._domainkey.DOMAIN


class BounceSettings(Section):
    # The envelope sender, where bounces go; default: the sender's address.
    return_path: EmailAddress | None = None
    verp: bool = True  # a return path per recipient: LOCAL+TAG@DOMAIN (plus addressing)
    # DSN status codes (prefixes) that bounce a subscriber at once: bad mailbox, bad domain.
    immediate: list[str] = Field(default_factory=lambda: ["5.1."])
    hard_to_bounce: int = Field(default=3, ge=1)  # other permanent failures (5.x.x)
    soft_to_bounce: int = Field(default=5, ge=1)  # temporary failures (4.x.x), sends apart


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    newsletter: NewsletterSettings
    sender: SenderSettings
    database: DatabaseSettings = DatabaseSettings()
    delivery: DeliverySettings = DeliverySettings()
    smtp: SmtpSettings = SmtpSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    web: WebSettings = WebSettings()
    dkim: DkimSettings = DkimSettings()
    bounces: BounceSettings = BounceSettings()

    @model_validator(mode="after")
    def _sender_names_match_languages(self) -> Settings:
        languages = self.newsletter.languages
        _check_translations("sender.name", self.sender.name, languages, "name")
        return self
