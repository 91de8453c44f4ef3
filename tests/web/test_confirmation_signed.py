"""The confirmation message is signed (DKIM) like every message the project sends: it is the
one a new reader must find in their inbox, not in spam."""

from __future__ import annotations

import pytest

from newsletter.mail import ED25519, generate_key
from tests.mail.test_dkim import DOMAIN, SELECTOR, txt, verifies

from .test_subscribe import ask

KEY = generate_key(ED25519)


@pytest.fixture
def web_settings() -> dict[str, str]:
    return {
        "NEWSLETTER_DKIM_DOMAIN": DOMAIN,
        "NEWSLETTER_DKIM_SELECTOR": SELECTOR,
        "NEWSLETTER_DKIM_PRIVATE_KEY": KEY.private_pem,
    }


def test_the_confirmation_message_is_dkim_signed(served):
    with served.client() as client:
        assert ask(client, "ada@example.org", "Ada Lovelace").status_code == 200
    with served.smtp.recorder.lock:
        ((recipient, data),) = served.smtp.recorder.messages
    assert recipient == "ada@example.org"
    assert data.startswith(b"DKIM-Signature: v=1; a=ed25519-sha256;")
    assert verifies(data, txt(KEY))
