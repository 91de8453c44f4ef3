"""The email in a real headless Chromium: no sideways scrolling, Japanese glyphs, screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.render import Renderer
from tests.render.helpers import project_config, read_issue

pytestmark = pytest.mark.browser

WIDTHS = (375, 600)
REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "build" / "ci-node" / "node_modules" / "axe-core" / "axe.min.js"
CJK_FONTS = {"IPAexGothic", "IPAGothic", "Noto Sans CJK JP", "Noto Sans JP", "Droid Sans Fallback"}
MEASURE = """(element) => {
  const context = document.createElement("canvas").getContext("2d");
  context.font = "32px " + getComputedStyle(element).fontFamily;
  return context.measureText("日本語").width;
}"""


@pytest.fixture
def rendered(sample_project: Path):
    config = project_config(sample_project)
    issue = read_issue(config.issues_dir / "2013-05.yaml", config)
    return Renderer(config).render(issue)


def open_email(
    browser,
    tmp_path: Path,
    rendered,
    language: str,
    width: int,
    web=False,
    scheme="light",
    blocked=False,
):
    """A page showing the edition; the archive's image URLs are answered from the issue folder
    (with `blocked`, they are not, as in a mail client that does not load images)."""
    edition = rendered.edition(language)
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    images = rendered.images

    def answer(route):
        name = route.request.url.rsplit("/", 1)[-1]
        if name in images and not blocked:
            route.fulfill(path=str(images[name]))
        else:
            route.abort()

    page.route("http*://**/*", answer)
    path = tmp_path / f"{language}-{'web' if web else 'email'}.html"
    path.write_text(edition.web_html if web else edition.email_html, encoding="utf-8")
    if web:
        (tmp_path / "images").mkdir(exist_ok=True)
        for name, source in images.items():
            (tmp_path / "images" / name).write_bytes(source.read_bytes())
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("width", WIDTHS)
def test_email_fits_the_screen_and_is_saved_as_a_screenshot(
    browser, tmp_path, artifacts, rendered, language, width
):
    page = open_email(browser, tmp_path, rendered, language, width)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{scroll_width} px wide in a {width} px window"
    hero = page.locator("img").first
    assert hero.evaluate("img => img.complete && img.naturalWidth") == 1200
    assert hero.evaluate("img => img.getBoundingClientRect().width") <= width
    page.screenshot(path=str(artifacts / f"email-2013-05-{language}-{width}.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("language", ["en", "ja"])
def test_web_version_shows_its_copied_image(browser, tmp_path, artifacts, rendered, language):
    page = open_email(browser, tmp_path, rendered, language, 600, web=True)
    assert page.locator("img").first.evaluate("img => img.naturalWidth") == 1200
    assert page.get_by_text("View in browser").count() == 0
    page.screenshot(path=str(artifacts / f"web-2013-05-{language}-600.png"), full_page=True)
    page.close()


def platform_fonts(page, selector: str) -> set[str]:
    """The fonts Chromium really drew the element's text with (DevTools protocol)."""
    client = page.context.new_cdp_session(page)
    client.send("DOM.enable")
    client.send("CSS.enable")
    root = client.send("DOM.getDocument")["root"]["nodeId"]
    node = client.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = client.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"] for font in fonts}


def test_japanese_entry_in_the_english_edition_uses_a_cjk_font(browser, tmp_path, rendered):
    page = open_email(browser, tmp_path, rendered, "en", 600)
    title = page.locator('h3 span[lang="ja"]').first
    assert title.inner_text() == "第1回日本・カナダ資源系大学間ワークショップの開催"
    assert "IPAexGothic" in title.evaluate("e => getComputedStyle(e).fontFamily")
    assert title.evaluate(MEASURE) == pytest.approx(96, abs=6)  # about 36 when drawn as tofu
    assert platform_fonts(page, 'h3 span[lang="ja"]') & CJK_FONTS
    page.close()


def test_japanese_edition_text_uses_a_cjk_font(browser, tmp_path, rendered):
    page = open_email(browser, tmp_path, rendered, "ja", 375)
    assert page.evaluate("document.documentElement.lang") == "ja"
    summary = page.locator(".nl-summary p").first
    assert summary.evaluate(MEASURE) == pytest.approx(96, abs=6)
    assert platform_fonts(page, ".nl-summary p") & CJK_FONTS
    page.close()


def test_dark_mode_turns_the_card_dark_and_keeps_text_light(browser, tmp_path, artifacts, rendered):
    page = open_email(browser, tmp_path, rendered, "en", 600, scheme="dark")
    card = page.locator(".nl-card").first
    assert card.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(23, 34, 58)"
    heading = page.locator("h2.nl-h2 span").first
    assert heading.evaluate("e => getComputedStyle(e).color") == "rgb(227, 232, 240)"
    page.screenshot(path=str(artifacts / "email-2013-05-en-600-dark.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("width", WIDTHS)
def test_blocked_image_shows_its_alt_text_on_a_tinted_band(
    browser, tmp_path, artifacts, rendered, language, width
):
    page = open_email(browser, tmp_path, rendered, language, width, blocked=True)
    hero = page.locator("img").first
    assert hero.evaluate("img => img.complete && img.naturalWidth") == 0
    style = hero.evaluate(
        "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.color, s.textAlign] }"
    )
    assert style == ["rgb(228, 233, 241)", "rgb(19, 41, 75)", "center"]
    box = hero.bounding_box()
    assert box["width"] == width and box["height"] >= 40  # the alt text, not a sliver
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(
        path=str(artifacts / f"email-2013-05-{language}-{width}-images-blocked.png"),
        clip={"x": 0, "y": 0, "width": width, "height": 700},
    )
    page.close()


EMBEDDING_PAGE = """<!DOCTYPE html>
<html lang="{language}"><head><meta name="viewport" content="width=device-width">{style}</head>
<body><p id="around">The page around the newsletter</p>{content}<p id="after">After it</p></body>
</html>"""


@pytest.mark.parametrize("width", WIDTHS)
def test_web_version_embedded_in_a_page_styles_only_itself(browser, tmp_path, rendered, width):
    # As the archive shows it: style_html in the head, content_html in the page's body.
    edition = rendered.edition("en")
    path = tmp_path / "embedded.html"
    path.write_text(
        EMBEDDING_PAGE.format(
            language="en", style=edition.style_html, content=edition.content_html
        ),
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.route("http*://**/*", lambda route: route.abort())
    page.goto(path.as_uri())
    margins = "e => getComputedStyle(e).margin"
    assert page.evaluate(f"({margins})(document.body)") == "8px"  # the browser's, not MJML's 0
    assert page.locator("#around").evaluate(margins) == "16px 0px"  # not MJML's 13px 0
    # Inside, MJML's resets and the phone rules still apply.
    table = page.locator(".nl-web table").first
    assert table.evaluate("e => getComputedStyle(e).borderCollapse") == "collapse"
    pad = page.locator(".nl-pad").first.evaluate("e => getComputedStyle(e).paddingLeft")
    assert pad == ("22px" if width < 480 else "40px")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


def color_contrast(page) -> dict[str, list]:
    """axe-core's color-contrast rule on the page: the elements that fail it, and those it
    could not decide (text over an image, say), each with axe's summary."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run .ci/setup, which installs axe-core from npm")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run(document, {runOnly: ['color-contrast'], resultTypes: ['violations', 'incomplete']})"
    )
    return {
        kind: [
            (n["target"], n["failureSummary"] or n["any"][0]["message"])
            for v in result[kind]
            for n in v["nodes"]
        ]
        for kind in ("violations", "incomplete")
    }


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_of_the_email_has_enough_contrast(browser, tmp_path, rendered, language, scheme):
    # Dark mode recolours the cards; the "View in browser" link above them kept its grey,
    # 3.1:1 on the dark page.
    page = open_email(browser, tmp_path, rendered, language, 600, scheme=scheme)
    assert color_contrast(page) == {"violations": [], "incomplete": []}
    page.close()


PADDING = "e => { const s = getComputedStyle(e); return [s.paddingLeft, s.paddingRight] }"


@pytest.mark.parametrize("language", ["en", "ja"])
def test_on_a_phone_the_alt_text_band_keeps_its_text_off_the_screen_edges(
    browser, tmp_path, artifacts, rendered, language
):
    # Chromium draws the alt text and the broken-image icon inside the image's box: without
    # padding the text ran from edge to edge of the screen, the icon against its first word.
    # Alt text has no box of its own to measure: the image's padding is what insets it.
    page = open_email(browser, tmp_path, rendered, language, 375, blocked=True)
    hero = page.locator(".nl-hero img")
    assert hero.evaluate("img => img.complete && img.naturalWidth") == 0
    left, right = (float(p.removesuffix("px")) for p in hero.evaluate(PADDING))
    assert left >= 16 and right >= 16
    assert hero.bounding_box()["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = hero.bounding_box()
    page.screenshot(
        path=str(artifacts / f"email-2013-05-{language}-375-hero-alt-text.png"),
        clip={"x": 0, "y": box["y"] - 20, "width": 375, "height": box["height"] + 40},
    )
    page.close()


def test_on_a_wider_screen_the_loaded_hero_is_not_framed(browser, tmp_path, rendered):
    page = open_email(browser, tmp_path, rendered, "en", 600)
    hero = page.locator(".nl-hero img")
    assert hero.evaluate(PADDING) == ["0px", "0px"]
    assert hero.bounding_box()["width"] == 600
    page.close()
