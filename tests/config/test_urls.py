"""Every public URL is made in one place: the archive's layout, messages' links, routes."""

from __future__ import annotations

import pytest

from newsletter.config import load_config, urls


@pytest.fixture
def config(sample_project):
    return load_config(sample_project, {})


BASE = "https://newsletter.example.org/japan-st/"


def test_the_default_language_is_at_the_root_and_others_under_their_code(config):
    assert urls.archive_url(config, "en") == BASE
    assert urls.archive_url(config, "ja") == BASE + "ja/"
    assert urls.web_url(config, "2013-05", "ja") == BASE + "ja/2013-05/"
    assert urls.image_url(config, "2013-05", "a.png") == BASE + "2013-05/images/a.png"


def test_a_page_path_and_its_url_agree(config):
    for language in ("en", "ja"):
        path = urls.page_path(language, "en", "2013-05")
        assert urls.url_of(config, path) == urls.web_url(config, "2013-05", language)
    assert urls.feed_path("ja", "en") == "ja/feed.xml"


@pytest.mark.parametrize("base_url", ["https://x.example.org/news", "https://x.example.org/news/"])
def test_base_url_with_or_without_a_trailing_slash(sample_project, base_url):
    config = load_config(sample_project, {"NEWSLETTER_NEWSLETTER_BASE_URL": base_url})
    assert urls.root(config) == "https://x.example.org/news/"
    assert urls.subscribe_url(config) == "https://x.example.org/news/subscribe/"


def test_unsubscribe_links_carry_the_token_escaped(config):
    assert urls.unsubscribe_url(config, "a/b c") == BASE + "unsubscribe/a%2Fb%20c"
    assert urls.preview_url(config, urls.UNSUBSCRIBE) == BASE + "unsubscribe/?preview=1"


def test_subscribe_url_can_point_at_another_form(sample_project):
    environ = {"NEWSLETTER_NEWSLETTER_SUBSCRIBE_URL": "https://forms.example.org/join"}
    assert urls.subscribe_url(load_config(sample_project, environ)) == (
        "https://forms.example.org/join"
    )
