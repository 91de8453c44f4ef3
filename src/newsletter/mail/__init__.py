"""Mail: the MIME message one recipient gets, made from a rendered edition; the same
message prepared once per edition as bytes with slots, for delivery to fill; and what
finishes each one: its return path (VERP) and its DKIM signature."""

from .dkim import (
    ED25519,
    RSA,
    DkimKeyError,
    DkimSigner,
    KeyPair,
    body_hash,
    dns_record,
    generate_key,
    signer_for,
)
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
from .outgoing import Outgoing
from .prepared import Filled, PreparedMessage, to_field
from .verp import read_return_path, return_address, return_path

__all__ = [
    "ED25519",
    "MAX_LINE_LENGTH",
    "PREVIEW_ADDRESS",
    "RSA",
    "DkimKeyError",
    "DkimSigner",
    "Filled",
    "KeyPair",
    "Outgoing",
    "PreparedMessage",
    "Recipient",
    "body_hash",
    "build_message",
    "dns_record",
    "generate_key",
    "list_id",
    "preview_message",
    "preview_recipient",
    "read_return_path",
    "return_address",
    "return_path",
    "sender_domain",
    "signer_for",
    "to_field",
]
