"""Rendering an issue: every sample issue in every language, escaping, languages, images."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsletter.issues import issue_paths, load_project_issues
from newsletter.render import (
    GMAIL_CLIP_BYTES,
    PLACEHOLDERS,
    Renderer,
    issue_warnings,
    render_issue,
    scoped_css,
    theme_warnings,
)
from tests.render.helpers import (
    NASTY,
    TRICKY_ISSUE,
    long_issue,
    project_config,
    read_issue,
    style_blocks,
    write_issue,
)


@pytest.fixture
def config(sample_project: Path):
    return project_config(sample_project)


@pytest.fixture
def tricky(sample_project: Path, config):
    """An issue with markup, quotes, ampersands and emoji in every field."""
    return read_issue(write_issue(sample_project, TRICKY_ISSUE, "2013-07-tricky.yaml"), config)


def all_outputs(edition) -> dict[str, str]:
    return {"email": edition.email_html, "web": edition.web_html, "text": edition.text}


def test_every_sample_issue_renders_in_every_language(config):
    issues = load_project_issues(config)
    assert len(issue_paths(config)) >= 9 and len(issues) == len(issue_paths(config))
    renderer = Renderer(config)
    for issue in issues:
        rendered = renderer.render(issue)
        assert list(rendered.editions) == ["en", "ja"]
        for language, edition in rendered.editions.items():
            where = f"{issue.slug}/{language}"
            assert len(edition.email_html.encode()) < GMAIL_CLIP_BYTES, where
            assert len(edition.web_html.encode()) < GMAIL_CLIP_BYTES, where
            for name, output in all_outputs(edition).items():
                for leak in ("{{", "{%", "None", "Undefined"):
                    assert leak not in output, f"{where} {name}: {leak}"
            for img in re.findall(r"<img\b[^>]*>", edition.email_html + edition.web_html):
                assert re.search(r'\balt="[^"]+"', img), f"{where}: {img}"


def test_an_email_gmail_would_clip_is_warned_about(sample_project, config):
    def rendered(entries: int):
        path = write_issue(sample_project, long_issue(entries), "2013-09.yaml")
        return render_issue(read_issue(path, config), config)

    long = rendered(80)
    sizes = {lang: len(e.email_html.encode()) for lang, e in long.editions.items()}
    assert all(size > GMAIL_CLIP_BYTES + 10 * 1024 for size in sizes.values()), sizes
    warnings = issue_warnings(long)
    assert [w.split(";")[0] for w in warnings] == [
        f"the {lang} edition's email.html is {size / 1024:.0f} KB: Gmail clips messages over"
        " 102 KB and hides the rest, the unsubscribe link included"
        for lang, size in sizes.items()
    ]
    assert issue_warnings(rendered(40)) == []


def test_html_keeps_doctype_language_and_outlook_comments(config, tricky):
    edition = render_issue(tricky, config).edition("ja")
    for html in (edition.email_html, edition.web_html):
        assert html.startswith("<!DOCTYPE html>")
        assert '<html lang="ja" dir="ltr"' in html
        assert "<!--[if mso | IE]>" in html and "<![endif]-->" in html
        assert '<meta name="color-scheme" content="light dark">' in html


def test_desktop_styles_are_inline_and_only_media_queries_stay_in_style(config, tricky):
    html = render_issue(tricky, config).edition("en").email_html
    h1 = re.search(r"<h1 class=\"nl-h1\" style=([\"'])(.*?)\1", html)[2]
    assert "font-size:30px" in h1.replace(" ", "") and "margin:0" in h1.replace(" ", "")
    date = re.search(r'<div class="nl-date" style="([^"]+)"', html)[1]
    assert "color:#a51c30" in date.replace(" ", "")
    css = "\n".join(style_blocks(html))
    assert "@media only screen and (max-width: 480px)" in css
    assert ".nl-pad" in css and "@media (prefers-color-scheme: dark)" in css
    # Outside the media queries only MJML's own resets stay (as official MJML leaves them);
    # none of the theme's rules.
    outside = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*\s*\}", "", css)
    selectors = re.findall(r"([^{}]+)\{", re.sub(r"/\*.*?\*/", "", outside, flags=re.S))
    assert [s.strip() for s in selectors] == ["#outlook a", "body", "table, td", "img", "p"]


def test_markup_quotes_ampersands_and_emoji_come_out_escaped_and_intact(config, tricky):
    text = '&lt;script&gt;alert("x")&lt;/script&gt; &amp; \'quotes\' "double" 😀 R&amp;D'
    attribute = text.replace('"', "&quot;")
    edition = render_issue(tricky, config).edition("en")
    for html in (edition.email_html, edition.web_html):
        assert "<script" not in html and "<b>bold</b>" not in html
        body = html.split("<body", 1)[1]
        fields = ("Intro", "Caption", "Credit", "Section", "Entry", "Summary")
        for field in ("Preheader", *fields) if html == edition.email_html else fields:
            assert f"{field} {text} &lt;b&gt;bold&lt;/b&gt;" in body, field
        assert f"Link {text} &lt;b&gt;bold&lt;/b&gt;</span></a>" in body
        assert f'<img alt="Alt {attribute} &lt;b&gt;bold&lt;/b&gt;"' in body
        assert f"<title>Subject {text} &lt;b&gt;bold&lt;/b&gt;</title>" in html
    for field in ("Intro", "Entry", "Summary", "Link"):
        assert " ".join(f"{field} {NASTY}".split()) in " ".join(edition.text.split()), field
    assert edition.subject == f"Subject {NASTY}"
    assert 'href="https://example.org/a?x=1&amp;y=2"' in edition.email_html


def test_dates_follow_the_locale_and_month_only_dates_stay_month_only(config, tricky):
    rendered = render_issue(tricky, config)
    en, ja = rendered.edition("en"), rendered.edition("ja")
    assert ">July 2013" in en.email_html and ">June 5, 2013" in en.email_html
    assert ">2013年7月" in ja.email_html and ">2013年6月5日" in ja.email_html
    assert "  July 2013\n" in en.text and "  2013年6月5日\n" in ja.text
    assert "July 1" not in en.email_html + en.text


def test_entry_in_another_language_gets_its_lang_and_a_cjk_font(config, tricky):
    rendered = render_issue(tricky, config)
    en = rendered.edition("en").email_html
    title = re.search(r'<span lang="ja" dir="ltr" style="([^"]+)">第3回日加幹細胞', en)
    assert title and "IPAexGothic" in title[1]
    assert 'hreflang="ja"' not in en  # that entry has no link
    assert re.search(r'<span class="nl-lang"[^>]*><span lang="ja"[^>]*>日本語</span>', en)
    # Its English summary is English; in the Japanese edition nothing is foreign.
    assert "In Japanese: the third stem cell workshop." in en
    assert not re.search(r'lang="ja"[^>]*>In Japanese', en)
    ja = rendered.edition("ja").email_html
    assert '<span lang="ja"' not in ja and "第3回日加幹細胞ワークショップ。" in ja


def test_web_version_has_no_subscriber_parts_and_local_images(config, tricky):
    rendered = render_issue(tricky, config)
    edition = rendered.edition("en")
    image = "https://newsletter.example.org/japan-st/2013-07-tricky/images/banner-space.png"
    assert f'src="{image}"' in edition.email_html
    assert PLACEHOLDERS["unsubscribe_url"] in edition.email_html
    assert PLACEHOLDERS["unsubscribe_url"] in edition.text
    assert "View in browser" in edition.email_html
    web = edition.web_html
    assert 'src="images/banner-space.png"' in web and image not in web
    assert not any(token in web for token in PLACEHOLDERS.values())
    assert "View in browser" not in web and "Unsubscribe" not in web
    assert "This is the web version of Japan Science and Technology Newsletter." in web
    assert "-only-->" not in web + edition.email_html
    assert rendered.images == {"banner-space.png": tricky.source.parent / "images/banner-space.png"}


def test_content_html_is_the_body_of_the_web_version_in_a_wrapper(config, tricky):
    edition = render_issue(tricky, config).edition("ja")
    wrapper = '<div class="nl-web">'
    assert edition.content_html.startswith(wrapper) and edition.content_html.endswith("</div>")
    assert "<body" not in edition.content_html and "<head" not in edition.content_html
    assert edition.content_html[len(wrapper) : -len("</div>")] in edition.web_html
    assert "@media only screen and (max-width: 480px)" in edition.style_html
    assert "<!--[if" not in edition.style_html
    moved = edition.web_html_with_images("../../2013-07-tricky/images/")
    assert 'src="../../2013-07-tricky/images/banner-space.png"' in moved


def test_view_in_browser_points_at_the_archive_page_of_each_language(config, tricky):
    rendered = render_issue(tricky, config)
    base = "https://newsletter.example.org/japan-st/"
    assert rendered.edition("en").web_url == f"{base}2013-07-tricky/"
    assert rendered.edition("ja").web_url == f"{base}ja/2013-07-tricky/"
    assert f'href="{base}ja/2013-07-tricky/"' in rendered.edition("ja").email_html


def test_past_issues_link_points_at_the_archive_index_of_each_language(config, tricky):
    # The archive puts the default language at its root and the others under <lang>/.
    rendered = render_issue(tricky, config)
    base = "https://newsletter.example.org/japan-st/"
    en, ja = rendered.edition("en").web_html, rendered.edition("ja").web_html
    assert re.findall(r'<a href="([^"]*)"[^>]*>Past issues</a>', en) == [base]
    assert re.findall(r'<a href="([^"]*)"[^>]*>バックナンバー</a>', ja) == [f"{base}ja/"]
    assert rendered.edition("ja").web_url.startswith(f"{base}ja/")  # the same layout


RTL_ENTRY_ISSUE = """\
title: Directions
date: 2013-08-15
status: ready
sections:
  - title: {en: News, ja: ニュース}
    entries:
      - title: مؤتمر العلوم والتكنولوجيا
        date: 2013-08
        language: ar
        summary: ملخص قصير.
links:
  - title: {en: An English link}
    url: https://example.org/en
"""


def tags_with_lang(html: str) -> list[str]:
    """The elements of the body that say which language they are in."""
    return re.findall(r'<[a-z0-9]+ [^>]*\blang="[^"]*"[^>]*>', html.split("<body", 1)[1])


def test_text_in_another_language_carries_its_direction_as_well_as_its_lang(
    sample_project, config, tricky
):
    issue = read_issue(write_issue(sample_project, RTL_ENTRY_ISSUE, "2013-08.yaml"), config)
    rendered = render_issue(issue, config)
    en = rendered.edition("en").email_html
    assert re.search(r'<span lang="ar" dir="rtl" style="[^"]+">مؤتمر العلوم', en)
    assert re.search(r'<div lang="ar" dir="rtl" style="[^"]+"><p[^>]*>ملخص قصير.</p>', en)
    assert re.search(r'<span lang="ar" dir="rtl" style="[^"]+">العربية</span>', en)
    ja = rendered.edition("ja").email_html  # the link falls back to its English title
    assert re.search(r'<span lang="en" dir="ltr" style="[^"]+">An English link</span>', ja)
    # Every element given a language of its own gets its direction (tricky: a hero too).
    tricky_html = render_issue(tricky, config).edition("en").email_html
    tags = [tag for html in (en, ja, tricky_html) for tag in tags_with_lang(html)]
    assert len(tags) >= 8 and all(" dir=" in tag for tag in tags), tags


def test_a_language_without_labels_borrows_the_english_words_with_a_warning(
    sample_project, tricky, monkeypatch
):
    monkeypatch.chdir(sample_project)
    toml = sample_project / "newsletter.toml"
    toml.write_text(toml.read_text().replace('["en", "ja"]', '["en", "ja", "fr"]'))
    config = project_config(sample_project)
    renderer = Renderer(config)
    edition = renderer.render(tricky, ["fr"]).edition("fr")
    assert '<html lang="fr"' in edition.email_html and ">juillet 2013" in edition.email_html
    assert "Unsubscribe" in edition.email_html
    assert renderer.warnings() == [
        "templates/labels.toml has no [fr] table: the fr edition uses English words"
    ]
    assert theme_warnings(config) == renderer.warnings()


def test_a_label_missing_from_an_older_project_comes_from_the_default_theme(sample_project, tricky):
    labels = sample_project / "templates" / "labels.toml"
    text = labels.read_text(encoding="utf-8")
    labels.write_text(re.sub(r"(?m)^caption_credit = .*\n", "", text), encoding="utf-8")
    config = project_config(sample_project)
    renderer = Renderer(config)
    assert "caption_credit" not in labels.read_text(encoding="utf-8")
    assert renderer.theme.labels("ja")["caption_credit"] == "{caption}（{credit}）"
    assert renderer.warnings() == []


def footer_links(html: str) -> str:
    """The text of the footer's line of links, as a browser shows it (spaces collapsed)."""
    links = re.search(r'<div style="margin-top:12px">(.*?)</div>', html, re.S)[1]
    return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", "", links)).strip()


def test_footer_links_are_separated_by_one_space_and_a_dot(config, tricky):
    edition = render_issue(tricky, config).edition("en")
    assert footer_links(edition.email_html) == (
        "Contact us\xa0· View in browser\xa0· Unsubscribe\xa0· Preferences"
    )
    assert footer_links(edition.web_html) == "Contact us\xa0· Past issues"


def test_caption_and_credit_are_joined_as_each_language_does(config):
    issue = read_issue(config.issues_dir / "2013-05.yaml", config)
    rendered = Renderer(config).render(issue)
    en, ja = rendered.edition("en"), rendered.edition("ja")
    assert (
        'International Space Station.</span> (<span class="nl-credit">Graphic: Japan Science'
        " and Technology Newsletter</span>)"
    ) in en.email_html
    assert "Station. (Graphic: Japan Science and Technology Newsletter)\n" in en.text
    assert (
        '重要な役割を果たしています。</span>（<span class="nl-credit">'
        "画像：日本科学技術ニュースレター</span>）"
    ) in ja.email_html
    assert "たしています。（画像：日本科学技術ニュースレター）\n" in ja.text
    assert "。 (" not in ja.text + ja.email_html


def test_hero_alt_text_is_styled_for_when_images_are_blocked(config, tricky):
    html = render_issue(tricky, config).edition("en").email_html
    style = re.search(r'<img alt="Alt [^"]*"[^>]* style="([^"]+)"', html)[1].replace(" ", "")
    for rule in (
        "background-color:#e4e9f1",
        "color:#13294b",
        "text-align:center",
        "font-size:14px",
    ):
        assert rule in style, style
    assert "padding" not in style  # it would frame the image once it loads


def test_style_for_embedding_leaves_dark_mode_to_the_email(config, tricky):
    edition = render_issue(tricky, config).edition("en")
    assert "prefers-color-scheme" not in edition.style_html
    assert "@media only screen and (max-width: 480px)" in edition.style_html
    assert "@media (prefers-color-scheme: dark)" in edition.email_html
    assert "@media (prefers-color-scheme: dark)" in edition.web_html  # a whole page of its own


def test_style_for_embedding_applies_only_inside_its_wrapper(config, tricky):
    # MJML's resets (body, p, img, table) would otherwise restyle the archive page around it.
    style = render_issue(tricky, config).edition("en").style_html
    assert ".nl-web p { display: block; margin: 13px 0; }" in style
    assert ".nl-web { margin: 0; padding: 0;" in style  # body's rule: the wrapper's
    assert ".nl-web .nl-pad { padding-left: 22px !important;" in style
    assert not re.search(r"(^|[}>\n])\s*(body|p|img|table)\b[^{]*\{", style), style


def test_scoping_css_prefixes_every_selector_and_leaves_at_rules_alone():
    css = """/* a comment { } */
body { margin: 0; }
html, body > div { color: red; }
table, td { border-collapse: collapse; }
@media only screen and (max-width: 480px) {
  .nl-pad { padding: 0 !important; }
  p a, img { width: 10px; }
  :is(h1, h2) span { color: blue; }
}
@font-face { font-family: X; src: url(x.woff); }
@keyframes fade { from { opacity: 0; } 50% { opacity: 1; } }
"""
    assert (
        scoped_css(css, ".s")
        == """
.s { margin: 0; }
.s, .s > div { color: red; }
.s table, .s td { border-collapse: collapse; }
@media only screen and (max-width: 480px) {
  .s .nl-pad { padding: 0 !important; }
  .s p a, .s img { width: 10px; }
  .s :is(h1, h2) span { color: blue; }
}
@font-face { font-family: X; src: url(x.woff); }
@keyframes fade { from { opacity: 0; } 50% { opacity: 1; } }
"""
    )


# Ways to hide text that spam filters score as text hidden from the reader: a colour close
# to the background (SpamAssassin's HTML_FONT_LOW_CONTRAST), a font of 1px or less, or no
# opacity (its __FONT_INVIS and FONT_INVIS_MSGID).
HIDING_TRICKS = re.compile(r"color:\s*#fff|font-size:\s*[01](px|pt)|opacity:\s*0", re.I)


def preheader_style(html: str, preheader: str) -> str:
    """The style of the element that holds the preheader."""
    match = re.search(rf'<div[^>]*style="([^"]*)"[^>]*>{re.escape(preheader)}</div>', html)
    assert match, "the preheader is not in the HTML"
    return match[1]


@pytest.mark.parametrize("template", ["default", "with <mj-preview>"])
def test_preheader_is_hidden_without_a_colour_or_font_trick_and_only_in_the_email(
    sample_project, config, template
):
    if template != "default":  # email.mjml as `newsletter init` copied it before
        email = sample_project / "templates" / "email.mjml"
        text = re.sub(
            r"\{% if edition.preheader %\}.*?\{% endif %\}\n",
            "",
            email.read_text(encoding="utf-8"),
            flags=re.S,
        )
        text = text.replace(
            "<mj-raw>", "<mj-preview>{{ edition.preheader }}</mj-preview><mj-raw>", 1
        )
        email.write_text(text, encoding="utf-8")
    rendered = Renderer(config).render(read_issue(config.issues_dir / "2013-05.yaml", config))
    for edition in rendered.editions.values():
        style = preheader_style(edition.email_html, edition.preheader)
        assert "display:none" in style and "mso-hide:all" in style
        assert not HIDING_TRICKS.search(style), style
        assert edition.preheader not in edition.web_html


def sections_issue(entries: dict[str, int]) -> str:
    """An issue with a section of so many typical entries for each title."""
    lines = ["title: A long issue\ndate: 2013-09-15\nstatus: ready\nsections:"]
    for title, count in entries.items():
        lines.append(f"  - title: {title}\n    entries:")
        lines += [
            f"      - title: Entry {n + 1} of {title}, a joint research project on materials\n"
            f"        date: 2013-08-{n % 28 + 1:02d}\n"
            f"        url: https://example.org/news/{title.lower()}/{n + 1}\n"
            "        summary: Researchers from both countries met to plan the next phase of"
            " the work. *The results* will be shown at a symposium in the autumn."
            for n in range(count)
        ]
    return "\n".join(lines) + "\n"


def test_the_gmail_warning_names_the_sections_that_weigh_most(sample_project, config):
    # It said "hide the rest behind a View in browser link", which an issue cannot do: it
    # says how much to remove and where the bytes are, for the editor to choose.
    text = sections_issue({"Small": 4, "Big": 60, "Medium": 20, "Tiny": 1})
    path = write_issue(sample_project, text, "2013-09.yaml")
    rendered = render_issue(read_issue(path, config), config)
    edition = rendered.edition("en")
    size = len(edition.email_html.encode())
    weights = edition.section_weights
    assert [(w.title, w.entries) for w in weights] == [
        ("Big", 60), ("Medium", 20), ("Small", 4), ("Tiny", 1)
    ]  # fmt: skip
    assert weights[0].bytes > 2.5 * weights[1].bytes > 0
    assert size - weights[0].bytes < GMAIL_CLIP_BYTES  # removing it would be enough
    kb = [
        f"{w.bytes / 1024:.0f}" if w.bytes >= 10 * 1024 else f"{w.bytes / 1024:.1f}"
        for w in weights
    ]
    excess = -(-(size - GMAIL_CLIP_BYTES) // 1024)
    assert issue_warnings(rendered)[0] == (
        f"the en edition's email.html is {size / 1024:.0f} KB: Gmail clips messages over 102 KB"
        f" and hides the rest, the unsubscribe link included; remove about {excess} KB: the"
        f" heaviest sections are 'Big' (60 entries, {kb[0]} KB), 'Medium' (20 entries,"
        f" {kb[1]} KB) and 'Small' (4 entries, {kb[2]} KB); move some entries to the next issue"
        " or shorten their summaries"
    )
    assert all("View in browser" not in warning for warning in issue_warnings(rendered))


def test_an_issue_gmail_shows_whole_is_not_weighed(sample_project, config):
    path = write_issue(sample_project, sections_issue({"One": 20, "Two": 20}), "2013-09.yaml")
    rendered = render_issue(read_issue(path, config), config)
    assert issue_warnings(rendered) == []
    assert all(e.section_weights == () for e in rendered.editions.values())
