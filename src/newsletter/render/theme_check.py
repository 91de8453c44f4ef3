"""The theme's self-test: every template rendered with a sample issue that uses all of it,
so that a template mistake is found before an issue needs the part it is in."""

from __future__ import annotations

from newsletter.config import Config
from newsletter.core import Problem, ProblemsError
from newsletter.issues import Issue

from .renderer import Renderer

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


def check_theme(config: Config) -> list[Problem]:
    """The mistakes in the project's templates that stop `build`: labels.toml, and each
    template, found by rendering a sample issue in every language; empty when all is well."""
    try:
        renderer = Renderer(config)
    except ProblemsError as exc:  # labels.toml does not parse
        return exc.problems
    problems: list[Problem] = []
    languages = {*config.languages, "en", "ja"}
    issue = Issue.model_validate(
        SAMPLE_ISSUE, context={"languages": config.languages, "all_languages": languages}
    )
    for language in config.languages:
        try:
            renderer.edition(issue, language)
        except ProblemsError as exc:
            problems += [p for p in exc.problems if p not in problems]
    return problems


def theme_warnings(config: Config) -> list[str]:
    """What the templates render, but not as meant (a language without its own words)."""
    try:
        return Renderer(config).warnings()
    except ProblemsError:  # check_theme reports it
        return []
