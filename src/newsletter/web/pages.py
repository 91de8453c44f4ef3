"""The subscriber pages as the reader sees them: in their language, in the archive's look.

Each page is a template of the project's theme (templates/site/, beside the archive's) that
extends the archive's base.html, with the words of labels.toml. Every response carries
headers that keep the personal links in its URL to itself: no Referer to other sites, no
caching, no framing, no indexing.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from newsletter.config import Config, urls
from newsletter.core import ProblemsError, base_language
from newsletter.render import Theme, default_templates, language_name, text_direction

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the URL holds a personal token
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
}
# Each page template, and the values it is given besides the common ones (for the check).
TEMPLATES = {
    "site/subscribe.html": {
        "form": {"email": "", "name": "", "language": ""}, "error": "x", "csrf": "x",
    },
    "site/notice.html": {"title": "x", "paragraphs": ["x"], "links": [{"href": "x", "text": "x"}]},
    "site/confirm.html": {"email": "x"},
    "site/unsubscribe.html": {"email": "x", "preferences": "x"},
    "site/preferences.html": {
        "email": "x", "form": {"name": "", "language": ""}, "active": False, "saved": True,
        "error": "x", "unsubscribe": "x",
    },
    "site/notice.html#plain": {"title": "x", "paragraphs": [], "links": []},
}  # fmt: skip


class Pages:
    """Renders the pages of one project."""

    def __init__(self, config: Config):
        self.config = config
        self.theme = Theme([config.templates_dir, default_templates()])
        self.root_path = urls.root_path(config)

    def language(self, request: Request, preferred: str | None = None) -> str:
        """?lang=, else the subscriber's language, else the browser's, else the default."""
        languages = self.config.languages
        asked = request.query_params.get("lang", "")
        if asked in languages:
            return asked
        if preferred in languages:
            return preferred
        return accepted_language(request.headers.get("accept-language", ""), languages)

    def labels(self, language: str) -> dict[str, str]:
        return self.theme.labels(language)

    def text(self, language: str, name: str, **values: str) -> str:
        """A label with its {newsletter} and other {values} filled in."""
        newsletter = self.config.masthead(language).name
        return self.labels(language)[name].format(newsletter=newsletter, **values)

    def subscribe_link(self, language: str) -> dict[str, str]:
        href = urls.subscribe_page_url(self.config, language)
        return {"href": href, "text": self.labels(language)["subscribe_again"]}

    def render(
        self, template: str, language: str, status: int = 200, headers: dict | None = None,
        **values: Any,
    ) -> HTMLResponse:  # fmt: skip
        html = self.theme.render(template, {**self.common(language), **values})
        return HTMLResponse(html, status, headers={**PAGE_HEADERS, **(headers or {})})

    def notice(
        self, language: str, title: str, *paragraphs: str, status: int = 200, links=()
    ) -> HTMLResponse:
        """A page that says one thing: a heading, a few paragraphs, perhaps links."""
        labels = self.labels(language)
        return self.render(
            "site/notice.html",
            language,
            status,
            title=labels[title],
            paragraphs=list(paragraphs),
            links=list(links),
        )

    def unavailable(self, language: str) -> HTMLResponse:
        """503: the database could not do what was asked (locked, unreachable); try later."""
        return self.notice(
            language, "unavailable_title", self.text(language, "unavailable"), status=503
        )

    def common(self, language: str) -> dict[str, Any]:
        """What base.html needs, as the archive gives it, with absolute links to the archive."""
        config, default = self.config, self.config.default_language
        return {
            "language": language,
            "dir": text_direction(language),
            "labels": self.labels(language),
            "newsletter": config.masthead(language),
            "sender": config.sender_in(language),
            "css": self.root_path + urls.PAGES_STYLE,
            "feed": urls.url_of(config, urls.feed_path(language, default)),
            "home": urls.archive_url(config, language),
            "subscribe_url": urls.subscribe_page_url(config, language),
            "languages": [(code, language_name(code)) for code in config.languages],
            "switch": [
                {
                    "code": other,
                    "name": language_name(other),
                    "current": other == language,
                    "href": f"?lang={other}",
                }
                for other in config.languages
            ],
        }

    def stylesheet(self) -> str:
        """The archive's site.css followed by the pages' own pages.css."""
        return self.theme.render("site/site.css", {}) + self.theme.render("site/pages.css", {})

    def check(self) -> None:
        """Render every page in every language: a template mistake stops `serve` at start
        (ProblemsError naming the file and line), not a reader later."""
        try:
            self.stylesheet()
            for language in self.config.languages:
                for template, values in TEMPLATES.items():
                    name = template.partition("#")[0]  # one template, another branch
                    self.theme.render(name, {**self.common(language), **values})
        except ProblemsError as exc:
            exc.consequence = "nothing is served until it is fixed"
            raise


def accepted_language(header: str, languages: list[str]) -> str:
    """The first of `languages` the browser's Accept-Language asks for (by q), else the first."""
    asked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        match = re.search(r"q=([^;\s]*)", params)
        try:
            quality = float(match[1]) if match else 1.0
        except ValueError:  # a malformed quality: that entry is ignored
            continue
        if tag and quality > 0:
            asked.append((-quality, position, tag.strip().lower()))
    lowered = {code.lower(): code for code in languages}
    for _, _, tag in sorted(asked):
        for candidate in (tag, base_language(tag)):
            if candidate in lowered:
                return lowered[candidate]
    return languages[0]


def mask(email: str) -> str:
    """`j***@e***.org`: enough for its owner to recognise, little for anyone else."""
    local, _, domain = email.rpartition("@")
    name, dot, suffix = domain.rpartition(".")
    masked_domain = f"{name[:1]}***{dot}{suffix}" if name else f"{suffix[:1]}***"
    return f"{local[:1]}***@{masked_domain}"
