"""MJML -> HTML: mjml-python and premailer with their pitfalls handled."""

from __future__ import annotations

import logging

import cssutils.util
import pytest

from newsletter.render import compiler
from newsletter.render.compiler import MjmlError, compile_email, mjml_to_html

DOC = """<mjml lang="en">
  <mj-head>
    <mj-font name="Lato" href="https://fonts.googleapis.com/css?family=Lato" />
    <mj-style inline="inline">.big { font-size: 20px; } .big a { color: #a51c30; }</mj-style>
    <mj-style>@media only screen and (max-width: 480px) { .big { font-size: 16px !important; } }</mj-style>
  </mj-head>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text font-family="Lato, sans-serif" css-class="big"><p class="big">日本語 <a href="https://example.org/">link</a></p></mj-text>
        <mj-image src="https://example.org/a.png" alt="A" width="600px" />
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""


def test_doctype_is_kept(no_network):
    html = compile_email(DOC)
    assert html.startswith("<!DOCTYPE html>")


def test_rendering_fetches_no_import_url(no_network, monkeypatch):
    # mj-font makes MJML write `@import url(...)`, and cssutils asks its fetcher for it even
    # though premailer has allow_network=False: the fetcher must be ours, which fetches nothing.
    assert cssutils.util._defaultFetcher is compiler._fetch_nothing
    compile_email(DOC)
    assert no_network == []
    asked = []
    monkeypatch.setattr(cssutils.util, "_defaultFetcher", asked.append)
    compile_email(DOC.replace("Lato", "Lora"))  # another URL: premailer caches parsed CSS
    assert asked[0] == "https://fonts.googleapis.com/css?family=Lora"


def test_css_is_inlined_and_media_query_keeps_important(no_network):
    html = compile_email(DOC)
    assert '<p class="big" style="font-size:20px">' in html
    assert 'style="color:#a51c30"' in html
    assert (
        "@media only screen and (max-width: 480px) { .big { font-size: 16px !important; } }" in html
    )


def test_image_keeps_the_width_attribute_outlook_needs(no_network):
    html = compile_email(DOC)
    assert '<img alt="A" height="auto" src="https://example.org/a.png" width="550"' in html


def test_no_log_spam_from_cssutils_or_premailer(no_network, caplog, capsys):
    with caplog.at_level(logging.DEBUG):
        compile_email(DOC.replace(".big {", ".big { mso-line-height-rule: exactly; -ms-x: 1;"))
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_whitespace_runs_are_collapsed():
    html = compile_email(DOC.replace("日本語", "日本語\n\n        more   text"))
    assert "\n\n" not in html and "  " not in html.split("<body", 1)[1]
    assert "日本語\nmore text" in html


def test_parse_error_byte_offset_becomes_a_character_offset():
    source = "<mjml><mj-body>\n<mj-section><mj-column><mj-text>日本語日本語</mj-text>\n</mj-column></mj-section>\n</mj-column></mj-body></mjml>"
    with pytest.raises(MjmlError) as excinfo:
        mjml_to_html(source)
    assert excinfo.value.message == "MJML: unexpected token in root template"
    # MRML stumbles at the token after the stray </mj-column>, 12 bytes later than 6 characters.
    assert source[excinfo.value.offset :] == "</mj-body></mjml>"


@pytest.mark.parametrize(
    ("mjml", "message", "at"),
    [
        ("<mj-text>a</mj-txt>", "MJML: unknown tag <mj-txt>", "</mj-txt>"),
        ("<mj-foo>a</mj-foo>", "MJML: unknown tag <mj-foo>", "<mj-foo>"),
        ("<mj-text>a <b>b</i></mj-text>", "MJML: </i> closes <b>", "</i>"),
        (
            "<mj-text>a <p>b</mj-text>",
            "MJML: <p> is not closed (</mj-text> at line 1 closes it)",
            "<p>",
        ),
    ],
)
def test_structure_mistakes_are_refused_where_they_are(mjml, message, at):
    source = (
        f"<mjml><mj-body><mj-section><mj-column>{mjml}</mj-column></mj-section></mj-body></mjml>"
    )
    with pytest.raises(MjmlError) as excinfo:
        compile_email(source)
    assert excinfo.value.message == message
    assert source[excinfo.value.offset :].startswith(at)


def test_known_tag_in_a_place_mjml_does_not_allow_never_reaches_the_html():
    source = "<mjml><mj-body><mj-section><mj-column><mj-text><mj-column>x</mj-column></mj-text></mj-column></mj-section></mj-body></mjml>"
    with pytest.raises(MjmlError) as excinfo:
        compile_email(source)
    assert excinfo.value.message == "MJML: <mj-column> is not allowed here"
