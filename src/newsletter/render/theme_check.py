"""The theme's self-test: every template rendered with a sample issue that uses all of it,
so that a template mistake is found before an issue needs the part it is in.

`build` renders the email templates; `archive` renders those and the site's (site.css,
index.html, issue.html, with base.html under them). Both sets are rendered here, the site's
with the context `archive` gives them (newsletter/archive/site.py: SiteBuilder), each branch
taken once: a list of issues and an empty one, an issue with neighbours and one without.
"""

from __future__ import annotations

from collections.abc import Callable

from newsletter.config import Config, urls
from newsletter.core import Problem, ProblemsError
from newsletter.issues import Issue

from .locales import format_month, language_name, text_direction
from .renderer import RenderedEdition, Renderer

# An issue using every part of the templates (hero, intro, both kinds of date, an entry in
# another language, links), to find template mistakes before an issue needs them.
SAMPLE_ISSUE = {
    "slug": "theme-check",
    "title": "Theme check",
    "date": "2000-01-15",
    "status": "ready",
    "preheader": "Every part of the templates",
    "intro": "An **intro** with [a link](https://example.org/).",
    "hero": {"image": "images/sample.png", "alt": "A sample", "caption": "A caption",
             "credit": "A credit"},
    "sections": [{"title": "News", "entries": [
        {"title": "An entry", "date": "2000-01-05", "url": "https://example.org/a",
         "summary": "A *summary*."},
        {"title": "日本語の項目", "date": "2000-01", "language": "ja"},
        {"title": "An English entry", "date": "2000-01", "language": "en"},
    ]}],
    "links": [{"title": "A link", "url": "https://example.org/"}],
}  # fmt: skip
SITE_TEMPLATES = ("site/site.css", "site/index.html", "site/issue.html")


def check_theme(config: Config) -> list[Problem]:
    """The mistakes in the project's templates that stop `build` or `archive`: labels.toml,
    and each template, found by rendering a sample issue in every language, and the site's
    pages around it; empty when all is well."""
    try:
        renderer = Renderer(config)
    except ProblemsError as exc:  # labels.toml does not parse
        return exc.problems
    problems: list[Problem] = []

    def collect(render: Callable[[], object]) -> object | None:
        try:
            return render()
        except ProblemsError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
            return None

    languages = {*config.languages, "en", "ja"}
    issue = Issue.model_validate(
        SAMPLE_ISSUE, context={"languages": config.languages, "all_languages": languages}
    )
    for language in config.languages:
        edition = collect(lambda language=language: renderer.edition(issue, language))
        for name, context in site_samples(config, renderer, issue, language, edition):
            collect(lambda name=name, context=context: renderer.theme.render(name, context))
    return problems


def site_samples(
    config: Config,
    renderer: Renderer,
    issue: Issue,
    language: str,
    edition: RenderedEdition | None,
) -> list[tuple[str, dict]]:
    """Each site template with a context as the archive gives it, once per branch."""
    common = _common(config, renderer, language)
    title = issue.title.get_for(language, config.default_language)
    month = format_month(issue.date, language)
    listing = {
        "href": f"{issue.slug}/index.html",
        "title": title,
        "date": issue.date.isoformat(),
        "date_label": month,
        "teaser": edition.preheader if edition else title,
    }
    neighbour = {"href": "../other/index.html", "title": month}
    page = {
        **common,
        "title": title,
        "style": edition.style_html if edition else "",
        "content": edition.content_html if edition else "",
    }
    return [
        ("site/site.css", {}),
        ("site/index.html", {**common, "years": [{"year": 2000, "issues": [listing]}]}),
        ("site/index.html", {**common, "years": []}),
        ("site/issue.html", {**page, "nav": {"newer": neighbour, "older": neighbour}}),
        ("site/issue.html", {**page, "nav": {"newer": None, "older": None}}),
    ]


def _common(config: Config, renderer: Renderer, language: str) -> dict:
    return {
        "language": language,
        "dir": text_direction(language),
        "labels": renderer.theme.labels(language),
        "newsletter": config.masthead(language),
        "sender": config.sender_in(language),
        "css": "site.css",
        "feed": "feed.xml",
        "home": "index.html",
        "subscribe_url": urls.subscribe_url(config),
        "switch": [
            {
                "code": other,
                "name": language_name(other),
                "current": other == language,
                "href": "index.html",
            }
            for other in config.languages
        ],
    }


def theme_warnings(config: Config) -> list[str]:
    """What the templates render, but not as meant (a language without its own words)."""
    try:
        return Renderer(config).warnings()
    except ProblemsError:  # check_theme reports it
        return []
