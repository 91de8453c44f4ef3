"""DKIM (RFC 6376): each outgoing message signed with the project's key, relaxed/relaxed,
over the headers receivers and the bulk-sender rules look at, List-Unsubscribe and
List-Unsubscribe-Post included (a forwarder that drops or changes them breaks the signature).

Signing is per message on delivery's hot path, where a message costs 10-20 µs to make.
dkimpy parses the message and does RSA in Python: 30 ms a message with RSA-2048, 3.5 ms with
Ed25519 (benchmarks/dkim.py). So we sign our own messages, whose form we know (CRLF, each
field once), in a few steps: the relaxed body hash in two C-speed regular expressions, the
few header fields canonicalised (which ones, and the signature's fixed text, worked out once
for all the messages of an edition), and the signature by OpenSSL through `cryptography`
(RSA in OpenSSL is some 20 times faster than Python's integers) or, for Ed25519, by
libsodium. tests/mail/test_dkim.py verifies what this makes with dkimpy's verify against the
published key, and benchmarks/dkim.py measures both. Ed25519 (RFC 8463) is far cheaper;
RSA-2048 is what every receiver verifies.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import time
import weakref
from collections.abc import Hashable
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from nacl.signing import SigningKey

from newsletter.config import Config

# Signed when present, in this order. Those a forwarder might add a second copy of to change
# what a reader sees are listed once more than they occur ("oversigned"), so that an added
# copy breaks the signature (RFC 6376 8.15).
SIGNED = (
    "From", "Reply-To", "Subject", "Date", "To", "Message-ID", "List-Id", "List-Unsubscribe",
    "List-Unsubscribe-Post", "MIME-Version", "Content-Type", "Content-Language",
)  # fmt: skip
OVERSIGNED = ("From", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post")
RSA_BITS = 2048
ED25519, RSA = "ed25519", "rsa"

_FIELD = re.compile(rb"\r\n(?![ \t])")  # between header fields (not inside a folded one)
_WSP = re.compile(rb"[ \t]+")
_FOLD = re.compile(rb"\r\n(?=[ \t])")


class DkimKeyError(ValueError):
    """The key in NEWSLETTER_DKIM_PRIVATE_KEY cannot sign (not PEM, another algorithm)."""


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    algorithm: str  # ED25519 or RSA
    public: str  # the p= of the DNS record: base64

    def dns_record(self, selector: str, domain: str) -> str:
        return dns_record(selector, domain, self.algorithm, self.public)


def generate_key(algorithm: str = ED25519) -> KeyPair:
    """A new private key (PEM, PKCS#8) and the public key to publish."""
    if algorithm == ED25519:
        key = ed25519.Ed25519PrivateKey.generate()
    elif algorithm == RSA:
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    else:
        raise ValueError(f"unknown DKIM algorithm '{algorithm}': {ED25519} or {RSA}")
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return KeyPair(pem, algorithm, public_key_text(key))


def public_key_text(key) -> str:
    """p=: RFC 8463's raw 32 bytes for Ed25519; the SubjectPublicKeyInfo DER for RSA."""
    public = key.public_key()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        data = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        data = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return base64.b64encode(data).decode("ascii")


def dns_record(selector: str, domain: str, algorithm: str, public: str) -> str:
    """The TXT record to publish, as a zone file line; long values in 255-character strings."""
    value = f"v=DKIM1; k={algorithm}; p={public}"
    strings = " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))
    return f"{selector}._domainkey.{domain}. IN TXT ( {strings} )"


@dataclass(frozen=True)
class _Plan:
    """How the messages of one form are signed."""

    order: tuple[int, ...]  # the positions of the signed fields, in the order hashed
    before_t: bytes  # the signature's value up to its time
    before_bh: bytes  # and from its time to its body hash


class DkimSigner:
    """Signs messages for one domain and selector with one private key (PEM)."""

    def __init__(self, domain: str, selector: str, private_pem: str):
        self.domain, self.selector = domain, selector
        try:
            self.key = serialization.load_pem_private_key(private_pem.encode("ascii"), None)
        except (ValueError, TypeError, UnsupportedAlgorithm, UnicodeEncodeError):
            # The library's own words name its internals (ASN.1, framing), not the fix.
            raise DkimKeyError(
                "it is not a PEM private key without a password (-----BEGIN PRIVATE KEY-----, "
                "as `newsletter dkim keygen` writes)"
            ) from None
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            self.algorithm = ED25519
            # Signed by libsodium (PyNaCl): 19 µs a signature against OpenSSL's 36 through
            # `cryptography` on this machine, and with the interpreter's lock let go (cffi),
            # so that the other connections' threads go on meanwhile. The same signature:
            # Ed25519 is deterministic.
            seed = self.key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            self._ed25519 = SigningKey(seed)
        elif isinstance(self.key, rsa.RSAPrivateKey):
            if self.key.key_size < 1024:
                raise DkimKeyError(f"an RSA key of {self.key.key_size} bits is too weak: 2048")
            self.algorithm = RSA
        else:
            raise DkimKeyError("it is neither an Ed25519 nor an RSA key")
        self.public = public_key_text(self.key)
        # One plan a prepared message, forgotten with it (a long-running process sends many).
        self._plans: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def sign(self, message: bytes, now: int | None = None) -> bytes:
        """`message` (CRLF line ends) with a DKIM-Signature field in front."""
        head, _, body = message.partition(b"\r\n\r\n")
        return self.sign_parts(head + b"\r\n", body, now=now)

    def sign_parts(
        self,
        head: bytes,
        body: bytes,
        bh: str | None = None,
        now: int | None = None,
        fields: list[bytes] | None = None,
        form: Hashable | None = None,
    ) -> bytes:
        """The message of these header fields (each ending CRLF) and body, signed; `bh`,
        the body's hash where the caller knows it; `fields`, the head's fields where the
        caller has them apart; `form`, where messages share the same fields in the same
        order (those filled from one prepared message), what stands for that order."""
        if fields is None:
            fields = _FIELD.split(head.removesuffix(b"\r\n"))
        plan = self._plans.get(form) if form is not None else None
        if plan is None:
            plan = self._plan(fields)
            if form is not None:
                self._plans[form] = plan
        canonical = [_relaxed_field(fields[at]) for at in plan.order]
        t = int(time.time() if now is None else now)
        bh = bh or body_hash(body)
        value = b"".join((plan.before_t, str(t).encode(), plan.before_bh, bh.encode(), b";\r\n b="))
        # The field canonicalised "relaxed" as RFC 6376 3.4.2 says, directly: its folds
        # unfolded, each a single space already, nothing to strip (and the b= empty).
        canonical.append(b"dkim-signature:" + value.replace(b"\r\n", b""))
        signature = base64.b64encode(self._sign(b"".join(canonical)))
        folded = b"\r\n ".join(signature[i : i + 72] for i in range(0, len(signature), 72))
        return b"".join((b"DKIM-Signature: ", value, folded, b"\r\n", head, b"\r\n", body))

    def _plan(self, fields: list[bytes]) -> _Plan:
        """Which fields are signed, in which order (the last occurrence of a name first),
        and the signature's fixed text around its time and body hash."""
        where: dict[bytes, list[int]] = {}
        for at, field in enumerate(fields):
            where.setdefault(field.split(b":", 1)[0].strip().lower(), []).append(at)
        order, names = [], []
        for name in SIGNED:
            found = where.get(name.lower().encode("ascii"), [])
            for at in reversed(found):
                names.append(name)
                order.append(at)
            if name in OVERSIGNED and found:
                names.append(name)  # no further instance: hashes nothing, forbids one
        return _Plan(
            tuple(order),
            f"v=1; a={self.algorithm}-sha256; c=relaxed/relaxed; d={self.domain};\r\n"
            f" s={self.selector}; t=".encode("ascii"),
            f";\r\n h={':'.join(names)};\r\n bh=".encode("ascii"),
        )

    def _sign(self, data: bytes) -> bytes:
        if self.algorithm == ED25519:  # RFC 8463: Ed25519 over the SHA-256 of the data
            return self._ed25519.sign(hashlib.sha256(data).digest()).signature
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def body_hash(body: bytes) -> str:
    """bh=: SHA-256 of the body canonicalised "relaxed" (RFC 6376 3.4.4)."""
    return _digest(relaxed_end(relaxed_lines(body)))


def relaxed_lines(data: bytes) -> bytes:
    """Relaxed canonicalisation within lines: runs of white space one space, none at a line's
    end. (A body's end is `relaxed_end`'s.)"""
    # bytes.replace, which runs at memory speed, rather than a regular expression, which
    # tries every position of a 40 KB body (0.6 ms a message: the signature's whole cost).
    # Each replacement only where needed: a search costs far less than a copy.
    if b"\t" in data:
        data = data.replace(b"\t", b" ")
    while b"  " in data:  # each pass halves the runs of spaces; a body has few
        data = data.replace(b"  ", b" ")
    if b" \r\n" in data:
        data = data.replace(b" \r\n", b"\r\n")
    return data


def relaxed_end(body: bytes) -> bytes:
    """A body's end canonicalised: no empty lines, one CRLF (an empty body stays empty)."""
    body = body.rstrip(b"\r\n")
    return body.removesuffix(b" ") + b"\r\n" if body else b""


def relaxed_leaves_alone(piece: bytes) -> bool:
    """Relaxed canonicalisation within lines changes nothing in this piece, whatever stands
    beside it: no tab, no run of spaces, no space before a line end, and safe edges."""
    return (
        b"\t" not in piece
        and b"  " not in piece
        and b" \r\n" not in piece
        and relaxed_edges_safe(piece)
    )


def relaxed_edges_safe(piece: bytes) -> bool:
    """Nothing at either end that could meet a neighbour's and be canonicalised with it
    (white space, half a CRLF): so the piece can be canonicalised apart from them."""
    return not (piece.startswith((b" ", b"\t", b"\n")) or piece.endswith((b" ", b"\t", b"\r")))


class PrefixedBodyHash:
    """The body hash of bodies that begin with the same canonical bytes, hashed once."""

    def __init__(self, prefix: bytes):
        self._state = hashlib.sha256(prefix)

    def of(self, rest: list[bytes]) -> str:
        """bh= of the body whose canonical form is the prefix, then `rest`."""
        state = self._state.copy()
        for piece in rest:
            state.update(piece)
        return base64.b64encode(state.digest()).decode("ascii")


def _digest(canonical: bytes) -> str:
    return base64.b64encode(hashlib.sha256(canonical).digest()).decode("ascii")


@functools.lru_cache(maxsize=64)
def _relaxed_field(field: bytes) -> bytes:
    """A header field canonicalised "relaxed" (RFC 6376 3.4.2), with its CRLF. Kept for
    the fields every message of an edition shares (From, Subject, List-Id...): a third of
    what signing a message cost besides the signature itself."""
    name, _, value = field.removesuffix(b"\r\n").partition(b":")
    value = _WSP.sub(b" ", _FOLD.sub(b"", value)).strip(b" ")
    return name.strip().lower() + b":" + value + b"\r\n"


def signer_for(config: Config) -> DkimSigner | None:
    """The project's signer when [dkim] domain and selector are set and the key is in the
    environment; None when DKIM is not configured. DkimKeyError for a key that cannot sign."""
    settings = config.settings.dkim
    if not (settings.domain and settings.selector and config.dkim_private_key):
        return None
    return DkimSigner(settings.domain, settings.selector, config.dkim_private_key)
