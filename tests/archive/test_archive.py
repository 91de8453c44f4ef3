"""The archive site: what it lists, how it links, and that rebuilding changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest

from newsletter.archive import build_archive, relative
from newsletter.config import load_config, urls
from newsletter.core import NewsletterError, ProblemsError

READY = ["2013-05", "2013-02", "2012-10", "2012-07", "2012-04", "2011-12", "2011-10", "2011-07"]


@pytest.fixture
def site(sample_project: Path) -> Path:
    build_archive(load_config(sample_project, {}), sample_project / "site")
    return sample_project / "site"


def listed_slugs(index: Path) -> list[str]:
    return re.findall(r'<a href="(?:\.\./)?([\d-]+)/index\.html">', index.read_text())


def test_index_lists_ready_issues_newest_first_and_no_draft(site):
    assert listed_slugs(site / "index.html") == READY
    assert listed_slugs(site / "ja" / "index.html") == READY
    assert not (site / "2013-08").exists()


def test_index_groups_issues_by_year(site):
    html = (site / "index.html").read_text()
    years = re.findall(r'<h3 class="year">(\d{4})</h3>', html)
    assert years == ["2013", "2012", "2011"]


def test_dates_are_formatted_per_language(site):
    assert '<time datetime="2013-05-31">May 2013</time>' in (site / "index.html").read_text()
    assert '<time datetime="2013-05-31">2013年5月</time>' in (site / "ja/index.html").read_text()


def test_each_issue_has_a_page_per_language_with_its_images(site):
    for slug in READY:
        assert (site / slug / "index.html").is_file()
        assert (site / "ja" / slug / "index.html").is_file()
    assert (site / "2013-05" / "images" / "banner-space.png").is_file()
    ja_page = (site / "ja/2013-05/index.html").read_text()
    assert 'src="../../2013-05/images/banner-space.png"' in ja_page


def test_issue_pages_link_to_previous_and_next(site):
    page = (site / "2012-04" / "index.html").read_text()
    assert '<a class="newer" rel="next" href="../2012-07/index.html">' in page
    assert '<a class="older" rel="prev" href="../2011-12/index.html">' in page
    newest = (site / "2013-05" / "index.html").read_text()
    assert 'rel="next"' not in newest


def test_internal_links_are_relative(site):
    for page in site.rglob("*.html"):
        html = page.read_text()
        for target in re.findall(r'(?:href|src)="([^"]+)"', html):
            assert not target.startswith("/"), (page, target)
            if not re.match(r"(https?|mailto):", target):
                assert (page.parent / target.split("#")[0]).resolve().exists(), (page, target)


def test_feed_parses_and_lists_the_same_issues(site):
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Japan Science and Technology Newsletter"
    links = [entry.link for entry in feed.entries]
    assert links == [f"https://newsletter.example.org/japan-st/{slug}/" for slug in READY]
    assert "Kounotori" in feed.entries[0].content[0].value
    ja = feedparser.parse((site / "ja" / "feed.xml").read_bytes())
    assert ja.entries[0].title == "日本科学技術ニュースレター 2013年5月号"


def test_sitemap_lists_every_page(site):
    sitemap = (site / "sitemap.xml").read_text()
    assert sitemap.count("<url>") == 2 + 2 * len(READY)
    assert "<loc>https://newsletter.example.org/japan-st/ja/2011-07/</loc>" in sitemap


def test_rebuilding_gives_byte_identical_files(sample_project, site):
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    build_archive(load_config(sample_project, {}), site)
    after = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert before == after


def test_a_removed_issue_disappears(sample_project, site):
    (sample_project / "issues" / "2012-07.yaml").unlink()
    build_archive(load_config(sample_project, {}), site)
    assert not (site / "2012-07").exists()
    assert "2012-07" not in listed_slugs(site / "index.html")
    assert "2012-07" not in (site / "feed.xml").read_text()


def test_special_characters_are_escaped_in_html_and_xml(sample_project):
    issue = sample_project / "issues" / "2013-05.yaml"
    text = issue.read_text(encoding="utf-8").replace(
        "en: Japan Science and Technology Newsletter, May 2013",
        'en: "Science & <Technology> \\"Quarterly\\" 🚀 <script>alert(1)</script>"',
    )
    issue.write_text(text, encoding="utf-8")
    site = sample_project / "site"
    build_archive(load_config(sample_project, {}), site)
    index = (site / "index.html").read_text()
    assert "Science &amp; &lt;Technology&gt; &#34;Quarterly&#34; 🚀 &lt;script&gt;" in index
    assert "<script>" not in index
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert (
        feed.entries[0].title == 'Science & <Technology> "Quarterly" 🚀 <script>alert(1)</script>'
    )


def test_a_folder_not_made_by_the_archive_is_never_replaced(sample_project, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(NewsletterError, match="was not made by `newsletter archive`"):
        build_archive(load_config(sample_project, {}), precious)
    assert (precious / "thesis.tex").read_text() == "years of work"


def test_a_failed_build_leaves_the_previous_site(sample_project, site):
    before = (site / "index.html").read_bytes()
    (sample_project / "templates" / "site" / "index.html").write_text("{% if %}")
    with pytest.raises(ProblemsError, match=r"templates/site/index.html:1: Expected an expression"):
        build_archive(load_config(sample_project, {}), site)
    assert (site / "index.html").read_bytes() == before


@pytest.mark.parametrize(
    ("page", "target", "link"),
    [
        ("index.html", "2013-05/index.html", "2013-05/index.html"),
        ("ja/2013-05/index.html", "2013-05/images/a.png", "../../2013-05/images/a.png"),
        ("2013-05/index.html", "ja/2013-05/index.html", "../ja/2013-05/index.html"),
    ],
)
def test_relative_links(page, target, link):
    assert relative(page, target) == link


def test_subscribe_link_defaults_under_base_url_and_can_be_set(sample_project):
    config = load_config(sample_project, {})
    assert urls.subscribe_url(config) == "https://newsletter.example.org/japan-st/subscribe/"
    build_archive(config, sample_project / "site")
    for page, language in (("index.html", "en"), ("ja/index.html", "ja")):
        html = (sample_project / "site" / page).read_text()
        form = f"https://newsletter.example.org/japan-st/subscribe/?lang={language}"
        assert f'<a class="button" href="{form}">' in html, page  # the form in the page's language
    environ = {"NEWSLETTER_NEWSLETTER_SUBSCRIBE_URL": "https://forms.example.org/join"}
    build_archive(load_config(sample_project, environ), sample_project / "site")
    index = (sample_project / "site" / "index.html").read_text()
    assert '<a class="button" href="https://forms.example.org/join">Subscribe</a>' in index


def test_files_the_archive_did_not_make_are_kept(sample_project, site):
    (site / "CNAME").write_text("news.example.org\n")
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (sample_project / "issues" / "2012-07.yaml").unlink()
    build_archive(load_config(sample_project, {}), site)
    assert (site / "CNAME").read_text() == "news.example.org\n"
    assert (site / ".git" / "HEAD").is_file()
    assert not (site / "2012-07").exists()
    assert not (site / "ja" / "2012-07").exists()


@pytest.mark.parametrize("where", ["project", "cwd"])
def test_out_cannot_hold_the_project_or_the_current_folder(sample_project, monkeypatch, where):
    monkeypatch.chdir(sample_project / "issues")
    out = sample_project if where == "project" else sample_project / "issues"
    what = "the project" if where == "project" else "the current folder"
    with pytest.raises(NewsletterError, match=f"would hold {what}: choose a folder of its own"):
        build_archive(load_config(sample_project, {}), out)


def test_an_unwritable_out_folder_is_an_error_not_a_traceback(sample_project, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(
        NewsletterError, match=r"cannot write the site to .*a-file/site: Not a directory"
    ):
        build_archive(load_config(sample_project, {}), blocker / "site")
    assert not list(tmp_path.glob(".*staging"))


def test_links_to_archive_pages_inside_an_issue_are_relative(site):
    page = (site / "ja" / "2013-05" / "index.html").read_text()
    assert "https://newsletter.example.org/japan-st/ja/" not in page
    assert 'href="https://newsletter.example.org/japan-st/contact/"' in page


def test_an_empty_archive_is_still_the_same_every_time(sample_project):
    for path in (sample_project / "issues").glob("*.yaml"):
        path.unlink()
    site = sample_project / "site"
    build_archive(load_config(sample_project, {}), site)
    first = (site / "feed.xml").read_bytes()
    build_archive(load_config(sample_project, {}), site)
    assert (site / "feed.xml").read_bytes() == first
    assert "No issue has been published yet." in (site / "index.html").read_text()


def test_building_the_archive_touches_no_network(sample_project, no_network):
    build_archive(load_config(sample_project, {}), sample_project / "site")
    assert no_network == []


def first_words(html: str, count: int) -> str:
    """The first words a feed reader that drops styles and comments would show."""
    text = re.sub(r"<!--.*?-->|<[^>]+>", " ", html, flags=re.S)
    return " ".join(text.split()[:count])


@pytest.mark.parametrize("template", ["default", "with <mj-preview>"])
def test_feed_entries_carry_the_web_version_only(sample_project, template):
    # A reader that ignores inline styles showed the hidden preheader as a first line, and
    # the Outlook-only table markup in conditional comments came along.
    if template != "default":  # email.mjml as `newsletter init` copied it before
        email = sample_project / "templates" / "email.mjml"
        text = email.read_text(encoding="utf-8").replace(
            "<mj-raw>\n", "<mj-preview>{{ edition.preheader }}</mj-preview>\n    <mj-raw>\n", 1
        )
        text = re.sub(r"\{% if edition.preheader %\}.*?\{% endif %\}\n", "", text, flags=re.S)
        email.write_text(text, encoding="utf-8")
    site = sample_project / "site"
    build_archive(load_config(sample_project, {}), site)
    for feed_path, sender in (
        ("feed.xml", "Embassy of Japan in Canada"),
        ("ja/feed.xml", "在カナダ日本国大使館"),
    ):
        feed = feedparser.parse((site / feed_path).read_bytes())
        for entry in feed.entries:
            content = entry.content[0].value
            assert "<!--" not in content, entry.link
            assert "display:none" not in content.replace(" ", ""), entry.link
            preheader = entry.get("summary")
            assert preheader and preheader not in first_words(content, 200), entry.link
            assert first_words(content, 10).startswith(sender), entry.link


def test_the_archive_refuses_two_ready_issues_with_one_slug(sample_project, monkeypatch):
    monkeypatch.chdir(sample_project)
    issue = sample_project / "issues" / "2013-02.yaml"
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text.replace("status: ready\n", "status: ready\nslug: 2013-05\n", 1))
    with pytest.raises(ProblemsError) as refused:
        build_archive(load_config(sample_project, {}), sample_project / "site")
    assert [str(p) for p in refused.value.problems] == [
        "issues/2013-02.yaml:8:7: slug '2013-05' is already the slug of issues/2013-05.yaml "
        "(from its file name)"
    ]
    assert not (sample_project / "site").exists()


@pytest.mark.parametrize(
    "draft",
    [
        b"title: Next\ndate 2013-11-10\nstatus: draft\n",
        b"",
        "title: Ao\xfbt\nstatus: draft\n".encode("latin-1"),
        "title: Next\nstatus: draft\n".encode("utf-16"),
    ],
    ids=["a YAML syntax error", "an empty file", "Latin-1", "UTF-16"],
)
def test_a_draft_that_does_not_parse_is_skipped_by_the_archive(sample_project, caplog, draft):
    (sample_project / "issues" / "2013-11.yaml").write_bytes(draft)
    build_archive(load_config(sample_project, {}), sample_project / "site")
    assert listed_slugs(sample_project / "site" / "index.html") == READY
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning.startswith("skipped the draft ") and "2013-11.yaml (1 problem;" in warning


def test_a_file_that_does_not_parse_but_says_ready_stops_the_archive(sample_project):
    issue = sample_project / "issues" / "2013-11.yaml"
    issue.write_text("title: Next\ndate 2013-11-10\nstatus: ready\n", encoding="utf-8")
    with pytest.raises(ProblemsError, match=r"2013-11\.yaml:2:5: missing ':' after 'date'"):
        build_archive(load_config(sample_project, {}), sample_project / "site")


def test_each_landmark_of_a_page_has_a_name_of_its_own(site):
    # An issue page had two <nav aria-label="Issues">: screen readers list them as one name.
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        names = re.findall(r'<nav\b[^>]*\baria-label="([^"]*)"', html)
        assert len(names) == len(set(names)), (page.relative_to(site), names)
        assert len(names) == html.count("<nav"), page.relative_to(site)
