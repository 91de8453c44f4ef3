"""Web tests: `newsletter serve`'s application on a real uvicorn server on 127.0.0.1 (in a
thread, with a clock the test can move), a store on a SQLite file and on PostgreSQL, and a
real SMTP server (aiosmtpd) receiving the confirmation messages and the issues."""

from __future__ import annotations

import datetime as dt
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import httpx
import pytest

from newsletter.config import Config, urls
from newsletter.subscribers import Store
from newsletter.web import listen, make_server
from tests.delivery.conftest import SECRET, smtp_server
from tests.delivery.smtpd import TestServer
from tests.subscribers.conftest import config, database_url, store

__all__ = ["config", "database_url", "smtp_server", "store"]

BASE_PATH = "/japan-st/"


class Clock:
    """The server's idea of now, which a test can move forward, or stop at one moment."""

    def __init__(self):
        self.offset = dt.timedelta()
        self.stopped: dt.datetime | None = None

    def __call__(self) -> dt.datetime:
        return self.stopped or dt.datetime.now(dt.UTC) + self.offset


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    sock = listen("127.0.0.1", 0)
    yield sock
    sock.close()


@pytest.fixture
def base_url(listening: socket.socket) -> str:
    return f"http://127.0.0.1:{listening.getsockname()[1]}{BASE_PATH}"


@pytest.fixture
def web_settings() -> dict[str, str]:
    """[web] settings of a test, as NEWSLETTER_WEB_* variables (a test may override it)."""
    return {}


@pytest.fixture
def environ(database_url, smtp_server: TestServer, base_url, web_settings) -> dict[str, str]:
    return {
        "NEWSLETTER_DATABASE_URL": database_url,
        "NEWSLETTER_NEWSLETTER_BASE_URL": base_url,
        "NEWSLETTER_DELIVERY_BACKEND": "smtp",
        "NEWSLETTER_SMTP_HOST": "127.0.0.1",
        "NEWSLETTER_SMTP_PORT": str(smtp_server.port),
        "NEWSLETTER_SMTP_SECURITY": "none",
        "NEWSLETTER_SMTP_TIMEOUT": "10",
        "NEWSLETTER_DELIVERY_RATE_PER_MINUTE": "0",
        "NEWSLETTER_SECRET_KEY": SECRET,
        **web_settings,
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass
class Served:
    url: str  # the public base URL, which is this server's
    config: Config
    store: Store
    clock: Clock
    smtp: TestServer

    def client(self, **options) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=20, **options)

    def messages(self) -> list[EmailMessage]:
        with self.smtp.recorder.lock:
            data = [data for _, data in self.smtp.recorder.messages]
        return [BytesParser(policy=policy.default).parsebytes(d) for d in data]


@pytest.fixture
def served(config, store, listening, clock, smtp_server) -> Iterator[Served]:
    """The application on uvicorn, listening on the socket base_url names."""
    server = make_server(config, store, listening, clock)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the web server did not start"
    yield Served(urls.root(config), config, store, clock, smtp_server)
    server.should_exit = True
    thread.join(20)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    return part.get_content() if part else ""


def link_in(message: EmailMessage, route: str) -> str:
    """The first link in the message's text that goes to `route` (e.g. `subscribe/confirm/`)."""
    match = re.search(rf"https?://\S+?/{re.escape(route)}\S+", text_of(message))
    assert match, f"no {route} link in:\n{text_of(message)}"
    return match[0]


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page)[1]


def main_text(page: str) -> str:
    """What the page's <main> says, tags and blank lines taken out."""
    main = page[page.index("<main") : page.index("</main>")]
    text = re.sub(r"<[^>]+>", " ", main)
    return " ".join(text.split())


def click_through(page, selector: str = "button[type=submit]") -> None:
    """Click a button or link that leads to another page, and wait for that page: reading
    the page straight after the click can catch the old one, or none, mid-navigation."""
    with page.expect_navigation():
        page.click(selector)
