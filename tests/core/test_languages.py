"""One rule for the text an edition takes when a field is not written in its language."""

from __future__ import annotations

import pytest

from newsletter.core import base_language, language_fallbacks, pick_language


@pytest.mark.parametrize(
    ("code", "base"), [("pt_BR", "pt"), ("pt-BR", "pt"), ("zh-Hant", "zh"), ("ja", "ja")]
)
def test_base_language_drops_the_region_or_script(code, base):
    assert base_language(code) == base


def test_fallbacks_go_from_the_region_to_the_language_then_the_default():
    assert language_fallbacks("pt_BR", "en") == ["pt_BR", "pt", "en"]
    assert language_fallbacks("en", "en") == ["en"]


@pytest.mark.parametrize(
    ("choices", "language", "picked"),
    [
        ({"en": "x", "pt": "y"}, "pt_BR", "pt"),
        ({"en": "x", "pt_BR": "y", "pt": "z"}, "pt_BR", "pt_BR"),
        ({"en": "x", "ja": "y"}, "fr", "en"),
        ({"ja": "y"}, "fr", "ja"),  # nothing matches: the first one written
    ],
)
def test_pick_language(choices, language, picked):
    assert pick_language(choices, language, "en") == picked


def test_settings_issue_texts_and_theme_words_fall_back_alike(sample_project):
    from newsletter.config import load_config
    from newsletter.issues import Text
    from newsletter.render import Theme, default_templates

    config = load_config(sample_project, {})
    name = {"en": "News", "pt": "Notícias"}
    assert config.in_language(name, "pt_BR") == "Notícias"
    assert Text(name).get_for("pt_BR", "en") == "Notícias"
    theme = Theme([default_templates()])
    assert theme.labels("ja_JP")["read_more"] == theme.labels("ja")["read_more"]
