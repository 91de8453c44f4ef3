"""SMTP with STARTTLS or TLS, certificates verified, and a login with the password from the
environment."""

from __future__ import annotations

import pytest

from newsletter.config import load_config
from newsletter.core import NewsletterError
from newsletter.subscribers import open_store

from .conftest import add_subscribers
from .smtpd import SecureServer, self_signed_certificate
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
