"""Signed personal tokens for the links in each message (unsubscribe, preferences).

A token names a subscriber and the send it came with, signed with HMAC (itsdangerous's
default, SHA-1 in HMAC) under NEWSLETTER_SECRET_KEY with a key derived per purpose, so that
nobody can make one for another address or alter one. Tokens are checked by itsdangerous
(the signing library of Flask): it compares signatures in constant time and accepts old keys
during a key rotation. Making them is on delivery's hot path, two a message, where
itsdangerous's `dumps` costs 21 µs each (JSON, its key derived again at each call): so the
same bytes are made here from its derived key in 2 µs, and tests/delivery/test_tokens.py
checks that they are identical to what itsdangerous makes.

Without a secret key (the outbox, for a look at the messages on this machine) tokens are
signed with a development key that is in this source file: anyone can forge them, so such
links are for local use only, and `send` over SMTP refuses to start without a real key.
"""

from __future__ import annotations

import base64
import hmac
import zlib
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from newsletter.config import Config, urls
from newsletter.mail import Recipient

DEVELOPMENT_KEY = "newsletter-development-key-not-secret"
UNSUBSCRIBE, PREFERENCES = "unsubscribe", "preferences"


class InvalidToken(ValueError):
    """A token that was not made with our key for this purpose (forged, altered, cut)."""


@dataclass(frozen=True)
class Personal:
    """Whose link it is, and the send that carried it (0 for links made outside a send)."""

    subscriber_id: int
    send_id: int


class Signer:
    """Makes and checks the tokens of one project; `keys` newest first (rotation)."""

    def __init__(self, keys: list[str]):
        self.keys = [key for key in keys if key] or [DEVELOPMENT_KEY]
        self.is_development = self.keys == [DEVELOPMENT_KEY]
        self._serializers: dict[str, URLSafeSerializer] = {}
        self._macs: dict[str, hmac.HMAC] = {}

    def _serializer(self, purpose: str) -> URLSafeSerializer:
        if purpose not in self._serializers:
            # itsdangerous signs with the last key and accepts any of them.
            keys = list(reversed(self.keys))
            self._serializers[purpose] = URLSafeSerializer(keys, salt=f"newsletter.{purpose}")
        return self._serializers[purpose]

    def token(self, purpose: str, who: Personal) -> str:
        """What `URLSafeSerializer.dumps([subscriber_id, send_id])` gives: the compact JSON
        in unpadded URL-safe base64, a dot, the MAC of that in the same base64."""
        mac = self._macs.get(purpose)
        if mac is None:
            signer = self._serializer(purpose).make_signer()
            mac = self._macs[purpose] = hmac.new(
                signer.derive_key(), digestmod=signer.digest_method
            )
        data = b"[%d,%d]" % (who.subscriber_id, who.send_id)
        # itsdangerous sends the JSON deflated (".eJ...") when that is shorter, which no
        # zlib stream of 10 bytes or fewer can be; its own dumps then.
        if len(data) > 10 and len(zlib.compress(data)) < len(data) - 1:
            return self._serializer(purpose).dumps([who.subscriber_id, who.send_id])
        payload = _base64(data)
        mac = mac.copy()
        mac.update(payload)
        return (payload + b"." + _base64(mac.digest())).decode("ascii")

    def check(self, purpose: str, token: str) -> Personal:
        """Whose token it is; InvalidToken when it was not signed by us for `purpose`."""
        try:
            subscriber_id, send_id = self._serializer(purpose).loads(token)
        except (BadSignature, ValueError, TypeError):
            raise InvalidToken("this link is not valid: it was changed or cut short") from None
        if not isinstance(subscriber_id, int) or not isinstance(send_id, int):
            raise InvalidToken("this link is not valid")
        return Personal(subscriber_id, send_id)


def _base64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def personal_recipient(
    config: Config, signer: Signer, who: Personal, email: str, name: str = ""
) -> Recipient:
    """A recipient with their own links, each token signed for its one purpose: the
    preferences page's cannot be used as an unsubscribe link's, nor the other way round."""
    return Recipient(
        email,
        name,
        urls.unsubscribe_url(config, signer.token(UNSUBSCRIBE, who)),
        urls.preferences_url(config, signer.token(PREFERENCES, who)),
    )
