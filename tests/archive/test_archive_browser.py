"""The archive as a reader meets it, in a real headless Chromium, served from a sub-path."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin

import pytest

from newsletter.archive import build_archive
from newsletter.config import load_config

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "build" / "ci-node" / "node_modules" / "axe-core" / "axe.min.js"
SUB_PATH = "/newsletters/japan-st/"
READY = ["2013-05", "2013-02", "2012-10", "2012-07", "2012-04", "2011-12", "2011-10", "2011-07"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_folder(tmp_path_factory) -> Path:
    """The sample project's archive, built under www/<SUB_PATH>."""
    project = tmp_path_factory.mktemp("project")
    for part in ("newsletter.toml", "issues", "templates"):
        source, target = REPO / part, project / part
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    folder = tmp_path_factory.mktemp("www") / SUB_PATH.strip("/")
    build_archive(load_config(project, {}), folder)
    return folder


@pytest.fixture(scope="module")
def site_url(site_folder: Path):
    """The archive served by a local HTTP server under a sub-path, not at the root."""
    www = site_folder.parents[len(Path(SUB_PATH.strip("/")).parts) - 1]
    handler = functools.partial(QuietHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}{SUB_PATH}"
    server.shutdown()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.failures = []
    page.on("response", lambda r: r.status >= 400 and page.failures.append((r.status, r.url)))
    page.on("requestfailed", lambda r: page.failures.append(("failed", r.url)))
    yield page
    context.close()


def test_index_lists_exactly_the_ready_issues_in_date_order(page, site_url):
    page.goto(site_url + "index.html")
    hrefs = page.eval_on_selector_all(
        ".issue-list a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert hrefs == [f"{slug}/index.html" for slug in READY]
    dates = page.eval_on_selector_all(".issue-list time", "ts => ts.map(t => t.dateTime)")
    assert dates == sorted(dates, reverse=True)


def test_clicking_an_issue_opens_its_page(page, site_url, artifacts):
    page.goto(site_url + "index.html")
    page.screenshot(path=artifacts / "archive-index-desktop.png", full_page=True)
    page.click("text=Japan Science and Technology Newsletter, May 2013")
    assert page.url == site_url + "2013-05/index.html"
    assert page.title() == "Japan Science and Technology Newsletter, May 2013"
    assert page.is_visible("text=First Joint Meeting on Space Cooperation between Japan and Canada")
    page.screenshot(path=artifacts / "archive-issue-desktop.png", full_page=True)


def test_every_internal_link_and_image_resolves(page, site_url):
    to_visit, seen = [site_url + "index.html"], set()
    while to_visit:
        url = to_visit.pop()
        if url in seen:
            continue
        seen.add(url)
        page.goto(url)
        broken = page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        assert broken == [], url
        for href in page.eval_on_selector_all("a[href], link[href]", "as => as.map(a => a.href)"):
            target = urljoin(url, href).split("#")[0]
            if target.startswith(site_url) and target not in seen:
                if target.endswith(".html"):
                    to_visit.append(target)
                else:
                    assert page.request.get(target).ok, (url, target)
    assert page.failures == []
    assert len([u for u in seen if u.endswith("index.html")]) == 2 + 2 * len(READY)


@pytest.mark.parametrize(
    "path", ["index.html", "ja/index.html", "2013-05/index.html", "ja/2011-12/index.html"]
)
def test_no_horizontal_overflow_on_a_phone(browser, site_url, artifacts, path):
    context = browser.new_context(viewport={"width": 375, "height": 800}, device_scale_factor=2)
    page = context.new_page()
    page.goto(site_url + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    name = "archive-" + path.replace("/", "-").removesuffix("-index.html").replace(".html", "")
    page.screenshot(path=artifacts / f"{name}-phone.png", full_page=True)
    context.close()
    assert width <= 375


@pytest.mark.parametrize(
    "path", ["index.html", "ja/index.html", "2013-05/index.html", "ja/2013-05/index.html"]
)
def test_no_accessibility_violations(page, site_url, path):
    # Every impact, moderate ones too: two navigation landmarks with one name (landmark-unique)
    # went unnoticed while only serious ones failed the test.
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run .ci/setup, which installs axe-core from npm")
    page.goto(site_url + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
    ]
    assert violations == []


def test_japanese_index_renders_japanese_glyphs(page, site_url):
    page.goto(site_url + "ja/index.html")
    title = page.locator(".issue-list a").first
    assert title.inner_text() == "日本科学技術ニュースレター 2013年5月号"
    width = title.evaluate(
        """el => { const c = document.createElement('canvas').getContext('2d');
                   c.font = '32px ' + getComputedStyle(el).fontFamily;
                   return c.measureText('日本語').width; }"""
    )
    assert width > 80  # about 96 px with a CJK font, about 36 px of tofu boxes without


def test_site_works_when_opened_from_disk(page, site_url, site_folder):
    page.goto((site_folder / "ja" / "index.html").as_uri())
    page.locator(".issue-list a").first.click()
    assert page.url == (site_folder / "ja" / "2013-05" / "index.html").as_uri()
    loaded = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth > 0)")
    assert loaded and all(loaded)


def test_a_title_of_one_long_word_does_not_overflow_the_index(browser, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "golden" / "project", project)
    issue = project / "issues" / "2020-01.yaml"
    long_word = "Supercalifragilistic" * 12
    text = issue.read_text(encoding="utf-8").replace("Golden Test Letter, January 2020", long_word)
    issue.write_text(text, encoding="utf-8")
    build_archive(load_config(project, {}), tmp_path / "site")
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto((tmp_path / "site" / "index.html").as_uri())
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 375
