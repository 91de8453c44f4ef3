"""What leaves the machine: every message of a send signed with the project's DKIM key (it
verifies with dkimpy against the published key) and sent from a return path that names its
send and subscriber (VERP)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from email import message_from_bytes

import dkim

from newsletter import delivery
from newsletter.config import load_config
from newsletter.issues import find_issue
from newsletter.mail import ED25519, generate_key, read_return_path, return_path
from newsletter.render import Renderer
from newsletter.subscribers import Store, open_store
from tests.delivery.conftest import add_subscribers

DOMAIN, SELECTOR = "newsletter.example.org", "test1"


def send(store: Store) -> None:
    config = store.config
    rendered = Renderer(config).render(find_issue(config, "2013-05"), ["en"])
    delivery.send_issue(
        store,
        rendered,
        delivery.transport_for(config),
        delivery.options_for(config, 2),
        threading.Event(),
        lambda state: None,
    )


def test_each_message_is_signed_and_its_return_path_names_its_subscriber(
    sample_project, environ, smtp_server
):
    key = generate_key(ED25519)
    environ |= {
        "NEWSLETTER_DKIM_DOMAIN": DOMAIN,
        "NEWSLETTER_DKIM_SELECTOR": SELECTOR,
        "NEWSLETTER_DKIM_PRIVATE_KEY": key.private_pem,
    }
    config = load_config(sample_project, environ)
    store = open_store(config)
    try:
        addresses = add_subscribers(store, 5)
        send(store)
        ids = {s.email: s.id for s in map(store.get, addresses)}
    finally:
        store.close()
    record = f"v=DKIM1; k=ed25519; p={key.public}".encode()
    messages = dict(smtp_server.recorder.messages)
    assert sorted(messages) == addresses
    for data in messages.values():
        assert dkim.verify(data, dnsfunc=lambda name, timeout=5: record)
    for mail_from, recipient in smtp_server.recorder.envelopes:
        assert mail_from.startswith("science+b") and mail_from.endswith("@" + DOMAIN)
        assert read_return_path(config, mail_from) == (1, ids[recipient])  # the first send
        assert message_from_bytes(messages[recipient])["To"].endswith(f"<{recipient}>")


def test_verp_off_sends_from_the_configured_return_path(sample_project, environ, smtp_server):
    environ |= {
        "NEWSLETTER_BOUNCES_VERP": "false",
        "NEWSLETTER_BOUNCES_RETURN_PATH": "bounces@newsletter.example.org",
    }
    store = open_store(load_config(sample_project, environ))
    try:
        add_subscribers(store, 2)
        send(store)
    finally:
        store.close()
    assert {m for m, _ in smtp_server.recorder.envelopes} == {"bounces@newsletter.example.org"}
    assert all(b"DKIM-Signature" not in data for _, data in smtp_server.recorder.messages)


def test_a_forged_or_foreign_return_path_names_nobody(sample_project):
    config = load_config(sample_project, {"NEWSLETTER_SECRET_KEY": "k"})
    made = return_path(config, 12, 345)
    assert read_return_path(config, made) == (12, 345)
    assert read_return_path(config, made.upper()) == (12, 345)  # a server changed its case
    assert read_return_path(config, made.replace("b12-345", "b12-346")) is None
    assert read_return_path(config, "someone+b12-345-aaaaaaaaaa@newsletter.example.org") is None
    other_key = load_config(sample_project, {"NEWSLETTER_SECRET_KEY": "other"})
    assert read_return_path(other_key, made) is None


def test_a_return_path_is_the_same_as_the_messages_already_sent_carry(sample_project):
    """Bounces of earlier sends come back for weeks: the address must not change."""
    config = load_config(sample_project, {"NEWSLETTER_SECRET_KEY": "k"})
    key = b"newsletter.verp:k"
    digest = hmac.new(key, b"12-345", hashlib.sha256).digest()
    mac = base64.b32encode(digest).decode("ascii").lower()[:10]  # as it was first written
    local, _, domain = config.settings.sender.address.rpartition("@")
    assert return_path(config, 12, 345) == f"{local}+b12-345-{mac}@{domain}"
