"""Which text an edition takes when a field is not written in its language: the one rule.

An edition in `pt_BR` (or `zh-Hant`) takes the text written for it, else the text for its
base language (`pt`, `zh`), else the fallback its caller names: the default language for an
issue's or the settings' texts, English for the theme's words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def base_language(code: str) -> str:
    """`pt` for `pt_BR` and `pt-BR`; the code itself when it has no region or script."""
    return re.split(r"[_-]", code, maxsplit=1)[0]


def language_fallbacks(language: str, *then: str) -> list[str]:
    """The keys to try, in order, each once: the language, its base language, then `then`."""
    return list(dict.fromkeys([language, base_language(language), *then]))


def pick_language(choices: Mapping[str, T], language: str, *then: str) -> str:
    """The key of `choices` an edition in `language` takes (else `then`, else the first)."""
    for key in language_fallbacks(language, *then):
        if key in choices:
            return key
    return next(iter(choices))
