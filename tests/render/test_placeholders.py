"""Per-subscriber tokens: one list, safe in every output, filled by string replacement."""

from __future__ import annotations

import pytest

from newsletter.render import PLACEHOLDERS, leftover_tokens, personalise


def test_tokens_are_not_template_syntax_and_survive_url_escaping():
    for token in PLACEHOLDERS.values():
        assert "{{" not in token and "{%" not in token
        assert token.strip("%").replace("_", "").isalnum()


def test_values_are_escaped_in_html_and_kept_in_text():
    page = f'<a href="{PLACEHOLDERS["unsubscribe_url"]}">x</a> Dear {PLACEHOLDERS["name"]}'
    values = {"unsubscribe_url": "https://example.org/u?t=1&s=2", "name": '<b>Ann "A" & Bo</b>'}
    assert personalise(page, values) == (
        '<a href="https://example.org/u?t=1&amp;s=2">x</a> Dear &lt;b&gt;Ann &quot;A&quot; &amp; Bo&lt;/b&gt;'
    )
    text = f"Dear {PLACEHOLDERS['name']}"
    assert personalise(text, values, html_text=False) == 'Dear <b>Ann "A" & Bo</b>'


def test_missing_values_become_empty_and_no_token_is_left():
    filled = personalise(" ".join(PLACEHOLDERS.values()), {})
    assert filled.strip() == "" and leftover_tokens(filled) == []


def test_unknown_value_name_is_a_programming_error():
    with pytest.raises(KeyError, match="unknown placeholder 'unsub'"):
        personalise("x", {"unsub": "y"})
