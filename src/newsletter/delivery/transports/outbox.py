"""The outbox: each message an .eml file in a folder, for looking at instead of sending.

The embedded default, so that `send` runs with no mail server. A file is written whole or
not at all (a temporary name, then renamed), and its name is the ledger row's id, so a
message written twice would be one file. A message outside the ledger (a test send, the
editors' reminder) never replaces an earlier one: a second reminder to the same address is
numbered, `reminder-2-editor@example.org.eml`.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path

from newsletter.core import display_path

from .base import UNRECORDED, Envelope, HandOver, Reply, TransportUnavailable


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
        path = self.folder / _file_name(name, envelope.recipient)
        note = hand_over is UNRECORDED  # its name is no ledger row's: others may share it
        unique = f".{secrets.token_hex(4)}" if note else ""
        temporary = path.with_name(f".{path.name}{unique}.tmp")
        try:
            temporary.write_bytes(message)
            hand_over.wait()
            if note:
                path = _place_anew(temporary, name, envelope.recipient)
            else:
                os.replace(temporary, path)  # the file appears whole, or not at all
        except OSError as exc:
            if note:  # its name is its own: no later message writes over it
                with contextlib.suppress(OSError):
                    temporary.unlink()
            # Like a server's 451: the message can be written later, once there is room.
            return Reply(451, f"cannot write {display_path(path)}: {exc.strerror}")
        return Reply(250, f"written to {display_path(path)}")

    def close(self) -> None:
        pass


def _file_name(name: str, recipient: str) -> str:
    return f"{name}-{_safe(recipient)}.eml".lstrip("-")


def _place_anew(temporary: Path, name: str, recipient: str) -> Path:
    """The written file under its name, or the first free one numbered after it when that
    is taken (`reminder-2-editor@example.org.eml`): never over another file."""
    number = 1
    while True:
        path = temporary.with_name(
            _file_name(f"{name}-{number}" if number > 1 else name, recipient)
        )
        number += 1
        try:
            os.link(temporary, path)  # whole, as a rename; but refused where a rename replaces
        except FileExistsError:
            continue
        except OSError:  # a folder without hard links (FAT): the name is checked, then taken
            if path.exists():
                continue
            os.replace(temporary, path)
            return path
        with contextlib.suppress(OSError):  # the message is in place: it was written
            os.unlink(temporary)
        return path


def _safe(text: str) -> str:
    return re.sub(r"[^\w@.+-]", "_", text)
