"""Email addresses: one normal form per person, and the hash kept after they are forgotten."""

from __future__ import annotations

import hashlib
import hmac

from email_validator import EmailNotValidError, validate_email


class InvalidAddress(ValueError):
    """The address cannot receive mail; the message quotes it and says why."""


def address_key(address: str) -> str:
    """The address as compared: email-validator's normal form, lowercased.

    The local part is case-sensitive by the RFCs, but no mail system in use treats
    Jane@ and jane@ as two people, so neither do we. Raises InvalidAddress.
    """
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidAddress(f"invalid email address '{address}': {exc}") from None
    return valid.normalized.lower()


def address_hashes(key: str, secret_key: str = "") -> list[str]:
    """The hashes a forgotten address may be stored under, the one to store first.

    Keyed with NEWSLETTER_SECRET_KEY when set, so that a leaked table cannot be checked
    against a list of addresses; the plain hash still matches entries made without a key.
    """
    plain = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    if not secret_key:
        return [plain]
    keyed = hmac.new(secret_key.encode(), key.encode(), hashlib.sha256).hexdigest()
    return ["hmac-sha256:" + keyed, plain]
