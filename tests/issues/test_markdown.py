"""Editors' Markdown never becomes script, and its plain text is the HTML's, character for
character: both come from one markdown-it parse."""

from html.parser import HTMLParser

import pytest

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
    assert "ftp://files.example.org/x</p>" in html and "<a rel" not in html


# -- The plain text keeps every character that is not markup ---------------------------------


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible(html: str) -> str:
    """What a reader of the HTML sees, without the spaces between words."""
    parser = _VisibleText()
    parser.feed(html)
    return "".join("".join(parser.parts).split())


# Markdown whose links show their address as their text, so the text part adds nothing.
SAME_TEXT = [
    "write to jane_doe@example.org today",
    "see https://example.net/a_b/c_d.html and www.example.org/x_y_z",
    "the files my_data_file.csv, snake_case_name and __init__.py",
    "`__init__.py` and __init__.py, 2*3*4 and 2 * 3 * 4, a*b*c",
    "**bold _inner_ text** and *it*'s _snake_case_ __dunder__",
    r"\*not emphasis\* and \_not either\_ and a \\ backslash",
    "R&amp;D &lt;b&gt; &copy; &#91;x&#93; A&B",
    "raw <b>tags</b> and <script>alert(1)</script> are text",
    "code `a_b *c* <d>` and ``x ` y``",
    "<https://example.org/a_b> and <jane_doe@example.org>",
    "# A heading\n\nA paragraph\nover two lines",
    "1. First\n2. Second_item\n\n- a_1\n- b_2\n  - c_3",
    "> quoted_text\n> - q_1",
    "```\nfenced_code *x*\n```",
    "日本語の_テキスト_と**強調**、https://ja.example.org/日本_語",
    "a line  \nbreak, and another\\\nbreak",
    "![a chart](https://example.org/c.png) images show nothing",
]


@pytest.mark.parametrize("markdown", SAME_TEXT)
def test_the_text_part_has_exactly_the_characters_the_html_shows(markdown):
    lines = markdown_text(markdown).splitlines()
    assert "".join("".join(_content(line).split()) for line in lines) == visible(
        markdown_html(markdown)
    )


def _content(line: str) -> str:
    """A line of the text part without its quote marks and list marker: the text part's own
    way of showing the HTML's lists and quotes."""
    content = line.lstrip(" >")
    marker = content.split(" ", 1)[0]
    if marker in ("-", "*", "+") or (marker[:-1].isdigit() and marker[-1:] in ".)"):
        content = content[len(marker) :]
    return content


def test_underscores_in_addresses_urls_and_file_names_survive():
    text = markdown_text(
        "Write to jane_doe@example.org or see https://example.net/a_b/c_d.html and the file"
        " my_data_file.csv; `__init__.py`, snake_case_name."
    )
    assert text == (
        "Write to jane_doe@example.org or see https://example.net/a_b/c_d.html and the file"
        " my_data_file.csv; __init__.py, snake_case_name."
    )


def test_text_and_html_agree_on_what_is_emphasis():
    # CommonMark reads these as emphasis; the text part drops exactly the marks the HTML does.
    assert markdown_html("__init__.py and 2*3*4") == (
        "<p><strong>init</strong>.py and 2<em>3</em>4</p>"
    )
    assert markdown_text("__init__.py and 2*3*4") == "init.py and 234"


def test_escapes_and_entities_are_the_characters_they_stand_for():
    assert markdown_text(r"\*not emphasis\* R&amp;D &#91;1&#93;") == "*not emphasis* R&D [1]"


def test_links_show_their_address_once():
    assert markdown_text(
        "[the site](https://a.example/x_y) [https://b.example](https://b.example)"
        " <https://c.example> www.d.example [write](mailto:e_f@example.org)"
        " [e_f@example.org](mailto:e_f@example.org)"
    ) == (
        "the site (https://a.example/x_y) https://b.example https://c.example www.d.example"
        " write (e_f@example.org) e_f@example.org"
    )


def test_a_link_to_another_script_shows_its_address_as_written_and_spaces_encoded():
    text = markdown_text(
        "[日本](https://ja.wikipedia.org/wiki/日本) [report](<https://example.net/a report.pdf>)"
    )
    assert text == (
        "日本 (https://ja.wikipedia.org/wiki/日本) report (https://example.net/a%20report.pdf)"
    )


def test_a_bare_address_with_an_encoded_space_stays_one_address():
    # markdown-it shows %20 as a space in the link's text; the text part keeps the address.
    assert markdown_text("https://example.net/x%20y and <https://example.net/a%20b>") == (
        "https://example.net/x%20y and https://example.net/a%20b"
    )


def test_images_show_nothing_in_either_part():
    markdown = "Before ![a chart](https://example.org/c.png) after"
    assert markdown_text(markdown) == "Before  after"
    assert "<img" not in markdown_html(markdown)


def test_raw_html_is_text_in_both_parts():
    markdown = "Use <b>bold</b> & <script>x</script>"
    assert markdown_text(markdown) == markdown
    assert visible(markdown_html(markdown)) == "".join(markdown.split())


# -- Lists, quotes and line breaks --------------------------------------------------------------


def test_numbered_and_bulleted_lists_keep_one_item_a_line():
    assert markdown_text("Steps:\n\n1. First\n2. Second\n\n- a\n- b") == (
        "Steps:\n\n1. First\n2. Second\n\n- a\n- b"
    )


def test_a_list_numbers_from_its_start_as_the_html_does():
    markdown = "3) three\n4) four\n9) nine"
    assert markdown_text(markdown) == "3) three\n4) four\n5) nine"
    assert markdown_html(markdown).startswith('<ol start="3">')


def test_nested_items_indent_under_their_parent_and_loose_items_keep_their_blank_lines():
    assert markdown_text("- a\n  - b\n    1. c\n- d\n\n  more of d\n- e") == (
        "- a\n  - b\n    1. c\n\n- d\n\n  more of d\n\n- e"
    )


def test_quotes_mark_every_line_and_their_blank_ones():
    assert markdown_text("> one\n>\n> two\n> - x") == "> one\n>\n> two\n>\n> - x"


def test_a_line_break_the_editor_asked_for_stays_and_soft_ones_go():
    assert markdown_text("one  \ntwo\nthree\\\nfour") == "one\ntwo three\nfour"


def test_one_line_written_as_a_list_is_one_paragraph_in_both_parts():
    assert markdown_text("Steps: 1. First 2. Second") == "Steps: 1. First 2. Second"
    assert markdown_html("Steps: 1. First 2. Second") == "<p>Steps: 1. First 2. Second</p>"
