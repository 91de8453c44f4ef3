"""The outbox transport: each message a whole .eml file; a message of the ledger is one
file however often it is written, and no other message replaces an earlier one."""

from __future__ import annotations

from pathlib import Path

from newsletter.delivery.transports import UNRECORDED, Envelope
from newsletter.delivery.transports.outbox import OutboxTransport

SENDER = "bounces@example.org"


class Recorded(type(UNRECORDED)):
    """The hand-over of a message the ledger has already recorded: nothing to wait for, as
    UNRECORDED, but not it (the outbox tells the ledger's messages by that)."""


def message(n: int) -> bytes:
    return f"Subject: note {n}\r\n\r\nnote {n}\r\n".encode()


def test_a_message_outside_the_ledger_never_replaces_an_earlier_one(tmp_path: Path):
    outbox = tmp_path / "outbox"
    connection = OutboxTransport(outbox).connect()
    envelope = Envelope(SENDER, "editor@example.org")
    replies = [connection.send(envelope, message(n), "reminder", UNRECORDED) for n in (1, 2, 3)]
    assert [reply.code for reply in replies] == [250, 250, 250]
    names = ["reminder", "reminder-2", "reminder-3"]
    assert sorted(path.name for path in outbox.iterdir()) == sorted(  # no temporary file left
        f"{name}-editor@example.org.eml" for name in names
    )
    for n, name in enumerate(names, start=1):
        assert (outbox / f"{name}-editor@example.org.eml").read_bytes() == message(n)


def test_the_same_note_to_another_address_keeps_its_plain_name(tmp_path: Path):
    connection = OutboxTransport(tmp_path).connect()
    for recipient in ("editor@example.org", "chief@example.org"):
        connection.send(Envelope(SENDER, recipient), message(1), "reminder", UNRECORDED)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "reminder-chief@example.org.eml",
        "reminder-editor@example.org.eml",
    ]


def test_a_ledger_message_written_again_is_still_one_file(tmp_path: Path):
    """Its name is its ledger row: written twice (sent again after a crash), it is one."""
    connection = OutboxTransport(tmp_path).connect()
    envelope = Envelope(SENDER, "jane@example.org")
    for n in (1, 2):
        reply = connection.send(envelope, message(n), "2013-05-en-000042", Recorded())
        assert str(reply) == "250 written to " + str(
            tmp_path / "2013-05-en-000042-jane@example.org.eml"
        )
    assert [path.name for path in tmp_path.iterdir()] == ["2013-05-en-000042-jane@example.org.eml"]
    assert (tmp_path / "2013-05-en-000042-jane@example.org.eml").read_bytes() == message(2)
