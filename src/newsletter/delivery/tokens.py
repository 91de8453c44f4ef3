"""Signed personal tokens for the links in each message (unsubscribe, preferences).

A token names a subscriber and the send it came with, signed with HMAC-SHA256 under
NEWSLETTER_SECRET_KEY, so that nobody can make one for another address or alter one. We use
itsdangerous (the signing library of Flask and Django's peers) rather than hand-written HMAC
code: it compares signatures in constant time, derives a key per purpose (a salt), and
accepts old keys during a key rotation.

Without a secret key (the outbox, for a look at the messages on this machine) tokens are
signed with a development key that is in this source file: anyone can forge them, so such
links are for local use only, and `send` over SMTP refuses to start without a real key.
"""

from __future__ import annotations

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

    def _serializer(self, purpose: str) -> URLSafeSerializer:
        if purpose not in self._serializers:
            # itsdangerous signs with the last key and accepts any of them.
            keys = list(reversed(self.keys))
            self._serializers[purpose] = URLSafeSerializer(keys, salt=f"newsletter.{purpose}")
        return self._serializers[purpose]

    def token(self, purpose: str, who: Personal) -> str:
        return self._serializer(purpose).dumps([who.subscriber_id, who.send_id])

    def check(self, purpose: str, token: str) -> Personal:
        """Whose token it is; InvalidToken when it was not signed by us for `purpose`."""
        try:
            subscriber_id, send_id = self._serializer(purpose).loads(token)
        except (BadSignature, ValueError, TypeError):
            raise InvalidToken("this link is not valid: it was changed or cut short") from None
        if not isinstance(subscriber_id, int) or not isinstance(send_id, int):
            raise InvalidToken("this link is not valid")
        return Personal(subscriber_id, send_id)


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
