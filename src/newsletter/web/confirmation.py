"""The confirmation message of a subscription (double opt-in): one plain-text message, sent
at once through the project's delivery backend (SMTP, or the outbox), not through the ledger
of the issues' sends."""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from newsletter.config import Config
from newsletter.delivery import Reply, TransportUnavailable, send_note, transport_for
from newsletter.mail import sender_domain


class NotSent(Exception):
    """The confirmation message could not be handed over; the reason for the log."""


def confirmation_message(
    config: Config, labels: dict[str, str], language: str, to: Address, link: str, days: float
) -> EmailMessage:
    sender = config.sender_in(language)
    name = config.masthead(language).name
    ascii_only = sender.address.isascii() and to.addr_spec.isascii()
    message = EmailMessage(policy=policy.SMTP if ascii_only else policy.SMTPUTF8)
    message["Subject"] = labels["confirm_subject"].format(newsletter=name)
    message["From"] = Address(sender.name, addr_spec=sender.address)
    message["To"] = to
    if sender.reply_to:
        message["Reply-To"] = sender.reply_to
    zone = zoneinfo.ZoneInfo(config.timezone)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC).astimezone(zone))
    message["Message-ID"] = make_msgid(domain=sender_domain(config))
    message["Auto-Submitted"] = "auto-replied"  # answers the form: no auto-reply to it
    body = labels["confirm_body"].format(
        newsletter=name,
        url=link,
        days=f"{days:g}",
        sender=sender.name,
        address=sender.postal_address,
    )
    message.set_content(body, cte="quoted-printable" if body.isascii() else "base64")
    message["Content-Language"] = language  # after set_content, which clears Content-*
    return message


def send_confirmation(config: Config, message: EmailMessage) -> Reply:
    """Hand the message to the configured backend; NotSent when it does not take it."""
    recipient = message["To"].addresses[0].addr_spec
    name = f"confirm-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    try:
        ((_, reply),) = send_note(config, transport_for(config), [recipient], message, name)
    except TransportUnavailable as exc:
        raise NotSent(str(exc)) from None
    except Exception as exc:  # the line broke: ConnectionLost, or the socket's own error
        raise NotSent(f"{type(exc).__name__}: {exc}") from None
    if not reply.accepted:
        raise NotSent(str(reply))
    return reply
