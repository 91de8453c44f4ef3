"""A prepared message filled for a recipient is the message build_message makes for them."""

from __future__ import annotations

import datetime as dt
import random
import re
from email import policy
from email.parser import BytesParser

import pytest

from newsletter.mail import MAX_LINE_LENGTH, PreparedMessage, Recipient, build_message
from newsletter.render import Renderer
from tests.render.helpers import project_config, read_issue

DATE = dt.datetime(2013, 5, 15, 13, 0, tzinfo=dt.UTC)
LONG_TOKEN = "Zm9vYmFyYmF6cXV4LXRva2Vu" * 12


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    import shutil

    from tests.conftest import PROJECT_PARTS, REPO

    project = tmp_path_factory.mktemp("project")
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, project / part)
        elif source.is_file():
            shutil.copy2(source, project / part)
    config = project_config(project)
    issue = read_issue(project / "issues" / "2013-05.yaml", config)
    return config, Renderer(config).render(issue).editions


RECIPIENTS = [
    Recipient("jane@example.org", "Jane Doe", "https://n.example.org/unsubscribe/abc"),
    Recipient("ana@example.org", "", "https://n.example.org/unsubscribe/a=b&c"),
    Recipient("doe@example.org", 'Doe, "Jim" \\ Jr.', f"https://n.example.org/u/{LONG_TOKEN}"),
    Recipient("taro@example.jp", "山田 太郎", "https://n.example.org/u/x"),
    Recipient("rl@example.ca", "René Lévesque-Ōno " * 4, "https://n.example.org/u/y"),
    Recipient("rené@exämple.ca", "René", "https://n.example.org/u/z"),
    Recipient("x@example.org", "A very long plain name " * 6, "https://n.example.org/u/w"),
    Recipient("y@example.org", "<b>&amp;</b> =3D =", "https://n.example.org/u/" + "A" * 700),
]


def parsed(data: bytes):
    return BytesParser(policy=policy.strict).parsebytes(data)


def seen(message) -> dict:
    """What a mail program shows: each header's value, and each part's decoded text."""

    def headers(part):
        shown = []
        for name, value in part.items():
            text = str(value)
            if name.lower() == "content-type":
                text = re.sub(r'boundary="[^"]*"', "", text)
            # Python keeps the space between two encoded words of a long name, which RFC 2047
            # says to drop (build_message writes a name raw when SMTPUTF8 is needed).
            shown.append((name, text.replace(" ", "") if name in ("To", "From") else text))
        return shown

    return {
        "headers": headers(message),
        "parts": [(headers(part), part.get_content()) for part in message.iter_parts()],
    }


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("recipient", RECIPIENTS, ids=lambda r: r.email)
def test_a_filled_message_is_what_build_message_makes(editions, language, recipient):
    config, rendered = editions
    edition = rendered[language]
    prepared = PreparedMessage.from_edition(edition, config)
    message_id = "<7.42.1368622800@example.org>"
    filled = prepared.fill(recipient, message_id, prepared.date(DATE))
    expected = build_message(edition, config, recipient, date=DATE, message_id=message_id)
    assert seen(parsed(filled)) == seen(parsed(expected.as_bytes()))
    assert parsed(filled).defects == []
    lines = filled.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(map(len, lines)) <= MAX_LINE_LENGTH


@pytest.mark.parametrize("language", ["en", "ja"])
def test_any_name_and_link_fill_correctly(editions, language):
    """Names and links of every length and alphabet, so that every base64 alignment and
    every quoted-printable escape is met."""
    config, rendered = editions
    edition = rendered[language]
    prepared = PreparedMessage.from_edition(edition, config)
    rng = random.Random(7)
    alphabet = "abcdefgh =&?/%é山田<>\"'."
    for number in range(60):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40))).strip()
        link = "https://n.example.org/u/" + "".join(
            rng.choice("abc=&%-_") for _ in range(rng.randrange(0, 200))
        )
        recipient = Recipient(f"p{number}@example.org", " ".join(name.split()), link)
        message_id = f"<{number}@example.org>"
        filled = prepared.fill(recipient, message_id, prepared.date(DATE))
        expected = build_message(edition, config, recipient, date=DATE, message_id=message_id)
        assert seen(parsed(filled)) == seen(parsed(expected.as_bytes())), (number, name, link)


def test_a_test_send_marks_the_subject(editions):
    config, rendered = editions
    prepared = PreparedMessage.from_edition(rendered["en"], config, subject_prefix="[TEST] ")
    filled = parsed(prepared.fill(RECIPIENTS[0], "<1@example.org>"))
    assert filled["Subject"].startswith("[TEST] ")


def test_list_unsubscribe_offers_the_address_where_one_is_configured(editions, monkeypatch):
    config, rendered = editions
    monkeypatch.setattr(config.settings.sender, "unsubscribe_address", "leave@example.org")
    prepared = PreparedMessage.from_edition(rendered["en"], config)
    header = parsed(prepared.fill(RECIPIENTS[0], "<1@example.org>"))["List-Unsubscribe"]
    assert header == (
        "<https://n.example.org/unsubscribe/abc>, <mailto:leave@example.org?subject=unsubscribe>"
    )


@pytest.mark.parametrize("language", ["en", "ja"])
def test_no_line_starts_with_a_dot_so_smtp_need_not_stuff_any(editions, language):
    """The theme's CSS has lines starting with a dot, and long links full of dots are wrapped
    by quoted-printable so that some lines would: each is written =2E instead."""
    config, rendered = editions
    edition = rendered[language]
    assert "\n." in edition.email_html
    prepared = PreparedMessage.from_edition(edition, config)
    rng = random.Random(11)
    for number in range(200):
        link = "https://n.example.org/u/" + "".join(
            rng.choice("a.b.") for _ in range(rng.randrange(0, 300))
        )
        recipient = Recipient(f"p{number}@example.org", ".Reader", link, link + "/p")
        message_id = f"<{number}@example.org>"
        filled = prepared.fill_parts(recipient, message_id, prepared.date(DATE))
        lines = bytes(filled).split(b"\r\n")
        assert filled.dot_free and not any(line.startswith(b".") for line in lines), link
        assert max(map(len, filled.body.split(b"\r\n"))) <= 76  # quoted-printable's limit
        expected = build_message(edition, config, recipient, date=DATE, message_id=message_id)
        assert seen(parsed(bytes(filled))) == seen(parsed(expected.as_bytes())), link
