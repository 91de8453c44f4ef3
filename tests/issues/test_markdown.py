"""Editors' Markdown never becomes script, and reads well as plain text."""

from newsletter.issues import markdown_html, markdown_inline_html, markdown_text


def test_raw_html_is_escaped_not_passed_through():
    html = markdown_html("Hi <script>alert(1)</script> <img src=x onerror=alert(1)>")
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_javascript_links_are_not_links():
    assert "href" not in markdown_html("[click](javascript:alert(1))")


def test_ordinary_markdown_works():
    html = markdown_html("**Bold** and [JST](https://www.jst.go.jp/) & more")
    assert html == (
        '<p><strong>Bold</strong> and <a href="https://www.jst.go.jp/" rel="noopener">JST</a>'
        " &amp; more</p>"
    )


def test_inline_markdown_has_no_paragraph():
    assert markdown_inline_html("a *b*") == "a <em>b</em>"


def test_plain_text_keeps_link_targets():
    assert markdown_text("See **the** [site](https://a.example) now") == (
        "See the site (https://a.example) now"
    )


def test_japanese_and_emoji_survive():
    assert markdown_html('日本語 🚀 "quotes"') == '<p>日本語 🚀 "quotes"</p>'


def test_bare_web_addresses_become_links_but_other_schemes_do_not():
    html = markdown_html("See https://www.jst.go.jp/ and ftp://files.example.org/x")
    assert '<a href="https://www.jst.go.jp/" rel="noopener">https://www.jst.go.jp/</a>' in html
    assert 'href="ftp:' not in html
