"""DKIM: a message signed on delivery's fast path verifies with dkimpy against the published
key, for Ed25519 and RSA-2048; changing the body or List-Unsubscribe, or adding a second
From, breaks the signature."""

from __future__ import annotations

import dataclasses
import gc
import re

import dkim
import pytest

from newsletter.config import load_config
from newsletter.issues import find_issue
from newsletter.mail import (
    ED25519,
    RSA,
    DkimKeyError,
    DkimSigner,
    PreparedMessage,
    Recipient,
    body_hash,
    generate_key,
    signer_for,
)
from newsletter.render import PLACEHOLDERS, Renderer
from tests.conftest import REPO

DOMAIN, SELECTOR = "newsletter.example.org", "news2027"


@pytest.fixture(scope="module")
def messages() -> dict[str, bytes]:
    """A recipient's filled message of each edition of the May 2013 sample issue."""
    config = load_config(REPO, {})
    rendered = Renderer(config).render(find_issue(config, "2013-05"))
    recipient = Recipient("reader@example.org", "Réka Reader", "https://x.example/u/abc")
    return {
        language: PreparedMessage.from_edition(edition, config).fill(recipient, "<1.2@x>")
        for language, edition in rendered.editions.items()
    }


@pytest.fixture(scope="module", params=[ED25519, RSA])
def key(request):
    return generate_key(request.param)


def verifies(message: bytes, record: str) -> bool:
    """dkimpy's verify, the DNS lookup answered with `record`."""

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode()
        return record.encode()

    return dkim.verify(message, dnsfunc=dns)


def txt(key) -> str:
    return f"v=DKIM1; k={key.algorithm}; p={key.public}"


def test_signed_messages_verify_with_dkimpy_against_the_published_key(messages, key):
    signer = DkimSigner(DOMAIN, SELECTOR, key.private_pem)
    for message in messages.values():
        assert verifies(signer.sign(message), txt(key))


def test_the_signature_covers_list_unsubscribe_and_its_one_click_header(messages, key):
    signed = DkimSigner(DOMAIN, SELECTOR, key.private_pem).sign(messages["en"])
    header = signed.split(b"\r\n\r\n", 1)[0].decode()
    h = header.split(" h=", 1)[1].split(";", 1)[0]
    assert "List-Unsubscribe:List-Unsubscribe-Post" in h
    assert f"a={key.algorithm}-sha256; c=relaxed/relaxed; d={DOMAIN};" in header


def test_a_changed_body_list_unsubscribe_or_added_from_breaks_the_signature(messages, key):
    signed = DkimSigner(DOMAIN, SELECTOR, key.private_pem).sign(messages["en"])
    changed_body = signed.replace(b"Sussex Drive", b"Sussex Drlve")
    changed_link = signed.replace(
        b"List-Unsubscribe: <https://x.example/u/abc>",
        b"List-Unsubscribe: <https://evil.example/u>",
    )
    added_from = signed.replace(b"\r\nFrom: ", b"\r\nFrom: Someone <a@evil.example>\r\nFrom: ", 1)
    for altered in (changed_body, changed_link, added_from):
        assert altered != signed
        assert not verifies(altered, txt(key))


def test_white_space_a_relaxed_verifier_ignores_keeps_the_signature(messages, key):
    signed = DkimSigner(DOMAIN, SELECTOR, key.private_pem).sign(messages["en"])
    refolded = signed.replace(b"\r\nSubject: ", b"\r\nSubject:   ", 1) + b"\r\n\r\n"
    assert verifies(refolded, txt(key))


def test_the_dns_record_splits_a_long_rsa_key_into_strings_of_255():
    key = generate_key(RSA)
    record = key.dns_record(SELECTOR, DOMAIN)
    assert record.startswith(f'{SELECTOR}._domainkey.{DOMAIN}. IN TXT ( "v=DKIM1; k=rsa; p=')
    strings = re.findall(r'"([^"]*)"', record)
    assert len(strings) == 2 and all(len(s) <= 255 for s in strings)
    assert "".join(strings) == txt(key)


def test_signer_for_signs_only_with_domain_selector_and_key(tmp_path):
    from tests.conftest import copy_sample_project

    project = copy_sample_project(tmp_path / "p")
    key = generate_key(ED25519)
    environ = {"NEWSLETTER_DKIM_DOMAIN": DOMAIN, "NEWSLETTER_DKIM_SELECTOR": SELECTOR}
    assert signer_for(load_config(project, environ)) is None
    signer = signer_for(
        load_config(project, {**environ, "NEWSLETTER_DKIM_PRIVATE_KEY": key.private_pem})
    )
    assert signer is not None and signer.algorithm == ED25519


def test_a_key_that_is_not_pem_is_refused_in_words():
    with pytest.raises(DkimKeyError, match=r"^it is not a PEM private key without a password"):
        DkimSigner(DOMAIN, SELECTOR, "not a key")


def test_keygen_writes_a_private_key_only_its_owner_reads_and_prints_the_record(tmp_path):
    from click.testing import CliRunner

    from newsletter.cli import cli
    from tests.conftest import copy_sample_project

    project = copy_sample_project(tmp_path / "p")
    out = tmp_path / "key.pem"
    args = [
        "-p",
        str(project),
        "dkim",
        "keygen",
        "--algorithm",
        "ed25519",
        "--selector",
        "s1",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    record = next(line for line in result.output.splitlines() if "._domainkey." in line)
    assert record.startswith(
        's1._domainkey.newsletter.example.org. IN TXT ( "v=DKIM1; k=ed25519; p='
    )
    published = "".join(re.findall(r'"([^"]*)"', record))
    signer = DkimSigner("newsletter.example.org", "s1", out.read_text())
    message = b"From: a@newsletter.example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nHello\r\n"

    def dns(name: bytes, timeout: int = 5) -> bytes:
        return published.encode()

    assert dkim.verify(signer.sign(message), dnsfunc=dns)
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1
    assert again.output == f"error: {out} exists: choose another --out, or another --selector\n"


def test_a_message_to_an_internationalised_address_verifies(key):
    config = load_config(REPO, {})
    edition = Renderer(config).render(find_issue(config, "2013-05"), ["ja"]).edition("ja")
    recipient = Recipient("rené@exämple.ca", "日本 太郎", "https://x.example/u/abc")
    message = PreparedMessage.from_edition(edition, config).fill(recipient, "<1.3@x>")
    assert "rené@exämple.ca".encode() in message  # SMTPUTF8: the address as UTF-8
    signed = DkimSigner(DOMAIN, SELECTOR, key.private_pem).sign(message)
    assert verifies(signed, txt(key))


@pytest.fixture(scope="module")
def greeting_editions():
    """Both editions with the reader's name in the text and the HTML, as a theme may put it."""
    config = load_config(REPO, {})
    rendered = Renderer(config).render(find_issue(config, "2013-05"))
    name = PLACEHOLDERS["name"]
    return config, [
        dataclasses.replace(
            edition,
            text=f"Dear {name},\n\n{edition.text}",
            email_html=edition.email_html.replace("<body", f"<p>Dear {name},</p><body", 1),
        )
        for edition in rendered.editions.values()
    ]


@pytest.mark.parametrize(
    "name", ["Jane Doe", "Ann  Double", "Tab\tName", " Leading", "Trailing ", "日本  太郎", ""]
)
def test_the_body_hash_of_a_filled_message_is_the_relaxed_one_whatever_the_name(
    greeting_editions, name, key
):
    """Delivery's messages hash a body from pieces canonicalised once per edition; a name
    whose white space canonicalisation changes takes the whole body's way."""
    config, editions = greeting_editions
    signer = DkimSigner(DOMAIN, SELECTOR, key.private_pem)
    for edition in editions:
        prepared = PreparedMessage.from_edition(edition, config)
        filled = prepared.fill_parts(Recipient("r@example.org", name, "https://x/u/a"), "<1@x>")
        assert filled.relaxed_body_hash() == body_hash(filled.body)
        signed = signer.sign_parts(filled.head, filled.body, filled.relaxed_body_hash())
        assert signed.endswith(bytes(filled))
        assert verifies(signed, txt(key)), (edition.language, name)


def test_a_plain_name_takes_the_short_way_and_white_space_the_whole_body(greeting_editions):
    config, editions = greeting_editions
    for edition in editions:
        prepared = PreparedMessage.from_edition(edition, config)
        for name, short in [("Jane Doe", True), ("Ann  Double", False), ("Tab\tName", False)]:
            recipient = Recipient("r@example.org", name, "https://x/u/a")
            filled = prepared.fill_parts(recipient, "<1@x>")
            assert (prepared.body_hash_of(filled.pieces) is not None) is short, name


def test_the_messages_of_an_edition_are_signed_by_one_plan_and_each_verifies(
    greeting_editions, key
):
    """Which fields are signed is worked out once for the messages filled from one prepared
    message (as delivery signs them); each recipient's signature still verifies."""
    config, editions = greeting_editions
    signer = DkimSigner(DOMAIN, SELECTOR, key.private_pem)
    kept = []  # a plan is forgotten with its prepared message
    for edition in editions:
        prepared = PreparedMessage.from_edition(edition, config)
        kept.append(prepared)
        for n, name in enumerate(["Jane Doe", "Ann  Double", "日本 太郎"]):
            filled = prepared.fill_parts(
                Recipient(f"r{n}@example.org", name, f"https://x/{n}"), "<1@x>"
            )
            signed = signer.sign_parts(
                filled.head,
                filled.body,
                filled.relaxed_body_hash(),
                fields=filled.fields,
                form=prepared,
            )
            assert signed == signer.sign_parts(filled.head, filled.body, now=_time_of(signed))
            assert verifies(signed, txt(key)), (edition.language, name)
    assert len(signer._plans) == len(kept) == len(editions)
    del prepared, filled
    kept.clear()
    gc.collect()
    assert not signer._plans


def _time_of(signed: bytes) -> int:
    return int(re.search(rb" t=(\d+);", signed).group(1))
