"""The whole path a reader takes, against the real `newsletter serve` in a child process, in
a real headless Chromium, with a real SMTP server and real `newsletter send` runs: subscribe
on the archive's link, confirm from the message, receive an issue, unsubscribe from its link,
and be left out of the next issue."""

from __future__ import annotations

import re
import signal
import time

import httpx
import pytest

from newsletter.config import load_config
from newsletter.subscribers import history, open_store
from tests.delivery.conftest import SECRET
from tests.delivery.smtpd import _free_port
from tests.delivery.test_commands import newsletter, run

from .conftest import click_through, link_in, text_of

pytestmark = pytest.mark.browser

READER = "reader@example.org"


def started(process, base: str) -> None:
    """Wait until the server answers /healthz (it prints its address first)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            if httpx.get(base.split("/japan-st/")[0] + "/healthz", timeout=1).text == "ok":
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("newsletter serve did not start")


def received(smtp_server, address: str, count: int):
    """The messages `address` has received, once there are `count` of them."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        messages = [m for m in _messages(smtp_server) if m["To"].addresses[0].addr_spec == address]
        if len(messages) >= count:
            return messages
        time.sleep(0.05)
    raise AssertionError(f"{address} did not receive {count} messages")


def _messages(smtp_server):
    from email import policy
    from email.parser import BytesParser

    with smtp_server.recorder.lock:
        data = [d for _, d in smtp_server.recorder.messages]
    return [BytesParser(policy=policy.default).parsebytes(d) for d in data]


def test_subscribe_confirm_receive_unsubscribe_and_be_skipped(
    browser, sample_project, database_url, smtp_server, artifacts
):
    port = _free_port()
    base = f"http://127.0.0.1:{port}/japan-st/"
    environ = {
        "NEWSLETTER_DATABASE_URL": database_url,
        "NEWSLETTER_NEWSLETTER_BASE_URL": base,
        "NEWSLETTER_DELIVERY_BACKEND": "smtp",
        "NEWSLETTER_SMTP_HOST": "127.0.0.1",
        "NEWSLETTER_SMTP_PORT": str(smtp_server.port),
        "NEWSLETTER_SMTP_SECURITY": "none",
        "NEWSLETTER_DELIVERY_RATE_PER_MINUTE": "0",
        "NEWSLETTER_SECRET_KEY": SECRET,
    }
    control = ["subscribers", "add", "control@example.org", "--consent", "express"]
    assert run(sample_project, *control, "--source", "test", environ=environ).returncode == 0
    assert run(sample_project, "archive", environ=environ).returncode == 0
    server = newsletter(sample_project, "serve", "--port", str(port), environ=environ)
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    try:
        started(server, base)
        page = context.new_page()
        page.goto(base)  # the archive, served at base_url
        click_through(page, "a.button")  # its Subscribe button
        assert page.url == base + "subscribe/?lang=en"  # the form in the page's language
        page.fill("#email", READER)
        page.fill("#name", "Reader Name")
        click_through(page)
        assert page.locator("h1").inner_text() == "Check your inbox"

        (confirmation,) = received(smtp_server, READER, 1)
        page.goto(link_in(confirmation, "subscribe/confirm/"))
        click_through(page)
        assert page.locator("h1").inner_text() == "You are subscribed"
        page.screenshot(path=artifacts / "web-end-to-end-subscribed.png")

        # --force: the test server's base_url is http://127.0.0.1, whose images check refuses
        sent = run(sample_project, "send", "2013-05", "--yes", "--force", environ=environ)
        assert sent.returncode == 0, sent.stderr
        assert "2013-05 en: 2 sent" in sent.stdout
        issue = received(smtp_server, READER, 2)[1]
        assert issue["Subject"] == "Japan Science and Technology Newsletter, May 2013"
        link = re.search(r"https?://\S+/unsubscribe/\S+", text_of(issue))[0]
        assert issue["List-Unsubscribe"] == f"<{link}>"

        page.goto(link)
        assert page.locator("h1").inner_text() == "Unsubscribe"
        click_through(page)
        assert page.locator("h1").inner_text() == "You are unsubscribed"

        later = run(sample_project, "send", "2013-02", "--yes", "--force", environ=environ)
        assert later.returncode == 0, later.stderr
        assert "2013-02 en: 1 sent" in later.stdout
        assert len(received(smtp_server, "control@example.org", 2)) == 2
        assert len(received(smtp_server, READER, 2)) == 2  # nothing more for the reader
    finally:
        context.close()
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert f"serving the subscriber pages and the archive on {base}" in err
    store = open_store(load_config(sample_project, environ))
    subscriber, changes = history(store, READER)
    store.close()
    assert subscriber.status == "unsubscribed"
    assert [c.change for c in changes] == ["added", "status"]
    assert changes[0].consent_source == "web form"
    assert changes[1].via.startswith("unsubscribe page, link of send ")
