"""`newsletter preview`: a real local server, fetched over HTTP, reloading on changes."""

from __future__ import annotations

import json
import os
import socket
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.core import NewsletterError
from newsletter.preview import make_server, preview_path
from tests.render.helpers import project_config


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
    assert "<pre>日本科学技術ニュースレター\n2013年5月号" in html
    assert 'fetch("/version")' in html


def test_email_is_personalised_and_shows_local_images(server):
    _, email = get(f"{server}/en/email.html")
    assert b'src="images/banner-space.png"' in email
    assert b"unsubscribe/?preview=1" in email and b"%%NL_" not in email
    kind, image = get(f"{server}/en/images/banner-space.png")
    assert kind == "image/png" and image.startswith(b"\x89PNG")
    _, text = get(f"{server}/en/email.txt")
    assert text.decode().endswith(
        "unsubscribe/?preview=1\nPreferences: https://newsletter.example.org/japan-st/preferences/?preview=1\n"
    )


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


def test_header_names_the_issue_as_the_user_types_it(server):
    page = get(f"{server}/")[1].decode()
    assert "<title>Preview: issues/2013-05.yaml</title>" in page
    assert "Preview of issues/2013-05.yaml &middot; edition:" in page


def test_an_edition_the_project_does_not_have_is_said_so(server):
    page = get(f"{server}/?lang=fr")[1].decode()
    assert (
        "<p class=\"problems\">There is no 'fr' edition: the languages in newsletter.toml"
        " are en, ja.</p>"
    ) in page
    assert '<a href="/?lang=en">en</a> <a href="/?lang=ja">ja</a>' in page
    assert "<iframe" not in page


@pytest.fixture
def busy_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_a_port_in_use_is_refused_with_what_to_do(sample_project, monkeypatch, busy_port):
    monkeypatch.chdir(sample_project)
    config = project_config(sample_project)
    with pytest.raises(NewsletterError) as excinfo:
        make_server(config, preview_path(config, "2013-05"), busy_port)
    assert str(excinfo.value) == f"port {busy_port} is in use; pass --port N"
    result = CliRunner().invoke(cli, ["preview", "--port", str(busy_port)])
    assert result.exit_code == 1
    assert result.output == f"error: port {busy_port} is in use; pass --port N\n"


def test_a_port_out_of_range_is_refused_by_the_option(sample_project, monkeypatch):
    monkeypatch.chdir(sample_project)
    result = CliRunner().invoke(cli, ["preview", "--port", "99999"])
    assert result.exit_code == 2
    assert "Invalid value for '--port': 99999 is not in the range 0<=x<=65535." in result.output


def test_an_unknown_issue_is_refused_as_build_refuses_it(sample_project, monkeypatch):
    monkeypatch.chdir(sample_project)
    preview = CliRunner().invoke(cli, ["preview", "nosuch"])
    build = CliRunner().invoke(cli, ["build", "nosuch"])
    assert preview.exit_code == build.exit_code == 1
    assert preview.output == build.output
    assert preview.output.startswith("error: no issue 'nosuch': ")


def test_an_issue_with_mistakes_is_still_previewed(sample_project, monkeypatch):
    issue = sample_project / "issues" / "2013-05.yaml"
    issue.write_text(issue.read_text().replace("date: 2013-05-31", "date: soon"))
    config = project_config(sample_project)
    assert preview_path(config, "2013-05") == issue


@pytest.mark.browser
@pytest.mark.parametrize("width", [1000, 1400, 1920])
def test_page_never_scrolls_sideways(browser, artifacts, server, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{server}/?lang=ja")
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    text = page.locator("pre").bounding_box()
    assert text["x"] + text["width"] <= width
    page.screenshot(path=str(artifacts / f"preview-2013-05-ja-{width}.png"))
    page.close()
