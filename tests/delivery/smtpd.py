"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, on a port of its own, that keeps
what it accepted and answers some recipients as a test tells it to (as aiosmtplib's test
server does)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


@dataclass
class Faults:
    """How the server answers; keys are recipient addresses."""

    temporary: dict[str, list[str]] = field(default_factory=dict)  # replies, one per attempt
    permanent: dict[str, str] = field(default_factory=dict)  # e.g. "550 5.1.1 no such user"
    drop_after_data: set[str] = field(default_factory=set)  # hang up instead of answering
    delay: float = 0.0  # seconds before answering each message's data
    smtputf8: bool = True
    pipelining: bool = True  # as Postfix offers it (RFC 2920): the path real sends take


class Recorder:
    """aiosmtpd handler: refuses or delays as Faults say, keeps the accepted messages."""

    def __init__(self, faults: Faults):
        self.faults = faults
        self.messages: list[tuple[str, bytes]] = []  # (recipient, data)
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.faults.pipelining:  # aiosmtpd reads pipelined commands, but does not say so
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            replies = self.faults.temporary.get(address)
            if replies:
                return replies.pop(0)
        if address in self.faults.permanent:
            return self.faults.permanent[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.faults.delay:
            await asyncio.sleep(self.faults.delay)
        (recipient,) = envelope.rcpt_tos
        if recipient in self.faults.drop_after_data:
            self.faults.drop_after_data.discard(recipient)
            server.transport.close()
            return "421 closing"  # never read: the connection is gone
        with self.lock:
            self.messages.append((recipient, envelope.original_content))
        return "250 2.0.0 accepted"

    def received(self) -> Counter:
        with self.lock:
            return Counter(recipient for recipient, _ in self.messages)


class TestServer:
    """The server, started and stopped (and started again on the same port)."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, faults: Faults | None = None):
        self.faults = faults or Faults()
        self.recorder = Recorder(self.faults)
        self.port = _free_port()
        self.controller: Controller | None = None

    def start(self) -> TestServer:
        faults = self.faults

        class Server(Controller):
            def factory(self):
                return SMTP(
                    self.handler,
                    enable_SMTPUTF8=faults.smtputf8,
                    decode_data=False,
                    hostname="test.invalid",
                )

        self.controller = Server(
            self.recorder, hostname="127.0.0.1", port=self.port, data_size_limit=0
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def received(self) -> Counter:
        return self.recorder.received()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed_certificate(folder) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, made with openssl: (cert, key) paths."""
    import subprocess

    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class SecureServer(TestServer):
    """The test server with STARTTLS, or TLS from the first byte, and AUTH LOGIN/PLAIN."""

    def __init__(self, cert: str, key: str, implicit: bool, password: str):
        super().__init__()
        import ssl

        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.implicit = implicit
        self.password = password

    def start(self) -> SecureServer:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        server = self

        def authenticate(smtp, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.password == server.password.encode()
            return AuthResult(success=ok, handled=False)  # aiosmtpd answers 235 or 535

        class Server(Controller):
            def factory(self):
                return SMTP(
                    self.handler,
                    decode_data=False,
                    hostname="test.invalid",
                    tls_context=None if server.implicit else server.context,
                    require_starttls=not server.implicit,
                    authenticator=authenticate,
                    # Over implicit TLS aiosmtpd does not see the TLS itself: the socket is.
                    auth_require_tls=not server.implicit,
                )

        options = {"ssl_context": self.context} if self.implicit else {}
        self.controller = Server(
            self.recorder, hostname="127.0.0.1", port=self.port, data_size_limit=0, **options
        )
        self.controller.start()
        return self
