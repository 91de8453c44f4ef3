"""The SMTP transport against a real server (aiosmtpd on 127.0.0.1): what arrives is what
was handed over, lines that start with a dot included (SMTP's transparency)."""

from __future__ import annotations

import contextlib
import socket
import time

import pytest

from newsletter.delivery.transports import UNRECORDED, Envelope
from newsletter.delivery.transports.smtp import DOT, SmtpServer, SmtpTransport, _Ending

MESSAGE = (
    b"From: a@example.org\r\nTo: b@example.org\r\nSubject: dots\r\n\r\n"
    b".a line that starts with a dot\r\n..and two\r\n.\r\nthe end\r\n"
)


def test_lines_starting_with_a_dot_arrive_as_they_were(smtp_server):
    connection = SmtpTransport(SmtpServer("127.0.0.1", smtp_server.port, "none")).connect()
    try:
        envelope = Envelope("a@example.org", "b@example.org")
        reply = connection.send(envelope, MESSAGE, "dots", UNRECORDED)
    finally:
        connection.close()
    assert reply.accepted
    ((recipient, data),) = smtp_server.recorder.messages
    assert (recipient, data) == ("b@example.org", MESSAGE)


def _full(sock: socket.socket) -> socket.socket:
    """`sock` with its send buffer full: its peer has stopped reading."""
    sock.setblocking(False)
    with contextlib.suppress(BlockingIOError):
        while True:
            sock.send(b"x" * 65536)
    sock.settimeout(30)  # as a connection's socket has
    return sock


def test_a_server_that_stops_reading_does_not_hold_up_the_thread_ending_messages():
    """The ledger's writer sends every connection's final dots: on a socket whose buffer is
    full it returns at once, and the dot follows as soon as the server reads again."""
    ours, server = socket.socketpair()
    ending = _Ending(_full(ours))
    started = time.monotonic()
    ending.end()
    assert time.monotonic() - started < 1
    received = b""
    server.settimeout(10)
    while not received.endswith(DOT):
        received += server.recv(1 << 20)
    assert received.strip(b"x") == DOT
    ending.settle()  # the server's reply came: nothing of the dot is still on its way
    assert ending.cancel()  # it went
    ours.close()
    server.close()


def test_giving_up_on_a_dot_still_on_its_way_stops_it_and_counts_the_message_unsent():
    """When the reply does not come, the connection is closed with a QUIT: a dot sent after
    it would make the server take the QUIT as part of the message."""
    ours, server = socket.socketpair()
    ending = _Ending(_full(ours))
    ending.end()
    assert not ending.cancel()  # stopped, and the connection shut
    received = b""
    server.settimeout(10)
    while chunk := server.recv(1 << 20):
        received += chunk
    assert not received.endswith(DOT)
    ours.close()
    server.close()


def test_a_dot_that_cannot_go_shuts_the_connection_and_says_why():
    ours, server = socket.socketpair()
    ending = _Ending(_full(ours))
    ours.settimeout(0.5)
    ending.end()
    deadline = time.monotonic() + 10
    while ending.error is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert isinstance(ending.error, TimeoutError)
    with pytest.raises(OSError):
        ours.sendall(b"more")  # shut: the reader's wait for a reply ends too
    ours.close()
    server.close()
