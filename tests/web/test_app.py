"""What `serve` answers besides the pages' forms: the archive, /healthz, the stylesheet; and
the small rules the pages use (the browser's language, the masked address)."""

from __future__ import annotations

import re

import pytest

from newsletter.archive import build_archive
from newsletter.web import accepted_language, mask

from .conftest import main_text


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'newsletter.db'}"


def test_the_archive_is_served_at_base_url_and_the_root_leads_there(config, served):
    build_archive(config, config.project_dir / "site")
    with served.client(follow_redirects=False) as client:
        index = client.get("")
        japanese = client.get("ja/2013-05/")
        root = client.get(served.url.split("/japan-st/")[0] + "/")
        style = client.get("subscribe/style.css")
    assert index.status_code == 200 and "Past issues" in index.text
    assert japanese.status_code == 200 and 'lang="ja"' in japanese.text
    assert (root.status_code, root.headers["location"]) == (307, "/japan-st/")
    assert style.headers["content-type"].startswith("text/css")
    assert ".page {" in style.text and ".site-header {" in style.text


def frame(page: str) -> tuple[str, str]:
    """The page's site header (masthead, language switch) and footer, without their links'
    targets: the archive's are relative, the subscriber pages' absolute."""
    parts = (page[page.index("<header") : page.index("<main")], page[page.index("</main>") :])
    return tuple(re.sub(r' href="[^"]*"', "", part) for part in parts)


@pytest.mark.parametrize(("archive", "language"), [("", "en"), ("ja/", "ja")])
def test_the_subscribe_page_wears_the_archives_masthead_and_language_switch(
    config, served, archive, language
):
    build_archive(config, config.project_dir / "site")
    with served.client() as client:
        index = client.get(archive).text
        page = client.get(f"subscribe/?lang={language}").text
    assert '<header class="site-header">' in page
    assert frame(page) == frame(index)
    assert f'<a class="site-name" href="{served.url}{archive}">' in page  # to the archive
    other = "ja" if language == "en" else "en"
    assert f'<a href="?lang={other}" lang="{other}" hreflang="{other}">' in page  # this page
    assert f'<span aria-current="page" lang="{language}">' in page


@pytest.mark.parametrize("web_settings", [{"NEWSLETTER_WEB_SERVE_ARCHIVE": "false"}])
def test_with_the_archive_elsewhere_only_the_pages_are_served(config, served):
    build_archive(config, config.project_dir / "site")
    with served.client() as client:
        assert client.get("").status_code == 404
        assert client.get("subscribe/").status_code == 200


def test_pages_never_leak_their_personal_url(served):
    with served.client() as client:
        headers = client.get("subscribe/").headers
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_healthz_says_when_the_database_is_gone(served, tmp_path):
    served.store.engine.dispose()
    (tmp_path / "newsletter.db").unlink()
    (tmp_path / "newsletter.db").mkdir()  # no longer a database file
    with served.client() as client:
        answer = client.get(served.url.split("/japan-st/")[0] + "/healthz")
    assert answer.status_code == 503
    assert answer.text.startswith("database unavailable: ")


def test_a_japanese_browser_gets_japanese_pages(served):
    with served.client(headers={"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.8"}) as client:
        assert main_text(client.get("subscribe/").text).startswith(
            "日本科学技術ニュースレターの購読"
        )
        assert main_text(client.get("subscribe/?lang=en").text).startswith("Subscribe to")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ja-JP,ja;q=0.9,en;q=0.8", "ja"),
        ("fr-CA, en;q=0.5, ja;q=0.7", "ja"),
        ("en-GB", "en"),
        ("de, *;q=0.1", "en"),
        ("ja;q=0", "en"),
        ("", "en"),
        ("ja;q=abc, en", "en"),
    ],
)
def test_the_browsers_language_by_quality(header, expected):
    assert accepted_language(header, ["en", "ja"]) == expected


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("ada@example.org", "a***@e***.org"),
        ("x@mail.example.co.jp", "x***@m***.jp"),
        ("y@localhost", "y***@l***"),
    ],
)
def test_a_masked_address(email, masked):
    assert mask(email) == masked
