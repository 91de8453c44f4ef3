"""Mail: the MIME message one recipient gets, made from a rendered edition."""

from .message import (
    MAX_LINE_LENGTH,
    PREVIEW_ADDRESS,
    Recipient,
    build_message,
    preview_message,
    preview_recipient,
)

__all__ = [
    "MAX_LINE_LENGTH",
    "PREVIEW_ADDRESS",
    "Recipient",
    "build_message",
    "preview_message",
    "preview_recipient",
]
