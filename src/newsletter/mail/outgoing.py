"""The last step before a message leaves: its return path (VERP) and its DKIM signature.

Delivery calls `finish` once per recipient on the bytes `PreparedMessage.fill` made; this is
the one place where a recipient's final bytes and envelope sender are produced.
"""

from __future__ import annotations

from newsletter.config import Config

from .dkim import DkimSigner, signer_for
from .prepared import Filled
from .verp import return_path


class Outgoing:
    """One project's return paths and signer, made once per send."""

    def __init__(self, config: Config):
        self.config = config
        self.signer: DkimSigner | None = signer_for(config)

    def finish(self, message: Filled, send_id: int, subscriber_id: int) -> tuple[bytes, str]:
        """(the bytes to hand over, the envelope sender) for one recipient's message."""
        if self.signer is None:
            data = bytes(message)
        else:
            data = self.signer.sign_parts(
                message.head,
                message.body,
                message.relaxed_body_hash(),
                fields=message.fields,
                form=message.prepared,  # its messages' fields: the same, in the same order
            )
        return data, return_path(self.config, send_id, subscriber_id)
