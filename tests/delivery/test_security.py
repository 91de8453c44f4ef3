"""SMTP with STARTTLS or TLS, certificates verified, and a login with the password from the
environment."""

from __future__ import annotations

import ssl

import pytest

from newsletter.config import load_config
from newsletter.core import NewsletterError
from newsletter.delivery import transport_for
from newsletter.subscribers import open_store

from .conftest import add_subscribers
from .smtpd import SecureServer, TestServer, self_signed_certificate
from .test_send import run_send

PASSWORD = "s3cret-from-the-environment"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_verified_secure_connection_with_a_login(sample_project, environ, certificate, security):
    cert, key = certificate
    server = SecureServer(cert, key, implicit=security == "tls", password=PASSWORD).start()
    try:
        config = load_config(
            sample_project,
            {
                **environ,
                "NEWSLETTER_SMTP_PORT": str(server.port),
                "NEWSLETTER_SMTP_SECURITY": security,
                "NEWSLETTER_SMTP_CA_FILE": cert,
                "NEWSLETTER_SMTP_USERNAME": "newsletter",
                "NEWSLETTER_SMTP_PASSWORD": PASSWORD,
            },
        )
        store = open_store(config)
        addresses = add_subscribers(store, 3)
        report, _ = run_send(store, ["en"])
        assert report.counts["en"] == {"sent": 3}
        assert sorted(server.received()) == addresses
    finally:
        server.stop()


def test_a_certificate_nobody_vouches_for_is_refused_and_nothing_is_sent(
    sample_project, environ, certificate
):
    cert, key = certificate
    server = SecureServer(cert, key, implicit=False, password=PASSWORD).start()
    try:
        config = load_config(
            sample_project,
            {
                **environ,
                "NEWSLETTER_SMTP_PORT": str(server.port),
                "NEWSLETTER_SMTP_SECURITY": "starttls",
            },
        )
        store = open_store(config)
        add_subscribers(store, 2)
        with pytest.raises(NewsletterError) as error:
            run_send(store, ["en"])
        assert "127.0.0.1's certificate cannot be trusted" in str(error.value)
        assert "set smtp.ca_file" in str(error.value)
        assert server.received() == {}
    finally:
        server.stop()


def test_a_wrong_password_is_refused_with_where_to_set_it(sample_project, environ, certificate):
    cert, key = certificate
    server = SecureServer(cert, key, implicit=False, password=PASSWORD).start()
    try:
        config = load_config(
            sample_project,
            {
                **environ,
                "NEWSLETTER_SMTP_PORT": str(server.port),
                "NEWSLETTER_SMTP_SECURITY": "starttls",
                "NEWSLETTER_SMTP_CA_FILE": cert,
                "NEWSLETTER_SMTP_USERNAME": "newsletter",
                "NEWSLETTER_SMTP_PASSWORD": "wrong",
            },
        )
        store = open_store(config)
        add_subscribers(store, 1)
        with pytest.raises(NewsletterError) as error:
            run_send(store, ["en"])
        assert "refused the login of newsletter" in str(error.value)
        assert "NEWSLETTER_SMTP_PASSWORD" in str(error.value)
    finally:
        server.stop()


class _LedgerDown:
    """A hand-over the ledger cannot record."""

    def wait(self) -> None:
        raise RuntimeError("the ledger is down")

    def then(self, end, abandon) -> None:
        abandon()

    def check(self) -> None:
        raise RuntimeError("the ledger is down")


@pytest.mark.parametrize("security", ["none", "starttls"])
def test_a_message_the_ledger_cannot_record_is_dropped_and_the_connection_let_go(
    certificate, security
):
    """No final dot: the server keeps nothing; and closing does not wait out the timeout
    for a reply to a QUIT the server would read as part of the message."""
    import time

    from newsletter.delivery.transports import Envelope
    from newsletter.delivery.transports.smtp import SmtpServer, SmtpTransport

    cert, key = certificate
    if security == "none":  # the secure server asks for STARTTLS first
        server = TestServer().start()
    else:
        server = SecureServer(cert, key, implicit=False, password=PASSWORD).start()
    try:
        smtp = SmtpServer("127.0.0.1", server.port, security, ca_file=cert, timeout=20)
        connection = SmtpTransport(smtp).connect()
        message = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\n\r\nbody\r\n"
        with pytest.raises(RuntimeError, match="ledger is down"):
            connection.send(Envelope("a@example.org", "b@example.org"), message, "x", _LedgerDown())
        started = time.monotonic()
        connection.close()
        assert time.monotonic() - started < 5
        time.sleep(0.2)
        assert not server.received()
    finally:
        server.stop()


def test_a_certificate_authority_file_that_is_not_there_stops_the_send_before_it_starts(
    sample_project, environ
):
    """Named as the settings name it, and taken relative to the project, as the outbox is."""
    (sample_project / "ca.pem").write_text("not a certificate\n")
    settings = {**environ, "NEWSLETTER_SMTP_SECURITY": "starttls"}
    missing = load_config(sample_project, {**settings, "NEWSLETTER_SMTP_CA_FILE": "nope.pem"})
    with pytest.raises(NewsletterError) as error:
        transport_for(missing)
    assert str(error.value) == (
        f"smtp.ca_file: cannot use {sample_project / 'nope.pem'} as a certificate authority: "
        "No such file or directory"
    )
    garbled = load_config(sample_project, {**settings, "NEWSLETTER_SMTP_CA_FILE": "ca.pem"})
    with pytest.raises(NewsletterError, match=r"^smtp.ca_file: cannot use .*ca.pem as a c"):
        transport_for(garbled)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_the_connections_of_a_send_share_one_verifying_tls_context(certificate, security):
    """Making a context reads every certificate authority the system trusts (24 ms); a send
    renews its connections every thousand messages, so it is made once."""
    from newsletter.delivery.transports.smtp import SmtpServer, SmtpTransport

    cert, key = certificate
    server = SecureServer(cert, key, implicit=security == "tls", password=PASSWORD).start()
    try:
        smtp = SmtpServer("127.0.0.1", server.port, security, ca_file=cert, timeout=20)
        transport = SmtpTransport(smtp)
        first, second = transport.connect(), transport.connect()
        contexts = {id(connection.smtp.sock.context) for connection in (first, second)}
        assert len(contexts) == 1
        assert first.smtp.sock.context.verify_mode == ssl.CERT_REQUIRED
        assert first.smtp.sock.context.check_hostname
        first.close()
        second.close()
    finally:
        server.stop()
