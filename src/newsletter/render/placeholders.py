"""Per-subscriber parts of a rendered edition: the one list of tokens, and how to fill them.

An edition is rendered once; what differs per recipient is left in it as a token that
delivery replaces by plain string substitution. Tokens contain no `{{` or `{%`, so nothing
mistakes them for Jinja, and only letters and `%`, so MJML, premailer and URL escaping leave
them alone in text and in href attributes.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

# name -> token. Templates get these as `placeholders.<name>`; delivery passes `values`
# with the same names.
PLACEHOLDERS: dict[str, str] = {
    "unsubscribe_url": "%%NL_UNSUBSCRIBE_URL%%",  # the recipient's one-click unsubscribe link
    "preferences_url": "%%NL_PREFERENCES_URL%%",  # the recipient's preferences page
    "name": "%%NL_NAME%%",  # the recipient's name, empty when unknown
    "email": "%%NL_EMAIL%%",  # the recipient's address
}
# The links made per subscriber (their whole href): delivery writes each recipient's own.
PERSONAL_LINKS = (PLACEHOLDERS["unsubscribe_url"], PLACEHOLDERS["preferences_url"])


def personalise(rendered: str, values: Mapping[str, str], *, html_text: bool = True) -> str:
    """Fill every token of `rendered` with `values` (HTML-escaped when `html_text`)."""
    unknown = set(values) - set(PLACEHOLDERS)
    if unknown:
        raise KeyError(f"unknown placeholder {sorted(unknown)[0]!r}; known: {sorted(PLACEHOLDERS)}")
    for name, token in PLACEHOLDERS.items():
        if token in rendered:
            value = values.get(name, "")
            rendered = rendered.replace(token, html.escape(value) if html_text else value)
    return rendered


def leftover_tokens(text: str) -> list[str]:
    """Tokens still in `text` (a personalised message should have none)."""
    return [token for token in PLACEHOLDERS.values() if token in text]
