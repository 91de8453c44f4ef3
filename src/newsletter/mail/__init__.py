"""Mail: the MIME message one recipient gets, made from a rendered edition; and the same
message prepared once per edition as bytes with slots, for delivery to fill."""

from .message import (
    MAX_LINE_LENGTH,
    PREVIEW_ADDRESS,
    Recipient,
    build_message,
    list_id,
    preview_message,
    preview_recipient,
    sender_domain,
)
from .prepared import PreparedMessage, to_field

__all__ = [
    "MAX_LINE_LENGTH",
    "PREVIEW_ADDRESS",
    "PreparedMessage",
    "Recipient",
    "build_message",
    "list_id",
    "preview_message",
    "preview_recipient",
    "sender_domain",
    "to_field",
]
