"""SMTP to a relay (Postfix, a provider's submission server), with Python's smtplib.

Measured on this machine kind against Postfix's smtp-sink (BENCHMARKS.md): smtplib in one
thread per connection keeps up with smtp-source where aiosmtplib in one event loop is
CPU-bound at half that. The message's data is written to the socket as prepared bytes (dot-
stuffed here, CRLF already), because smtplib's `data()` re-scans every line of every message.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass

from newsletter.core import NewsletterError

from .base import ConnectionLost, Envelope, HandOver, Reply, TransportUnavailable

DOT = b".\r\n"  # ends a message's data


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # none, starttls or tls
    username: str = ""
    password: str = ""
    timeout: float = 30
    ca_file: str | None = None

    def describe(self) -> str:
        how = {"none": "no encryption", "starttls": "STARTTLS", "tls": "TLS"}[self.security]
        login = f", as {self.username}" if self.username else ""
        return f"SMTP {self.host}:{self.port} ({how}{login})"


class SmtpTransport:
    name = "smtp"
    needs_secret_key = True

    def __init__(self, server: SmtpServer):
        self.server = server
        # One context for all connections: making one reads every certificate authority the
        # system trusts, 24 ms with the interpreter's lock held, and connections are renewed
        # every messages_per_connection messages.
        self._tls = _tls_context(server)

    def describe(self) -> str:
        return self.server.describe()

    def connect(self) -> SmtpConnection:
        return SmtpConnection(self.server, self._tls)


class SmtpConnection:
    def __init__(self, server: SmtpServer, tls: ssl.SSLContext | None = None):
        self.server = server
        self.smtp = _open(server, tls)
        # Commands and the final dot are small writes that must not wait for an ACK.
        self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.smtputf8 = self.smtp.has_extn("smtputf8")
        self.pipelining = self.smtp.has_extn("pipelining")

    def send(
        self,
        envelope: Envelope,
        message: bytes,
        name: str,
        hand_over: HandOver,
        dot_free: bool = False,
    ) -> Reply:
        options = []
        if envelope.needs_smtputf8:
            if not self.smtputf8:
                return Reply(
                    553,
                    "the server does not accept internationalised addresses (no SMTPUTF8); "
                    "this address cannot be sent to through it",
                )
            options.append("SMTPUTF8")
        commands = [
            f"MAIL FROM:<{envelope.sender}>" + "".join(f" {option}" for option in options),
            f"RCPT TO:<{envelope.recipient}>",
            "DATA",
        ]
        try:
            replies = self._commands(commands)
            refused = next((r for r in replies[:2] if not r.accepted), None)
            if refused is None and replies[2].code == 354:
                return self._data(message if dot_free else _dot_stuffed(message), hand_over)
            if replies[2].code == 354:  # a server that takes DATA after refusing RCPT
                self._end_empty_data()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise ConnectionLost(_reason(exc), data_sent=False) from None
        reply = refused or replies[2]
        self._reset(reply)
        return _text(reply)

    def _commands(self, lines: list[str]) -> list[Reply]:
        """Send the commands and read their replies: all at once where the server offers
        PIPELINING (RFC 2920), saving two round trips a message; else one by one, stopping
        at the first refusal."""
        # Written as they are: smtplib's mail() and rcpt() parse each address with the
        # email package first, which costs more than the rest of a message.
        if self.pipelining:
            self.smtp.send("".join(f"{line}\r\n" for line in lines).encode("utf-8"))
            return [Reply(*self.smtp.getreply()) for _ in lines]
        replies = []
        for line in lines:
            self.smtp.send(line.encode("utf-8") + b"\r\n")  # UTF-8 only under SMTPUTF8
            replies.append(Reply(*self.smtp.getreply()))
            if not (replies[-1].accepted or replies[-1].code == 354):
                break
        return replies + [Reply(503, "not sent")] * (len(lines) - len(replies))

    def _end_empty_data(self) -> None:
        self.smtp.send(DOT)
        self.smtp.getreply()

    def _data(self, data: bytes, hand_over: HandOver) -> Reply:
        """`data`: the message dot-stuffed. It travels while the ledger commits the
        hand-over; the final dot, which makes the server take the message, waits for that
        commit, and is sent by whichever thread makes it: this one then waits only for the
        server's reply, not to be woken first."""
        try:
            self.smtp.sock.sendall(data)
        except OSError as exc:
            raise ConnectionLost(_reason(exc), data_sent=False) from None
        ending = _Ending(self.smtp.sock)
        if isinstance(self.smtp.sock, ssl.SSLSocket):
            # OpenSSL's connections take no write from one thread during a read in another.
            try:
                hand_over.wait()
            except BaseException:
                ending.abandon()  # no dot, and no QUIT waiting for a reply inside DATA
                raise
            ending.end()
        else:
            hand_over.then(ending.end, ending.abandon)
        try:
            reply = _text(Reply(*self.smtp.getreply()))
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            went = ending.cancel()
            hand_over.check()  # the ledger failed (and the message was dropped): that's why
            if not went:
                raise ConnectionLost(_reason(ending.error or exc), data_sent=False) from None
            # The data went; the server may have taken the message without telling us.
            raise ConnectionLost(_reason(exc), data_sent=True) from None
        ending.settle()
        return reply

    def _reset(self, reply: Reply) -> None:
        """After a refusal, clear the transaction for the next message (not after 421: the
        server is closing the connection)."""
        if reply.code != 421:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.rset()

    def close(self) -> None:
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()


class _Ending:
    """A message's final dot, sent once its `sending` mark is durable, possibly from the
    ledger's writer thread; or never: when the ledger fails (the socket is shut, so that the
    reply's reader stops waiting) or when the reader has given up on the connection first."""

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self._lock = threading.Lock()
        self._state = "waiting"  # then sent, failed, abandoned or cancelled; or sending
        self._helper: threading.Thread | None = None  # sending what the socket did not take
        self.error: OSError | None = None

    def end(self) -> None:
        """Send the dot without waiting: the ledger's writer ends every connection's
        messages, and one server that stops reading must not hold up the others. What the
        socket cannot take at once (its buffer full), a thread of its own sends."""
        with self._lock:
            if self._state != "waiting":
                return
            try:
                sent = _send_now(self._sock, DOT)
            except OSError as exc:
                self._fail(exc)
                return
            if sent == len(DOT):
                self._state = "sent"
                return
            self._state = "sending"
            self._helper = threading.Thread(target=self._send_rest, args=(DOT[sent:],), daemon=True)
            self._helper.start()

    def _send_rest(self, rest: bytes) -> None:
        try:
            self._sock.sendall(rest)  # waits for room, up to the connection's timeout
        except OSError as exc:
            with self._lock:
                self._fail(exc)
        else:
            with self._lock:
                self._state = "sent"

    def _fail(self, exc: OSError) -> None:
        self.error, self._state = exc, "failed"
        _shut(self._sock)

    def abandon(self) -> None:
        with self._lock:
            if self._state == "waiting":
                self._state = "abandoned"
                _shut(self._sock)  # no dot: the server drops the message

    def settle(self) -> None:
        """After the server's reply: no dot from now on (a server that replied before it
        has given up on the message), and none still on its way when the connection's
        next command goes."""
        with self._lock:
            if self._state == "waiting":
                self._state = "cancelled"
            helper = self._helper if self._state == "sending" else None
        if helper is not None:
            helper.join()

    def cancel(self) -> bool:
        """No dot from now on; True if it went. A dot still on its way is stopped (the
        connection shut): one that went on later could follow the QUIT, and the server
        take the QUIT as part of the message."""
        with self._lock:
            if self._state == "waiting":
                self._state = "cancelled"
            if self._state != "sending":
                return self._state == "sent"
            helper = self._helper
            _shut(self._sock)
        helper.join()
        with self._lock:
            return self._state == "sent"


def _send_now(sock: socket.socket, data: bytes) -> int:
    """How much of `data` the socket takes at once: 0 when its buffer is full."""
    if isinstance(sock, ssl.SSLSocket):  # sent by the connection's own thread: it may wait
        sock.sendall(data)
        return len(data)
    try:
        if sock.gettimeout() is None:
            return sock.send(data, socket.MSG_DONTWAIT)
        # A socket with a timeout waits for room before it sends, whatever the flags; its
        # descriptor is non-blocking, so a plain write does not.
        return os.write(sock.fileno(), data)
    except BlockingIOError:
        return 0


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_LINE_STARTING_WITH_DOT = re.compile(rb"\n\.")


def _dot_stuffed(message: bytes) -> bytes:
    """A line that starts with "." gets another one (RFC 5321 4.5.2). A compiled regular
    expression: on the 36 KB May 2013 message it took 14 µs where bytes.replace took 69 (a
    two-byte pattern whose first byte is frequent is slow in bytes.replace on Python 3.11);
    under a send's load, 14% of the interpreter's time. Delivery's prepared messages say
    when they need none (dot_free)."""
    stuffed = _LINE_STARTING_WITH_DOT.sub(b"\n..", message)
    return b"." + stuffed if stuffed.startswith(b".") else stuffed


def _tls_context(server: SmtpServer) -> ssl.SSLContext | None:
    """A context that verifies the server's certificate and name; None without TLS."""
    if server.security == "none":
        return None
    try:
        return ssl.create_default_context(cafile=server.ca_file)
    except (OSError, ssl.SSLError) as exc:
        why = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
        raise NewsletterError(
            f"smtp.ca_file: cannot use {server.ca_file} as a certificate authority: {why}"
        ) from None


def _open(server: SmtpServer, context: ssl.SSLContext | None) -> smtplib.SMTP:
    try:
        if server.security == "tls":
            smtp = smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        smtp.ehlo()
        if server.security == "starttls":
            if not smtp.has_extn("starttls"):
                smtp.close()
                raise TransportUnavailable(
                    f"{server.host}:{server.port} does not offer STARTTLS; set smtp.security "
                    '= "none" only if the connection is private (127.0.0.1)'
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        if server.username:
            _login(smtp, server)
    except smtplib.SMTPAuthenticationError as exc:
        raise TransportUnavailable(
            f"{server.host} refused the login of {server.username}: "
            f"{_reply_text(exc.smtp_error)}; check smtp.username and NEWSLETTER_SMTP_PASSWORD"
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise TransportUnavailable(
            f"{server.host}'s certificate cannot be trusted: {exc.verify_message}; "
            "set smtp.ca_file to the certificate authority that signed it"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TransportUnavailable(
            f"cannot connect to {server.host}:{server.port}: {_reason(exc)}"
        ) from None
    return smtp


def _login(smtp: smtplib.SMTP, server: SmtpServer) -> None:
    """AUTH PLAIN when offered, tried once, so that a refusal is the server's own reply
    (smtplib's login() goes through every mechanism, and some servers hang up meanwhile)."""
    if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
        smtp.login(server.username, server.password)
        return
    smtp.user, smtp.password = server.username, server.password
    code, text = smtp.auth("PLAIN", smtp.auth_plain, initial_response_ok=True)
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, text)


def _text(reply: Reply) -> Reply:
    return Reply(reply.code, _reply_text(reply.text))


def _reply_text(text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "the server did not answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror})"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
