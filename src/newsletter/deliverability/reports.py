"""What a message in the bounce mailbox says: a delivery status notification (RFC 3464), a
complaint (ARF, RFC 5965), an older bounce format, an automatic reply, or something else.

The two standards are read with the email package, which parses message/delivery-status into
its per-recipient blocks; for the many bounces that follow no standard (Exim's, qmail's,
older Exchange's...) flufl.bounce, the detector GNU Mailman uses, finds the addresses. Our
own return path (VERP) names the send and the subscriber whatever the format, when the
report came back to it.
"""

from __future__ import annotations

import email
import hashlib
import logging
import re
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

from newsletter.config import Config
from newsletter.db import AUTO_REPLY, COMPLAINT, HARD, SOFT, UNKNOWN
from newsletter.mail import read_return_path

log = logging.getLogger(__name__)

DSN, ARF, OTHER_BOUNCE = "dsn", "arf", "other bounce"
# An enhanced status code (RFC 3463) in a bounce's text, where the format has no field for it.
STATUS_CODE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
COMPLAINT_TYPES = ("abuse", "fraud")  # ARF Feedback-Types that are a reader's complaint
AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto:|autoreply|auto-reply|vacation)",
    re.IGNORECASE,
)
# Headers that carry the address a report was delivered to (our return path, with VERP).
DELIVERED_TO = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
MAX_KEY = 100


@dataclass(frozen=True)
class Notice:
    """What a report says about one recipient."""

    kind: str  # HARD, SOFT or COMPLAINT (BOUNCE_KINDS)
    email: str  # as the report names the recipient; "" when only VERP names them
    status: str = ""  # the DSN status, 5.1.1
    detail: str = ""  # the server's diagnostic, or the complaint's type


@dataclass
class Report:
    """One message read from the bounce mailbox."""

    key: str  # what makes it the same report on a second reading
    form: str  # DSN, ARF, OTHER_BOUNCE, AUTO_REPLY or UNKNOWN
    sender: str  # its From
    subject: str
    notices: list[Notice] = field(default_factory=list)
    verp: tuple[int, int] | None = None  # (send id, subscriber id) from our return path

    def describe(self) -> str:
        """`from MAILER-DAEMON@x ('Undelivered Mail')`: which message, for people."""
        return f"from {self.sender or '(no sender)'} ({self.subject or 'no subject'!r})"


def read_report(data: bytes, config: Config) -> Report:
    message = email.message_from_bytes(data)
    report = Report(
        _key(message, data), UNKNOWN, _header(message, "From"), _header(message, "Subject")
    )
    report.verp = _verp(message, config)
    if _is_report(message, "feedback-report"):
        report.form, report.notices = ARF, _complaints(message)
    elif _is_report(message, "delivery-status"):
        report.form, report.notices = DSN, _dsn_notices(message)
    else:
        report.notices = _other_bounce(message)
        if report.notices:
            report.form = OTHER_BOUNCE
        elif _is_auto_reply(message):
            report.form = AUTO_REPLY
    return report


def _key(message: Message, data: bytes) -> str:
    message_id = _header(message, "Message-ID")
    if message_id and len(message_id) <= MAX_KEY:
        return message_id
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        text = str(make_header(decode_header(str(value))))
    except (HeaderParseError, ValueError, LookupError, UnicodeError):  # malformed: as written
        text = str(value)
    return " ".join(text.split())


def _field(block: Message, name: str) -> str:
    """A field of a DSN block as text (the email package may give a Header object)."""
    return str(block.get(name) or "")


def _is_report(message: Message, report_type: str) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and (message.get_param("report-type") or "").lower() == report_type
    )


def _verp(message: Message, config: Config) -> tuple[int, int] | None:
    """The send and subscriber our return path names: where the report was delivered, or
    the Return-Path of the original message a report quotes."""
    addresses = [value for name in DELIVERED_TO for value in message.get_all(name, [])]
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            quoted = (
                part.get_payload(0)
                if part.is_multipart()
                else email.message_from_string(
                    part.get_payload(decode=True).decode("utf-8", "replace")
                )
            )
            addresses += quoted.get_all("Return-Path", [])
    for value in addresses:
        for _, address in getaddresses([str(value)]):
            found = read_return_path(config, address) if address else None
            if found:
                return found
    return None


def _dsn_notices(message: Message) -> list[Notice]:
    """Each recipient block of the message/delivery-status part that failed or is delayed."""
    notices = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks[1:] if isinstance(blocks, list) else []:
            action = _field(block, "Action").strip().lower()
            status = STATUS_CODE.search(_field(block, "Status"))
            code = status[1] if status else ""
            if action not in ("failed", "delayed"):
                continue  # delivered, relayed, expanded: nothing wrong
            kind = HARD if action == "failed" and code.startswith("5") else SOFT
            recipient = _field(block, "Final-Recipient") or _field(block, "Original-Recipient")
            detail = " ".join(_field(block, "Diagnostic-Code").split())
            notices.append(
                Notice(kind, _address(recipient), code, detail.partition(";")[2].strip() or detail)
            )
    return notices


def _complaints(message: Message) -> list[Notice]:
    """An ARF report: who complained, from Original-Rcpt-To or the quoted message's To."""
    fields, quoted = None, None
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/feedback-report":
            payload = part.get_payload()
            fields = payload[0] if isinstance(payload, list) else email.message_from_string(payload)
        elif kind in ("message/rfc822", "text/rfc822-headers") and quoted is None:
            quoted = (
                part.get_payload(0)
                if part.is_multipart()
                else email.message_from_string(
                    part.get_payload(decode=True).decode("utf-8", "replace")
                )
            )
    if fields is None:
        return []
    feedback_type = (fields.get("Feedback-Type") or "").strip().lower()
    if feedback_type not in COMPLAINT_TYPES:
        return []
    recipients = [_address(r) for r in fields.get_all("Original-Rcpt-To", [])]
    if not recipients and quoted is not None:
        recipients = [a for _, a in getaddresses(quoted.get_all("To", []))]
    return [Notice(COMPLAINT, r, "", feedback_type) for r in recipients] or [
        Notice(COMPLAINT, "", "", feedback_type)
    ]


def _other_bounce(message: Message) -> list[Notice]:
    """A bounce in one of the many non-standard formats, as flufl.bounce reads it; the status
    code from its text when it gives one."""
    from flufl.bounce import all_failures  # its 30 detectors: only bounce processing needs them

    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a detector choking on a malformed message: not a bounce it knows
        log.warning("flufl.bounce could not read a message; it is reported as unknown")
        return []
    text = _text(message)
    found = STATUS_CODE.search(text)
    code = found[1] if found else ""
    notices = [
        Notice(HARD, a.decode("utf-8", "replace"), code if code.startswith("5") else "")
        for a in sorted(permanent)
    ]
    notices += [
        Notice(SOFT, a.decode("utf-8", "replace"), code if code.startswith("4") else "")
        for a in sorted(temporary - permanent)
    ]
    return notices


def _is_auto_reply(message: Message) -> bool:
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    return (
        auto != "no"
        or any(message.get(name) for name in ("X-Autoreply", "X-Autorespond"))
        or (message.get("Precedence") or "").strip().lower() == "auto_reply"
        or bool(AUTO_SUBJECT.match(_header(message, "Subject")))
    )


def _address(field_value: str) -> str:
    """`rfc822; user@example.org` (a DSN's address type, then the address) -> the address."""
    value = str(field_value)
    address = value.partition(";")[2] if ";" in value else value
    return address.strip().strip("<>").strip()


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return ""
