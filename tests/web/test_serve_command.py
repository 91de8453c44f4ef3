"""`newsletter serve` as an operator runs it: what it refuses, what it warns about."""

from __future__ import annotations

import signal
import socket

from newsletter.config import load_config
from newsletter.web.server import check_can_serve
from tests.delivery.test_commands import newsletter, run
from tests.web.test_end_to_end import started


def test_serving_with_smtp_needs_the_secret_key(sample_project, tmp_path):
    environ = {
        "NEWSLETTER_DATABASE_URL": f"sqlite:///{tmp_path / 'newsletter.db'}",
        "NEWSLETTER_DELIVERY_BACKEND": "smtp",
    }
    result = run(sample_project, "serve", "--port", "0", environ=environ)
    assert result.returncode == 1
    assert result.stderr == (
        "error: set NEWSLETTER_SECRET_KEY before serving the subscriber pages: it checks the "
        "unsubscribe links, which `send` signs with the same key (make one with: python3 -c "
        '"import secrets; print(secrets.token_urlsafe(32))")\n'
    )
    short = load_config(sample_project, {**environ, "NEWSLETTER_SECRET_KEY": "short"})
    (warning,) = [w for w in check_can_serve(short) if "SECRET_KEY" in w]
    assert warning.startswith("NEWSLETTER_SECRET_KEY is 5 characters long: a key that short ")


def test_a_port_in_use_is_said_in_one_line(sample_project, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        environ = {
            "NEWSLETTER_DATABASE_URL": f"sqlite:///{tmp_path / 'newsletter.db'}",
            "NEWSLETTER_SECRET_KEY": "k",
        }
        result = run(sample_project, "serve", "--port", str(port), environ=environ)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == f"error: port {port} is in use; pass --port N"


def test_without_a_key_or_an_archive_it_warns_and_serves_the_pages(sample_project, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/japan-st/"
    environ = {
        "NEWSLETTER_DATABASE_URL": f"sqlite:///{tmp_path / 'newsletter.db'}",
        "NEWSLETTER_NEWSLETTER_BASE_URL": base,
    }
    listen = ("--host", "127.0.0.1", "--port", str(port))  # the default host, said outright
    server = newsletter(sample_project, "serve", *listen, environ=environ, cwd=sample_project)
    try:
        started(server, base)
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert err.splitlines()[:2] == [
        "warning: NEWSLETTER_SECRET_KEY is not set: links are checked with the development key, "
        "which anyone can forge; serve like this on your own machine only",
        "warning: site/ has no archive yet: run `newsletter archive`; until then only the "
        "subscriber pages are served",
    ]
    assert f"serving the subscriber pages and the archive on {base} (public " in err


def test_a_mistake_in_a_page_template_stops_serve_before_it_listens(sample_project, tmp_path):
    notice = sample_project / "templates" / "site" / "notice.html"
    notice.write_text(
        notice.read_text(encoding="utf-8").replace("{{ title }}", "{{ title }"), encoding="utf-8"
    )
    environ = {
        "NEWSLETTER_DATABASE_URL": f"sqlite:///{tmp_path / 'newsletter.db'}",
        "NEWSLETTER_SECRET_KEY": "k",
    }
    process = newsletter(
        sample_project, "serve", "--port", "0", environ=environ, cwd=sample_project
    )
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.splitlines()[-2:] == [
        "templates/site/notice.html:3: unexpected '}'",
        "1 problem in 1 file; nothing is served until it is fixed",
    ]
