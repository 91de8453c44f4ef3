"""One recipient's MIME message from a rendered edition: placeholders filled, nothing rendered.

Delivery calls `build_message` once per recipient; all it does per call is string replacement
of the placeholder tokens, encoding the two bodies and the four headers that differ per
recipient (To, Date, Message-ID, List-Unsubscribe); benchmarks/render.py measures it. The
headers every recipient shares are parsed once and reused.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address, BaseHeader, UnstructuredHeader
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid
from functools import lru_cache

from newsletter.config import Config, urls
from newsletter.render import RenderedEdition, personalise

PREVIEW_ADDRESS = "subscriber@example.org"
# RFC 5322's hard limit on a line, CRLF excluded (78 is only what it recommends).
MAX_LINE_LENGTH = 998


@dataclass(frozen=True)
class Recipient:
    """Who gets one message, and the per-subscriber values its placeholders take."""

    email: str
    name: str = ""
    unsubscribe_url: str = ""  # the one-click link (RFC 8058); delivery makes it per subscriber
    preferences_url: str = ""  # their preferences page (name, language), also per subscriber

    def values(self) -> dict[str, str]:
        return {
            "unsubscribe_url": self.unsubscribe_url,
            "preferences_url": self.preferences_url,
            "name": self.name,
            "email": self.email,
        }


def preview_recipient(config: Config) -> Recipient:
    """The made-up subscriber of `preview.eml` and the preview server."""
    return Recipient(
        PREVIEW_ADDRESS,
        "Subscriber Name",
        urls.preview_url(config, urls.UNSUBSCRIBE),
        urls.preview_url(config, urls.PREFERENCES),
    )


def build_message(
    edition: RenderedEdition,
    config: Config,
    recipient: Recipient,
    *,
    date: dt.datetime | None = None,
    message_id: str | None = None,
    subject_prefix: str = "",
) -> EmailMessage:
    """A complete multipart/alternative message (text + HTML, UTF-8) for one recipient."""
    sender = config.sender_in(edition.language)
    ascii_only = sender.address.isascii() and recipient.email.isascii()
    # SMTPUTF8 (RFC 6531/6532) only when an address needs it; else RFC 2047 encoded words.
    mail_policy = policy.SMTP if ascii_only else policy.SMTPUTF8
    message = EmailMessage(policy=mail_policy)
    message["Subject"] = _shared("Subject", subject_prefix + edition.subject)
    message["From"] = _shared("From", str(Address(sender.name, addr_spec=sender.address)))
    username, _, domain_part = recipient.email.rpartition("@")
    message["To"] = Address(recipient.name, username, domain_part)  # also a non-ASCII local part
    if sender.reply_to:
        message["Reply-To"] = _shared("Reply-To", sender.reply_to)
    # In the newsletter's time zone, as the sender's own mail program would write it.
    zone = zoneinfo.ZoneInfo(config.timezone)
    message["Date"] = format_datetime((date or dt.datetime.now(dt.UTC)).astimezone(zone))
    message["Message-ID"] = message_id or make_msgid(domain=sender_domain(config))
    message["List-Id"] = _shared("List-Id", list_id(config, edition.language))
    if recipient.unsubscribe_url:
        # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" to this URL.
        message["List-Unsubscribe"] = _LongLineHeader(
            "List-Unsubscribe", list_unsubscribe(config, recipient.unsubscribe_url)
        )
        message["List-Unsubscribe-Post"] = _shared(
            "List-Unsubscribe-Post", "List-Unsubscribe=One-Click"
        )
    message["MIME-Version"] = _shared("MIME-Version", "1.0")
    message.make_alternative()  # moves any Content-* header into a part: those come after
    message["Content-Language"] = _shared("Content-Language", edition.language)
    values = recipient.values()
    message.attach(_part(personalise(edition.text, values, html_text=False), "plain", mail_policy))
    message.attach(_part(personalise(edition.email_html, values), "html", mail_policy))
    return message


def sender_domain(config: Config) -> str:
    """The sender's domain as headers carry it (IDNA): Message-IDs and List-Id are on it."""
    return config.settings.sender.address.rpartition("@")[2].encode("idna").decode("ascii")


def list_id(config: Config, language: str) -> str:
    """RFC 2919: `Newsletter name <news.example.org>`, from the sender's address (a domain
    the sender controls), the same for every issue so that filters can match it."""
    local = config.settings.sender.address.rpartition("@")[0]
    label = re.sub(r"[^A-Za-z0-9-]+", "-", local).strip("-") or "newsletter"
    name = " ".join(config.masthead(language).name.replace('"', "").split())
    # Quotes only around ASCII with specials: a name in Japanese goes into encoded words,
    # which would carry the quotes along.
    phrase = f'"{name}"' if name.isascii() and re.search(r"[^\w .'-]", name) else name
    return f"{phrase} <{label}.{sender_domain(config)}>"


def list_unsubscribe(config: Config, url: str) -> str:
    """The personal one-click link, and the unsubscribe address where one is configured."""
    address = config.settings.sender.unsubscribe_address
    return f"<{url}>" + (f", <mailto:{address}?subject=unsubscribe>" if address else "")


def preview_message(edition: RenderedEdition, config: Config) -> EmailMessage:
    """The message as the preview subscriber would get it (what build writes as preview.eml)."""
    return build_message(edition, config, preview_recipient(config))


@lru_cache(maxsize=256)
def _shared(name: str, value: str):
    """A header every recipient of an edition gets, parsed once (header objects are immutable)."""
    return policy.SMTP.header_factory(name, value)


class _LongLineHeader(UnstructuredHeader, BaseHeader):
    """A header kept on one long line rather than cut into RFC 2047 encoded words, which the
    email package does to a token (a URL) longer than 78 characters: mail clients read
    List-Unsubscribe's `<URL>` verbatim, and an encoded one breaks one-click unsubscribe."""

    def fold(self, *, policy: EmailPolicy) -> str:
        return super().fold(policy=policy.clone(max_line_length=MAX_LINE_LENGTH))


def _part(text: str, subtype: str, mail_policy: EmailPolicy) -> MIMEPart:
    """A UTF-8 text part, encoded in one C call (the email package encodes line by line)."""
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")  # CRLF: canonical
    # Mostly ASCII (English, and HTML markup): quoted-printable, which is smaller and which
    # spam filters expect (base64 for ASCII text scores as "disguised"); else base64.
    non_ascii = len(data) - len(data.decode("utf-8").encode("ascii", "ignore"))
    if 2 * non_ascii < len(data) // 3:
        cte, payload = "quoted-printable", binascii.b2a_qp(data, istext=True).decode("ascii")
    else:
        cte, payload = "base64", base64.encodebytes(data).decode("ascii")
    part = MIMEPart(policy=mail_policy)
    part["Content-Type"] = _shared("Content-Type", f'text/{subtype}; charset="utf-8"')
    part["Content-Transfer-Encoding"] = _shared("Content-Transfer-Encoding", cte)
    part.set_payload(payload)
    return part
