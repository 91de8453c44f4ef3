"""Field rules shared by the settings and the issues: here, which language tags are taken."""

from __future__ import annotations

import pytest

from newsletter.core import babel_locale
from newsletter.core.fields import check_language


@pytest.mark.parametrize(
    "tag",
    ["en", "ja", "ar", "zh-Hant", "zh_Hant", "pt-BR", "pt_BR", "sr-Latn", "zh-Hant-TW"],
)
def test_language_tags_babel_knows_are_taken_as_written(tag):
    """BCP 47 (`zh-Hant`: what HTML's lang holds) and Babel's own form (`pt_BR`, which
    existing projects name their edition folders after) are both taken, unchanged."""
    assert check_language(tag) == tag


@pytest.mark.parametrize("tag", ["xx", "en-XX", "", "en US", "en-", "zh--Hant", "english"])
def test_other_language_tags_are_refused_with_examples(tag):
    with pytest.raises(ValueError) as error:
        check_language(tag)
    assert str(error.value) == (
        f"'{tag}' is not a known language code (try en, fr, ja, pt-BR, zh-Hant)"
    )


@pytest.mark.parametrize(("bcp47", "babel"), [("pt-BR", "pt_BR"), ("zh-Hant", "zh_Hant")])
def test_both_forms_name_the_same_locale(bcp47, babel):
    assert babel_locale(bcp47) == babel_locale(babel)
    assert str(babel_locale(bcp47)) == babel
