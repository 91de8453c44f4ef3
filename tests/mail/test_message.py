"""The MIME message a subscriber gets: parsed back with the email package to check it."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.mail import MAX_LINE_LENGTH, Recipient, build_message, preview_message
from newsletter.render import PLACEHOLDERS, Renderer
from tests.render.helpers import project_config, read_issue


@pytest.fixture
def config(sample_project: Path):
    return project_config(sample_project)


@pytest.fixture
def rendered(config):
    return Renderer(config).render(read_issue(config.issues_dir / "2013-05.yaml", config))


ANN = Recipient("ann@example.com", 'Ann "A" <Tanaka> 田中', "https://example.org/u/tok?x=1&y=2")


def parse(message):
    return BytesParser(policy=policy.default).parsebytes(message.as_bytes())


def test_japanese_subject_and_body_round_trip(config, rendered):
    edition = rendered.edition("ja")
    raw = build_message(edition, config, ANN).as_bytes()
    assert raw.isascii()  # RFC 2047 words and base64/quoted-printable bodies
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["Subject"] == "日本科学技術ニュースレター 2013年5月号"
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    assert "日加科学技術関連の最新情報" in text.get_content()
    assert "日加科学技術関連の最新情報" in html.get_content()
    assert [part.get_content_type() for part in parsed.iter_parts()] == ["text/plain", "text/html"]


def test_headers_identify_sender_and_offer_one_click_unsubscribe(config, rendered):
    sent = dt.datetime(2013, 5, 31, 9, 0, tzinfo=dt.UTC)
    parsed = parse(build_message(rendered.edition("en"), config, ANN, date=sent))
    assert parsed["From"].addresses[0].display_name == (
        "Embassy of Japan in Canada, Science and Technology Section"
    )
    assert parsed["From"].addresses[0].addr_spec == "science@newsletter.example.org"
    assert parsed["To"].addresses[0].display_name == 'Ann "A" <Tanaka> 田中'
    assert parsed["To"].addresses[0].addr_spec == "ann@example.com"
    assert parsed["Reply-To"] == "science@newsletter.example.org"
    assert parsed["Date"] == "Fri, 31 May 2013 05:00:00 -0400"  # newsletter.timezone: Toronto
    assert parsed["Message-ID"].endswith("@newsletter.example.org>")
    assert parsed["List-Unsubscribe"] == "<https://example.org/u/tok?x=1&y=2>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["Content-Language"] == "en"


def test_placeholders_are_filled_escaped_in_html_and_plain_in_text(config, rendered):
    parsed = parse(build_message(rendered.edition("en"), config, ANN))
    html = parsed.get_body(("html",)).get_content()
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert 'href="https://example.org/u/tok?x=1&amp;y=2"' in html
    assert "Unsubscribe: https://example.org/u/tok?x=1&y=2\n" in text
    for token in PLACEHOLDERS.values():
        assert token not in html and token not in text


def test_each_message_gets_its_own_message_id(config, rendered):
    edition = rendered.edition("en")
    ids = {build_message(edition, config, ANN)["Message-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_internationalised_address_uses_smtputf8(config, rendered):
    recipient = Recipient("田中@例え.jp", "田中", "https://example.org/u/1")
    message = build_message(rendered.edition("ja"), config, recipient)
    assert message.policy.utf8
    raw = message.as_bytes()
    assert "To: 田中 <田中@例え.jp>\r\n".encode() in raw  # RFC 6532: UTF-8 headers as is
    assert "Subject: 日本科学技術ニュースレター 2013年5月号\r\n".encode() in raw


def test_preview_message_uses_the_preview_subscriber(config, rendered):
    parsed = parse(preview_message(rendered.edition("en"), config))
    toronto = dt.datetime.now(zoneinfo.ZoneInfo("America/Toronto")).utcoffset()
    assert parsed["Date"].datetime.utcoffset() == toronto
    assert parsed["To"] == "Subscriber Name <subscriber@example.org>"
    assert parsed["List-Unsubscribe"] == (
        "<https://newsletter.example.org/japan-st/unsubscribe/?preview=1>"
    )


# A one-click link as delivery makes them: a signed token of 120 characters.
LONG_UNSUBSCRIBE_URL = (
    "https://newsletter.example.org/japan-st/unsubscribe/?s=1234&t="
    + "Zm9vYmFyYmF6cXV4LWxvbmctdG9rZW4tZm9yLW9uZS1jbGljay11bnN1YnNjcmliZQ_-"[:60] * 2
)


def header_lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_long_unsubscribe_url_stays_verbatim_for_one_click(config, rendered, language):
    # RFC 8058: a mail client POSTs to the URL in <...> as it stands; the email package would
    # cut a token this long into RFC 2047 encoded words, which no client decodes there.
    assert len(LONG_UNSUBSCRIBE_URL.rpartition("t=")[2]) == 120
    jane = Recipient("jane@example.org", "Jane", LONG_UNSUBSCRIBE_URL)
    raw = build_message(rendered.edition(language), config, jane).as_bytes()
    assert f"List-Unsubscribe: <{LONG_UNSUBSCRIBE_URL}>".encode() in header_lines(raw)
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["List-Unsubscribe"] == f"<{LONG_UNSUBSCRIBE_URL}>"
    assert all(len(line) <= MAX_LINE_LENGTH for line in raw.split(b"\r\n"))


def test_long_names_and_a_long_domain_are_encoded_and_come_back_intact(sample_project):
    domain = "science-and-technology.newsletter.embassy-of-japan-in-canada.example.org"
    config = load_config(sample_project, {"NEWSLETTER_SENDER_ADDRESS": f"science@{domain}"})
    edition = Renderer(config).render(read_issue(config.issues_dir / "2013-05.yaml", config))
    name = "Jane Alexandra Catherine Montgomery-Featherstonehaugh 田中 花子 (Science Attaché)"
    jane = Recipient("jane@example.org", name, LONG_UNSUBSCRIBE_URL)
    raw = build_message(edition.edition("ja"), config, jane).as_bytes()
    assert raw.isascii()
    assert all(len(line) <= MAX_LINE_LENGTH for line in raw.split(b"\r\n"))
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["To"].addresses[0].display_name == name
    assert parsed["From"].addresses[0].display_name == "在カナダ日本国大使館 科学技術班"
    assert parsed["From"].addresses[0].addr_spec == f"science@{domain}"
    message_id = parsed["Message-ID"]
    assert message_id.startswith("<") and message_id.endswith(f"@{domain}>")
    assert f"Message-ID: {message_id}".encode() in header_lines(raw)  # one line, not encoded
