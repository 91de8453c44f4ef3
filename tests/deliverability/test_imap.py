r"""Bounces read from a real IMAP server on 127.0.0.1 (pymap, an IMAP server in Python;
skipped where it is not installed): processed messages are flagged (pymap keeps no keywords:
\Seen), so a second run reads nothing."""

from __future__ import annotations

import contextlib
import imaplib
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.core import NewsletterError
from newsletter.deliverability import process_bounces
from tests.conftest import needs
from tests.delivery.conftest import add_subscribers
from tests.delivery.smtpd import self_signed_certificate

from .test_bounces import EVERY_REPORT, corpus, statuses

PYMAP = shutil.which("pymap") or str(Path(sys.executable).parent / "pymap")
pytestmark = needs(Path(PYMAP).exists(), "pymap is not installed (.ci/setup installs it)")
USER, PASSWORD = "demouser", "demopass"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_pymap(folder: Path, *tls: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = folder / "pymap.log"
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [PYMAP, "--host", "127.0.0.1", "--port", str(port), *(tls or ["--no-tls"]),
             "dict", "--demo-data"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    pytest.fail("pymap did not start: " + log.read_text())


@pytest.fixture
def imap_port(tmp_path) -> Iterator[int]:
    """pymap on 127.0.0.1 without TLS (allowed on the loopback only)."""
    server, port = start_pymap(tmp_path)
    yield port
    server.terminate()
    server.wait(10)


@pytest.fixture
def starttls_imap(tmp_path) -> Iterator[tuple[int, str]]:
    """pymap offering STARTTLS with a self-signed certificate: (port, the certificate)."""
    cert, key = self_signed_certificate(tmp_path)
    server, port = start_pymap(tmp_path, "--cert", cert, "--key", key)
    yield port, cert
    server.terminate()
    server.wait(10)


class TlsFront:
    """Implicit TLS in front of a plain IMAP server, as stunnel or a provider's port 993 is:
    what `imaps://` meets (pymap offers STARTTLS only)."""

    def __init__(self, backend_port: int, cert: str, key: str):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.backend_port = backend_port
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            tls = self.context.wrap_socket(client, server_side=True)
        except OSError:  # a client that does not trust the certificate hangs up
            client.close()
            return
        backend = socket.create_connection(("127.0.0.1", self.backend_port))
        threading.Thread(target=_pump, args=(backend, tls), daemon=True).start()
        _pump(tls, backend)

    def close(self) -> None:
        self.listener.close()


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    for end in (source, target):
        with contextlib.suppress(OSError):
            end.close()


@pytest.fixture
def imaps(tmp_path) -> Iterator[tuple[int, int, str]]:
    """(the TLS port, pymap's own port, the certificate)."""
    cert, key = self_signed_certificate(tmp_path)
    server, port = start_pymap(tmp_path)
    front = TlsFront(port, cert, key)
    yield front.port, port, cert
    front.close()
    server.terminate()
    server.wait(10)


def append(port: int, folder: str, messages: list[bytes]) -> None:
    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.login(USER, PASSWORD)
    imap.create(folder)
    for data in messages:
        status, _ = imap.append(folder, None, None, data.replace(b"\n", b"\r\n"))
        assert status == "OK"
    imap.logout()


def test_reports_in_an_imap_mailbox_are_processed_once_and_flagged(store, imap_port):
    addresses = add_subscribers(store, 8)
    append(imap_port, "Bounces", corpus(*EVERY_REPORT))
    source = f"imap://{USER}@127.0.0.1:{imap_port}/Bounces"
    run = process_bounces(store, source, "tester", PASSWORD)
    assert (run.read, len(run.unhandled)) == (8, 2)
    assert statuses(store, addresses)["reader00000@example.org"] == "bounced"
    assert statuses(store, addresses)["reader00005@example.org"] == "complained"
    assert process_bounces(store, source, "tester", PASSWORD).read == 0
    imap = imaplib.IMAP4("127.0.0.1", imap_port)
    imap.login(USER, PASSWORD)
    imap.select("Bounces")
    _, flagged = imap.uid("SEARCH", None, "SEEN")
    assert len(flagged[0].split()) == 8
    imap.logout()


def test_a_wrong_password_or_mailbox_is_said_in_words(store, imap_port):
    source = f"imap://{USER}@127.0.0.1:{imap_port}/Bounces"
    with pytest.raises(
        NewsletterError, match=rf"^cannot read imap://demouser@127\.0\.0\.1:{imap_port}/Bounces: "
    ):
        process_bounces(store, source, "tester", "wrong")
    with pytest.raises(NewsletterError) as refused:
        process_bounces(store, source.replace("Bounces", "Nowhere"), "tester", PASSWORD)
    assert str(refused.value) == (
        f"cannot read imap://demouser@127.0.0.1:{imap_port}/Nowhere: there is no mailbox 'Nowhere'"
    )


def test_starttls_is_used_and_the_certificate_verified(store, starttls_imap, monkeypatch):
    port, cert = starttls_imap
    add_subscribers(store, 1)
    monkeypatch.setenv("SSL_CERT_FILE", cert)  # trusted as a CA by the default context
    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.starttls()
    imap.login(USER, PASSWORD)
    imap.create("Bounces")
    imap.append("Bounces", None, None, corpus("postfix_5.1.1")[0].replace(b"\n", b"\r\n"))
    imap.logout()
    read_trusted_then_untrusted(store, f"imap://{USER}@127.0.0.1:{port}/Bounces", monkeypatch)


def test_imaps_speaks_tls_from_the_first_byte_and_verifies_the_certificate(
    store, imaps, monkeypatch
):
    port, plain_port, cert = imaps
    add_subscribers(store, 1)
    append(plain_port, "Bounces", corpus("postfix_5.1.1"))
    monkeypatch.setenv("SSL_CERT_FILE", cert)  # trusted as a CA by the default context
    read_trusted_then_untrusted(store, f"imaps://{USER}@127.0.0.1:{port}/Bounces", monkeypatch)


def read_trusted_then_untrusted(store, source: str, monkeypatch) -> None:
    """The bounce in `source` read while SSL_CERT_FILE trusts the server's certificate; then,
    the certificate no longer trusted, refused in words."""
    assert process_bounces(store, source, "tester", PASSWORD).read == 1
    assert store.get("reader00000@example.org").status == "bounced"
    monkeypatch.delenv("SSL_CERT_FILE")
    with pytest.raises(NewsletterError) as untrusted:
        process_bounces(store, source, "tester", PASSWORD)
    assert str(untrusted.value).startswith(
        f"cannot read {source}: [SSL: CERTIFICATE_VERIFY_FAILED]"
    )
