"""The outbox: each message an .eml file in a folder, for looking at instead of sending.

The embedded default, so that `send` runs with no mail server. A file is written whole or
not at all (a temporary name, then renamed), and its name is the ledger row's id, so a
message written twice would be one file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from newsletter.core import display_path

from .base import Envelope, HandOver, Reply, TransportUnavailable


class OutboxTransport:
    name = "outbox"
    needs_secret_key = False

    def __init__(self, folder: Path):
        self.folder = folder

    def describe(self) -> str:
        return f"the outbox folder {display_path(self.folder)}/ (nothing leaves this machine)"

    def connect(self) -> OutboxConnection:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TransportUnavailable(
                f"cannot make the outbox {display_path(self.folder)}: {exc.strerror}"
            ) from None
        return OutboxConnection(self.folder)


class OutboxConnection:
    def __init__(self, folder: Path):
        self.folder = folder

    def send(
        self,
        envelope: Envelope,
        message: bytes,
        name: str,
        hand_over: HandOver,
        dot_free: bool = False,
    ) -> Reply:
        # 2013-05-en-000042-jane@example.org.eml: by issue, edition and ledger row.
        path = self.folder / f"{name}-{_safe(envelope.recipient)}.eml".lstrip("-")
        temporary = path.with_name(f".{path.name}.tmp")
        try:
            temporary.write_bytes(message)
            hand_over.wait()
            os.replace(temporary, path)  # the file appears whole, or not at all
        except OSError as exc:
            # Like a server's 451: the message can be written later, once there is room.
            return Reply(451, f"cannot write {display_path(path)}: {exc.strerror}")
        return Reply(250, f"written to {display_path(path)}")

    def close(self) -> None:
        pass


def _safe(text: str) -> str:
    return re.sub(r"[^\w@.+-]", "_", text)
