"""Every subscriber page as a reader meets it, in a real headless Chromium: axe-core finds no
accessibility violation in light and dark mode, in English and Japanese, and nothing scrolls
sideways on a phone. Screenshots of each page go to build/test-artifacts/ (web-*.png)."""

from __future__ import annotations

import re

import pytest

from newsletter.config import urls
from newsletter.delivery import UNSUBSCRIBE, Personal, Signer
from newsletter.subscribers import find_by_id
from tests.archive.test_archive_browser import AXE
from tests.delivery.conftest import SECRET

from .conftest import click_through, link_in

pytestmark = pytest.mark.browser
LOCALES = {"en": "en-CA", "ja": "ja-JP"}
PAGES = [
    "subscribe", "subscribe-error", "check-inbox", "form-expired", "unavailable", "too-many",
    "confirm", "confirmed", "confirm-link-invalid",
    "unsubscribe", "preferences", "preferences-saved", "unsubscribed", "personal-link-invalid",
    "not-found", "preview-unsubscribe", "preview-preferences",
]  # fmt: skip


@pytest.fixture
def database_url(tmp_path) -> str:
    """The pages look the same on either database: SQLite only here."""
    return f"sqlite:///{tmp_path / 'newsletter.db'}"


@pytest.fixture
def web_settings() -> dict[str, str]:
    return {"NEWSLETTER_WEB_SUBSCRIBE_PER_IP": "3"}  # the fourth request sees the 429 page


def walk(page, served, language: str, look) -> None:
    """Every page, in the order a reader meets them; `look(name)` at each."""
    subscribe_pages(page, served, language, look)
    confirm_pages(page, served, language, look)
    personal_pages(page, served, language, look)
    page.goto(served.url + f"no/such/page?lang={language}")
    look("not-found")
    for route in (urls.UNSUBSCRIBE, urls.PREFERENCES):  # the links of preview.eml
        page.goto(urls.preview_url(served.config, route) + f"&lang={language}")
        look("preview-" + route.partition("/")[0])


def subscribe_pages(page, served, language: str, look) -> None:
    """The form, and each answer it can give; the per-IP limit counts four of the requests."""
    form = served.url + f"subscribe/?lang={language}"
    page.goto(form)
    look("subscribe")
    page.fill("#email", "x@y")  # the browser takes it; email-validator does not
    click_through(page)
    look("subscribe-error")
    page.fill("#email", f"reader-{language}@example.org")
    page.fill("#name", "山田花子" if language == "ja" else "Ada Lovelace")
    page.select_option("#language", language)
    click_through(page)
    look("check-inbox")
    page.goto(form)
    page.fill("#email", "late@example.org")
    page.context.clear_cookies()  # as when the cookie has expired: the form is refused
    click_through(page)
    look("form-expired")
    served.smtp.stop()  # the refused form sent again, with no mail server to take it
    click_through(page)
    look("unavailable")
    page.goto(form)
    page.fill("#email", "fourth@example.org")
    click_through(page)
    look("too-many")


def confirm_pages(page, served, language: str, look) -> None:
    link = link_in(served.messages()[0], "subscribe/confirm/")
    page.goto(link)
    look("confirm")
    click_through(page)
    look("confirmed")
    page.goto(link)
    look("confirm-link-invalid")


def personal_pages(page, served, language: str, look) -> None:
    """The pages of the new subscriber's unsubscribe and preferences links."""
    subscriber = served.store.get(f"reader-{language}@example.org")
    token = Signer([SECRET]).token(UNSUBSCRIBE, Personal(subscriber.id, 1))
    page.goto(urls.unsubscribe_url(served.config, token))
    look("unsubscribe")
    click_through(page, "text=" + ("配信を止めずに" if language == "ja" else "Change your name"))
    look("preferences")
    click_through(page, "form.form button[type=submit]")
    look("preferences-saved")
    click_through(page, "form.leave button[type=submit]")
    look("unsubscribed")
    page.goto(urls.unsubscribe_url(served.config, token[:-2]) + f"?lang={language}")
    look("personal-link-invalid")
    assert find_by_id(served.store, subscriber.id).status == "unsubscribed"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", ["en", "ja"])
def test_no_accessibility_violations_on_any_page(browser, served, artifacts, language, scheme):
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run .ci/setup, which installs axe-core from npm")
    context = browser.new_context(
        viewport={"width": 1200, "height": 900},
        color_scheme=scheme,
        locale=LOCALES[language],  # a reader's browser asks for their language
        bypass_csp=True,  # to inject axe-core; the pages forbid scripts
    )
    page = context.new_page()
    found = {}

    def look(name: str) -> None:
        assert page.evaluate("document.documentElement.lang") == language, name
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        found[name] = [
            (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
        ]
        page.screenshot(path=artifacts / f"web-{name}-{language}-{scheme}.png", full_page=True)

    walk(page, served, language, look)
    context.close()
    assert list(found) == PAGES
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_nothing_scrolls_sideways_on_a_phone(browser, served, artifacts, language):
    context = browser.new_context(
        viewport={"width": 375, "height": 800},
        device_scale_factor=2,
        locale=LOCALES[language],
        bypass_csp=True,
    )
    page = context.new_page()
    widths = {}

    def look(name: str) -> None:
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=artifacts / f"web-{name}-{language}-phone.png", full_page=True)

    walk(page, served, language, look)
    context.close()
    assert {name: width for name, width in widths.items() if width > 375} == {}


def test_the_honeypot_is_hidden_from_people(browser, served):
    page = browser.new_page()
    page.goto(served.url + "subscribe/")
    assert page.is_hidden("#website")
    assert re.search(r'name="website"', page.content())
    page.close()
