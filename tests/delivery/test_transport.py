"""The SMTP transport against a real server (aiosmtpd on 127.0.0.1): what arrives is what
was handed over, lines that start with a dot included (SMTP's transparency)."""

from __future__ import annotations

from newsletter.delivery.transports import UNRECORDED, Envelope
from newsletter.delivery.transports.smtp import SmtpServer, SmtpTransport

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
