"""One project: its validated settings, its folder, and its secrets from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from newsletter.core import pick_language

from .database_url import sqlalchemy_url
from .settings import Masthead, SenderSettings, Settings
from .variables import ENV_PREFIX, likely_meant

# An HMAC key signing links that leave this machine: shorter ones can be found by trying.
MIN_SECRET_KEY_LENGTH = 32  # `secrets.token_urlsafe(32)` makes 43 characters
MAKE_SECRET_KEY = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'


class Config:
    """Validated settings of one project, with its folder and its secrets."""

    def __init__(self, settings: Settings, project_dir: Path, environ: Mapping[str, str]):
        self.settings = settings
        self.project_dir = project_dir
        self._senders: dict[str, SenderSettings] = {}
        self.smtp_password = environ.get(f"{ENV_PREFIX}SMTP_PASSWORD", "")
        self.secret_key = environ.get(f"{ENV_PREFIX}SECRET_KEY", "")
        self.dkim_private_key = environ.get(f"{ENV_PREFIX}DKIM_PRIVATE_KEY", "")
        self.imap_password = environ.get(f"{ENV_PREFIX}IMAP_PASSWORD", "")
        self._variables = [name for name in environ if name.startswith(ENV_PREFIX)]

    def secret_key_problem(self, doing: str, use: str) -> str | None:
        """Why NEWSLETTER_SECRET_KEY cannot protect links that leave this machine (`use`:
        what it does there) before `doing`; None when it can."""
        if not self.secret_key:
            make = f"make one with: {MAKE_SECRET_KEY}"
            return f"set {ENV_PREFIX}SECRET_KEY before {doing}: {use} ({make}){self._misspelt()}"
        return None

    def _misspelt(self) -> str:
        """Where a variable of a close name is set, most likely the key under a typo."""
        wanted = f"{ENV_PREFIX}SECRET_KEY"
        close = [
            name for name in self._variables if name != wanted and likely_meant(name) == wanted
        ]
        return f"; {close[0]} is set: is it {wanted} misspelt?" if close else ""

    def secret_key_weakness(self) -> str | None:
        """A warning, not a refusal: a key in use signs every link already sent, the bounce
        addresses and the forgotten list's hashes, which a new key would all break."""
        if not self.secret_key or len(self.secret_key) >= MIN_SECRET_KEY_LENGTH:
            return None
        return (
            f"{ENV_PREFIX}SECRET_KEY is {len(self.secret_key)} characters long: a key that short "
            "can be found by trying, and every unsubscribe link forged. For a newsletter not "
            f"yet sent, make one of {MIN_SECRET_KEY_LENGTH} or more ({MAKE_SECRET_KEY}); a new "
            "key breaks the links in mail already sent"
        )

    def configured_language(self, code: str) -> str | None:
        """The configured language `code` names, in any case (language tags ignore case)."""
        wanted = code.strip().lower()
        return next((known for known in self.languages if known.lower() == wanted), None)

    @property
    def languages(self) -> list[str]:
        return self.settings.newsletter.languages

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def timezone(self) -> str:
        return self.settings.newsletter.timezone

    def in_language(self, value: str | dict[str, str], language: str) -> str:
        """A setting given once or per language, as the `language` edition takes it."""
        if isinstance(value, str):
            return value
        return value[pick_language(value, language, self.default_language)]

    def masthead(self, language: str) -> Masthead:
        newsletter = self.settings.newsletter
        return Masthead(
            self.in_language(newsletter.name, language),
            self.in_language(newsletter.description, language),
        )

    def sender_in(self, language: str) -> SenderSettings:
        """The sender's settings with the name in `language` (or the default language's)."""
        # Delivery asks once per message: make each language's copy once.
        if language not in self._senders:
            sender = self.settings.sender
            if not isinstance(sender.name, str):
                name = self.in_language(sender.name, language)
                sender = sender.model_copy(update={"name": name})
            self._senders[language] = sender
        return self._senders[language]

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
