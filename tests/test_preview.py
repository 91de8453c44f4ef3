"""`newsletter preview`: a real local server, fetched over HTTP, reloading on changes."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from newsletter.preview import make_server, preview_path
from render_helpers import project_config


@pytest.fixture
def server(sample_project: Path, monkeypatch):
    monkeypatch.chdir(sample_project)
    config = project_config(sample_project)
    httpd = make_server(config, preview_path(config, "2013-05"), port=0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def get(url: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers["Content-Type"], response.read()


def touch_later(path: Path, text: str) -> None:
    """Rewrite a file so that its modification time surely changes."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def test_page_shows_phone_desktop_and_text_of_each_edition(server):
    kind, page = get(f"{server}/?lang=ja")
    html = page.decode()
    assert kind == "text/html; charset=utf-8"
    assert '<iframe src="/ja/email.html" width="375">' in html
    assert '<iframe src="/ja/email.html" width="660">' in html
    assert "<pre>JAPAN SCIENCE AND TECHNOLOGY NEWSLETTER" in html
    assert 'fetch("/version")' in html


def test_email_is_personalised_and_shows_local_images(server):
    _, email = get(f"{server}/en/email.html")
    assert b'src="images/banner-space.png"' in email
    assert b"unsubscribe/?preview=1" in email and b"%%NL_" not in email
    kind, image = get(f"{server}/en/images/banner-space.png")
    assert kind == "image/png" and image.startswith(b"\x89PNG")
    _, text = get(f"{server}/en/email.txt")
    assert text.decode().endswith("unsubscribe/?preview=1\n")


def test_version_changes_when_the_issue_or_a_template_changes(server, sample_project):
    version = json.loads(get(f"{server}/version")[1])["version"]
    issue = sample_project / "issues" / "2013-05.yaml"
    touch_later(issue, issue.read_text().replace("Japan Society for", "The Japan Society for"))
    changed = json.loads(get(f"{server}/version")[1])["version"]
    assert changed != version
    assert b"The Japan Society for" in get(f"{server}/en/email.html")[1]
    template = sample_project / "templates" / "partials" / "entry.mjml"
    touch_later(template, template.read_text().replace("nl-more", "nl-more nl-x"))
    assert json.loads(get(f"{server}/version")[1])["version"] != changed
    assert b"nl-more nl-x" in get(f"{server}/en/email.html")[1]


def test_mistakes_are_shown_in_the_page(server, sample_project):
    issue = sample_project / "issues" / "2013-05.yaml"
    touch_later(issue, issue.read_text().replace("date: 2013-05-31", "date: soon"))
    page = get(f"{server}/")[1].decode()
    assert '<pre class="problems">issues/2013-05.yaml:6:7: date:' in page
    with pytest.raises(urllib.error.HTTPError):
        get(f"{server}/en/email.html")


def test_unknown_path_is_not_found(server):
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        get(f"{server}/etc/passwd")
    assert excinfo.value.code == 404
