"""Every public URL and route, made in one place.

The archive's pages, its feeds and images, the web version of an edition, and the subscriber
pages (subscribe, confirm, unsubscribe, preferences) all live under `newsletter.base_url`.
The archive writes its files at these paths, messages link to these URLs, and the web server
answers these routes: a route cannot drift between the link in a message and the page that
answers it.

The archive's layout: the default language at the root, other languages under `<lang>/`,
each issue under `<slug>/`, its images under `<slug>/images/` (shared by the languages).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from .project import Config

# The subscriber pages' routes, relative to base_url; {token} is a signed personal token.
SUBSCRIBE = "subscribe/"
CONFIRM = "subscribe/confirm/{token}"
UNSUBSCRIBE = "unsubscribe/{token}"
PREFERENCES = "preferences/{token}"
PREVIEW_TOKEN = "?preview=1"  # the made-up subscriber of preview.eml has no real token
# The subscriber pages' own stylesheet (the archive's site.css with theirs), served by
# `newsletter serve` under subscribe/ so that it comes along when only the pages are served.
PAGES_STYLE = "subscribe/style.css"


def root(config: Config) -> str:
    """The archive's root URL, always ending in one `/`."""
    return config.settings.newsletter.base_url.rstrip("/") + "/"


def root_path(config: Config) -> str:
    """The path of base_url (`/japan-st/`, or `/`): where the web server answers the routes."""
    return urlsplit(root(config)).path


def page_path(language: str, default: str, slug: str | None = None) -> str:
    """A page's path in the site: `index.html`, `ja/index.html`, `2013-05/index.html`, ..."""
    parts = [] if language == default else [language]
    if slug:
        parts.append(slug)
    return "/".join([*parts, "index.html"])


def feed_path(language: str, default: str) -> str:
    return "feed.xml" if language == default else f"{language}/feed.xml"


def images_path(slug: str) -> str:
    """Where an issue's images are in the site: `2013-05/images/`, for every language."""
    return f"{slug}/images/"


def url_of(config: Config, path: str) -> str:
    """The public URL of a site path; a folder's `index.html` is named by the folder."""
    return root(config) + path.removesuffix("index.html")


def archive_url(config: Config, language: str) -> str:
    """The archive's index in a language: the default at `<base_url>`, others at `<lang>/`."""
    return url_of(config, page_path(language, config.default_language))


def web_url(config: Config, slug: str, language: str) -> str:
    """Where the archive publishes an edition: `<slug>/` under its language's index."""
    return url_of(config, page_path(language, config.default_language, slug))


def image_url(config: Config, slug: str, file: str) -> str:
    """The absolute URL of an issue's image in the archive: `<base_url><slug>/images/<file>`."""
    return root(config) + images_path(slug) + file


def subscribe_url(config: Config, language: str | None = None) -> str:
    """The archive's Subscribe link: the configured form, else our own subscribe page, in
    `language` when given (a page of the Japanese archive leads to the Japanese form)."""
    return config.settings.newsletter.subscribe_url or subscribe_page_url(config, language)


def subscribe_page_url(config: Config, language: str | None = None) -> str:
    """Our own subscribe page, served by `newsletter serve`, in `language` when given."""
    page = root(config) + SUBSCRIBE
    return f"{page}?lang={quote(language, safe='')}" if language else page


def unsubscribe_url(config: Config, token: str) -> str:
    """A subscriber's personal one-click unsubscribe link (RFC 8058)."""
    return root(config) + UNSUBSCRIBE.format(token=quote(token, safe=""))


def confirm_url(config: Config, token: str) -> str:
    """The link of a confirmation message (double opt-in)."""
    return root(config) + CONFIRM.format(token=quote(token, safe=""))


def preferences_url(config: Config, token: str) -> str:
    """A subscriber's personal preferences page (language, name, unsubscribe)."""
    return root(config) + PREFERENCES.format(token=quote(token, safe=""))


def preview_url(config: Config, route: str) -> str:
    """A personal link (UNSUBSCRIBE, PREFERENCES) of the made-up preview subscriber: it
    opens nobody's page and unsubscribes nobody."""
    return root(config) + route.format(token="") + PREVIEW_TOKEN
