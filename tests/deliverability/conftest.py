"""Deliverability tests: a copy of the sample project; a local web server whose paths answer
as live, dead, slow or HEAD-refusing links do; stores on SQLite and PostgreSQL and a real SMTP
server, as delivery's tests have them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.delivery.conftest import environ
from tests.delivery.smtpd import Recorder, TestServer
from tests.subscribers.conftest import config, database_url, store

# environ: delivery's, pointing the project at the smtp_server below.
__all__ = ["config", "database_url", "environ", "store"]

SLOW_SECONDS = 3.0


class LinkHandler(BaseHTTPRequestHandler):
    """/gone answers 404, /no-head refuses HEAD (405) but answers GET, /moved redirects to
    /ok, /slow answers after SLOW_SECONDS; every other path answers 200."""

    def do_HEAD(self) -> None:
        if self.path.startswith("/no-head"):
            self._answer(405)
        else:
            self._route()

    def do_GET(self) -> None:
        self._route()

    def _route(self) -> None:
        if self.path.startswith("/gone"):
            self._answer(404)
        elif self.path.startswith("/moved"):
            self.send_response(301)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path.startswith("/slow"):
            time.sleep(SLOW_SECONDS)
            self._answer(200)
        elif self.path.startswith("/site/"):
            self._answer(404)  # the archive is not published yet
        else:
            self._answer(200)

    def _answer(self, code: int) -> None:
        self.server.asked.append((self.command, self.path))
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def link_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), LinkHandler)
    server.daemon_threads = True
    server.asked = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def project(sample_project: Path, monkeypatch) -> Path:
    monkeypatch.chdir(sample_project)  # findings name files as the editor types them
    return sample_project


# Delivery against a real SMTP server (aiosmtpd), on SQLite and PostgreSQL as delivery's own
# tests do; the server also keeps each message's envelope sender (MAIL FROM).


class EnvelopeRecorder(Recorder):
    def __init__(self, faults):
        super().__init__(faults)
        self.envelopes: list[tuple[str, str]] = []  # (MAIL FROM, RCPT TO)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append((envelope.mail_from, envelope.rcpt_tos[0]))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp_server() -> Iterator[TestServer]:
    server = TestServer()
    server.recorder = EnvelopeRecorder(server.faults)
    server.start()
    yield server
    server.stop()
