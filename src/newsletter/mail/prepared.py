"""One edition's message built once as bytes with slots; a recipient's message is a join.

`build_message` makes a message with the email package, which costs milliseconds; sending
thousands a second leaves a few dozen microseconds a message. So the message is built once
for a sample recipient and cut into static bytes and slots: the headers that differ per
recipient (To, Date, Message-ID, List-Unsubscribe) and the placeholders in the bodies.

The bodies keep the transfer encoding build_message chose, and slots sit where filling
needs no re-encoding of the static text:
- quoted-printable: each slot between soft line breaks (`=` CRLF), which decoders remove,
  so the value is encoded alone and the static pieces around it stay as they are;
- base64: each static piece is encoded once for each of the three byte alignments it can
  start at; a recipient costs encoding the value with at most two bytes of its neighbours.
tests/mail/test_prepared.py checks that a filled message parses (email.policy.strict) to
the same headers and bodies as build_message gives the same recipient.

DKIM signs each message, over its body canonicalised "relaxed", which scans the whole body
for runs of white space four times. Here the static pieces are canonicalised once, and the
hash of the first one, most of the text part, is kept; a recipient's filled slots are checked
alone (a few bytes) and, where canonicalisation leaves them alone, a message's body hash
costs hashing the rest (`Filled.relaxed_body_hash`).

No line of a prepared message starts with a dot (`Filled.dot_free`): quoted-printable writes
a leading dot as `=2E` (RFC 2049 advises it), base64 has none, header lines start with a
name or white space. So SMTP's transparency, a scan of every line of every message, has
nothing to do, and the SMTP transport skips it.
"""

from __future__ import annotations

import binascii
import datetime as dt
import html
import re
import zoneinfo
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.utils import format_datetime

from newsletter.config import Config
from newsletter.render import PLACEHOLDERS, RenderedEdition

from .dkim import (
    PrefixedBodyHash,
    body_hash,
    relaxed_edges_safe,
    relaxed_end,
    relaxed_leaves_alone,
    relaxed_lines,
)
from .message import Recipient, build_message, list_unsubscribe

SLOT_HEADERS = ("To", "Date", "Message-ID", "List-Unsubscribe")
_TOKEN = re.compile("|".join(re.escape(token) for token in PLACEHOLDERS.values()))
_NAME_OF = {token: name for name, token in PLACEHOLDERS.items()}
_FIELD = re.compile(rb"\r\n(?![ \t])")  # between header fields (not inside a folded one)
_PLAIN_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+( [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
BASE64_LINE = 57  # bytes per 76-character base64 line (RFC 2045)
MAX_QP_LINE = 76  # characters, a soft line break's "=" included (RFC 2045)
SAMPLE = Recipient(
    "slot@example.org",
    "Slot Name",
    "https://slot.invalid/unsubscribe",
    "https://slot.invalid/prefs",
)

Values = dict[str, str]


@dataclass(frozen=True)
class Filled:
    """A recipient's message: its header fields (each with its CRLF) and its body."""

    head: bytes
    body: bytes
    dot_free: bool = False  # no line starts with a dot: so for every prepared message
    fields: list[bytes] | None = field(default=None, repr=False)  # the head's, one by one
    # The message it was filled from and the body's pieces, for a signer's body hash (kept,
    # not hashed here: a send without DKIM never needs it).
    prepared: PreparedMessage | None = field(default=None, repr=False)
    pieces: list[bytes] = field(default_factory=list, repr=False)

    @classmethod
    def of(cls, message: bytes) -> Filled:
        """A message made otherwise (CRLF line ends)."""
        head, _, body = message.partition(b"\r\n\r\n")
        return cls(head + b"\r\n", body)

    def __bytes__(self) -> bytes:
        return b"".join((self.head, b"\r\n", self.body))

    def relaxed_body_hash(self) -> str:
        """DKIM's bh= of this body (relaxed)."""
        known = self.prepared.body_hash_of(self.pieces) if self.prepared else None
        return known or body_hash(self.body)


class PreparedMessage:
    """The bytes of one edition's message, with slots; `fill` gives a recipient's."""

    def __init__(self, head: list, body: list, config: Config):
        # The head's fields one by one (a signer signs some of them), the body's pieces merged.
        self.head, self.body = head, _merged(body)
        self.config = config
        self._zone = zoneinfo.ZoneInfo(config.timezone)
        self._date: tuple[int, str] = (0, "")
        self._canonical = _canonical_pieces(self.body)
        self._prefix = PrefixedBodyHash(self._canonical[0]) if self._canonical else None

    @classmethod
    def from_edition(
        cls, edition: RenderedEdition, config: Config, subject_prefix: str = ""
    ) -> PreparedMessage:
        message = build_message(edition, config, SAMPLE, subject_prefix=subject_prefix)
        head = message.as_bytes(policy=message.policy).partition(b"\r\n\r\n")[0]
        fields: list = []
        for line in _FIELD.split(head):
            name = line.split(b":", 1)[0].decode("ascii")
            fields.append(name if name in SLOT_HEADERS else line + b"\r\n")
        boundary = message.get_boundary().encode("ascii")
        body: list = []
        for part, text in zip(
            message.iter_parts(), (edition.text, edition.email_html), strict=True
        ):
            part_head = part.as_bytes(policy=message.policy).partition(b"\r\n\r\n")[0]
            body.append(b"--" + boundary + b"\r\n" + part_head + b"\r\n\r\n")
            escape = part.get_content_subtype() == "html"
            if part["Content-Transfer-Encoding"] == "base64":
                body.append(Base64Body(text, escape))
            else:
                body.extend(_quoted_printable_chunks(text, escape))
        body.append(b"--" + boundary + b"--\r\n")
        return cls(fields, body, config)

    def date(self, now: dt.datetime | None = None) -> str:
        """The Date header's value, formatted once a second."""
        now = now or dt.datetime.now(dt.UTC)
        second = int(now.timestamp())
        if self._date[0] != second:
            self._date = (second, format_datetime(now.astimezone(self._zone)))
        return self._date[1]

    def fill(self, recipient: Recipient, message_id: str, date: str | None = None) -> bytes:
        """The recipient's message: CRLF line ends, no line over 998 octets."""
        return bytes(self.fill_parts(recipient, message_id, date))

    def fill_parts(self, recipient: Recipient, message_id: str, date: str | None = None) -> Filled:
        """The recipient's message as header fields and body, for a signer."""
        values = recipient.values()
        headers = {
            "To": to_field(recipient.name, recipient.email),
            "Date": b"Date: " + (date or self.date()).encode("ascii") + b"\r\n",
            "Message-ID": b"Message-ID: " + message_id.encode("ascii") + b"\r\n",
            "List-Unsubscribe": _list_unsubscribe_field(self.config, recipient.unsubscribe_url),
        }
        fields = [chunk if type(chunk) is bytes else headers[chunk] for chunk in self.head]
        pieces = [chunk if type(chunk) is bytes else chunk.fill(values) for chunk in self.body]
        return Filled(
            b"".join(fields),
            b"".join(pieces),
            dot_free=True,
            fields=fields,
            prepared=self,
            pieces=pieces,
        )

    def body_hash_of(self, pieces: list[bytes]) -> str | None:
        """The relaxed body hash of the body filled as `pieces`, from the static pieces'
        canonical forms; None when a filled slot needs canonicalising (a base64 body is
        letters and CRLFs: nothing to change) and the whole body must be."""
        if self._canonical is None or self._prefix is None:
            return None
        rest = []
        after_first = zip(self.body[1:], pieces[1:], self._canonical[1:], strict=True)
        for chunk, piece, canonical in after_first:
            if canonical is None:  # a slot
                if type(chunk) is not Base64Body and not relaxed_leaves_alone(piece):
                    return None
                canonical = piece
            rest.append(canonical)
        return self._prefix.of(rest)


def _canonical_pieces(body: list) -> list[bytes | None] | None:
    """Each static piece of the body canonicalised (relaxed), the last with the body's end;
    None in a slot's place. None when the pieces cannot be canonicalised apart: a static
    piece that could meet a slot's white space or half its CRLF, or ends in empty lines."""
    edges_safe = all(relaxed_edges_safe(chunk) for chunk in body if type(chunk) is bytes)
    if not edges_safe or type(body[0]) is not bytes or type(body[-1]) is not bytes:
        return None
    last = relaxed_lines(body[-1])
    if last.rstrip(b"\r\n") == b"":
        return None
    canonical: list[bytes | None] = [
        relaxed_lines(chunk) if type(chunk) is bytes else None for chunk in body[:-1]
    ]
    return [*canonical, relaxed_end(last)]


def to_field(name: str, address: str) -> bytes:
    """`To: Name <address>`: a plain name as it is; any other name in RFC 2047 encoded words
    of whole characters, one per folded line; the email package for what remains (a name
    needing quotes, an internationalised address), which is rare and costs a millisecond."""
    if not name:
        line = f"To: {address}"
        if address.isascii() and len(line) <= 78:
            return line.encode("ascii") + b"\r\n"
    elif address.isascii():
        line = f"To: {name} <{address}>"
        if _PLAIN_NAME.fullmatch(name) and len(line) <= 78:
            return line.encode("ascii") + b"\r\n"
        if not name.isascii():
            words = "\r\n ".join(_encoded_words(name))
            return f"To: {words}\r\n <{address}>\r\n".encode("ascii")
    username, _, domain = address.rpartition("@")
    mail_policy = policy.SMTP if address.isascii() else policy.SMTPUTF8
    header = mail_policy.header_factory("To", str(Address(name, username, domain)))
    return header.fold(policy=mail_policy).encode("utf-8")


def _encoded_words(text: str) -> list[str]:
    """`=?utf-8?b?...?=` words of at most 75 characters, never splitting a character."""
    words, chunk = [], b""
    for char in text:
        data = char.encode("utf-8")
        if len(chunk) + len(data) > 45:  # 45 bytes: 60 base64 characters + 12 = 72
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    return [f"=?utf-8?b?{binascii.b2a_base64(word, newline=False).decode()}?=" for word in words]


def _list_unsubscribe_field(config: Config, url: str) -> bytes:
    # Kept on one line (a folded or encoded URL breaks one-click unsubscribe); URLs are
    # ASCII and well under 998 octets.
    return b"List-Unsubscribe: " + list_unsubscribe(config, url).encode("ascii") + b"\r\n"


# Quoted-printable --------------------------------------------------------------------------


def _quoted_printable(text: str) -> bytes:
    """Quoted-printable of a piece of text, its lines from column 0, CRLF line ends, none
    starting with a dot: that one written `=2E` and a soft line break, which keeps the
    line within 76 characters."""
    data = text.replace("\r\n", "\n").encode("utf-8")
    encoded = _room_for_soft_break(binascii.b2a_qp(data, istext=True).replace(b"\n", b"\r\n"))
    encoded = b"\n" + encoded
    while b"\n." in encoded:  # a pass a dot: what follows the first may start with one
        encoded = encoded.replace(b"\n.", b"\n=2E=\r\n")
    return encoded[1:]


def _room_for_soft_break(encoded: bytes) -> bytes:
    """The last line made short enough for the "=" of the soft line break that follows a
    piece beside a slot: quoted-printable lines are 76 characters at most (RFC 2045), and
    b2a_qp may end a piece with a line of 76. Cut before the 76th, never inside an "=XX"
    ("=" is not a hex digit: it always starts one)."""
    start = encoded.rfind(b"\n") + 1
    if len(encoded) - start < MAX_QP_LINE:
        return encoded
    cut = start + MAX_QP_LINE - 1
    while b"=" in encoded[cut - 2 : cut]:
        cut -= 1
    return encoded[:cut] + b"=\r\n" + encoded[cut:]


@dataclass(frozen=True)
class QuotedPrintableSlot:
    """A placeholder between soft line breaks: filled by encoding only its value."""

    name: str
    escape: bool  # in the HTML part, the value is HTML-escaped first

    def fill(self, values: Values) -> bytes:
        value = values.get(self.name, "")
        value = html.escape(value) if self.escape else value
        return b"=\r\n" + _quoted_printable(value) + b"=\r\n"


def _quoted_printable_chunks(text: str, escape: bool) -> list:
    chunks, last = [], 0
    for match in _TOKEN.finditer(text):
        chunks.append(_quoted_printable(text[last : match.start()]))
        chunks.append(QuotedPrintableSlot(_NAME_OF[match[0]], escape))
        last = match.end()
    chunks.append(_quoted_printable(text[last:]) + b"\r\n")
    return chunks


# Base64 ------------------------------------------------------------------------------------


def _base64_lines(data: bytes) -> bytes:
    """base64 in lines of at most 76 characters, each ending CRLF."""
    return b"".join(
        binascii.b2a_base64(data[start : start + BASE64_LINE], newline=False) + b"\r\n"
        for start in range(0, len(data), BASE64_LINE)
    )


class Base64Body:
    """A base64 body with slots. The static pieces are encoded once per alignment (the 0, 1
    or 2 bytes the encoding of what came before left over); a recipient costs encoding each
    value with the bytes around it that complete its groups of three. Lines may end short of
    76 characters, which RFC 2045 allows; padding comes only at the very end."""

    def __init__(self, text: str, escape: bool):
        data = text.replace("\r\n", "\n").replace("\n", "\r\n")
        self.pieces = [piece.encode("utf-8") for piece in _TOKEN.split(data)]
        self.slots = [_NAME_OF[token] for token in _TOKEN.findall(data)]
        self.escape = escape
        last = len(self.pieces) - 1
        # [piece][skip] -> (the encoded whole groups after `skip` bytes, the bytes left over)
        self.encoded = [
            [self._split(piece[skip:], final=index == last) for skip in range(3)]
            for index, piece in enumerate(self.pieces)
        ]

    @staticmethod
    def _split(data: bytes, final: bool) -> tuple[bytes, bytes]:
        whole = len(data) if final else len(data) - len(data) % 3
        return _base64_lines(data[:whole]), data[whole:]

    def fill(self, values: Values) -> bytes:
        out, carry = [self.encoded[0][0][0]], self.encoded[0][0][1]
        for index, name in enumerate(self.slots, start=1):
            value = values.get(name, "")
            carry += (html.escape(value) if self.escape else value).encode("utf-8")
            piece = self.pieces[index]
            skip = -len(carry) % 3
            if skip > len(piece):  # the piece is too short to align on: carry it along
                carry += piece
                continue
            out.append(_base64_lines(carry + piece[:skip]))
            encoded, carry = self.encoded[index][skip]
            out.append(encoded)
        out.append(_base64_lines(carry))
        return b"".join(out)


def _merged(chunks: list) -> list:
    """Adjacent static bytes joined, so that filling joins as few pieces as possible."""
    merged: list = []
    for chunk in chunks:
        if type(chunk) is bytes and merged and type(merged[-1]) is bytes:
            merged[-1] += chunk
        else:
            merged.append(chunk)
    return merged
