"""The archive's machine-readable files: an Atom feed per language (feedgen) and a sitemap."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from xml.sax.saxutils import escape

from feedgen.feed import FeedGenerator

from newsletter.config import Config, urls
from newsletter.render import WEB_IMAGES, RenderedIssue

NO_ISSUE_YET = dt.date(1970, 1, 1)  # an empty feed's "updated": fixed, not the build time


def atom_feed(config: Config, rendered: list[RenderedIssue], language: str, path: str) -> bytes:
    """Atom, newest issue first, each entry with the edition's full content."""
    default = config.default_language
    feed = FeedGenerator()
    feed.id(urls.archive_url(config, language))
    masthead = config.masthead(language)
    feed.title(masthead.name)
    feed.subtitle(masthead.description or masthead.name)
    feed.author({"name": config.sender_in(language).name})
    feed.link(href=urls.url_of(config, path), rel="self")
    feed.link(href=feed.id(), rel="alternate")
    feed.language(language)
    # The newest issue's date, never the clock, so that a rebuild gives the same bytes.
    newest = rendered[0].issue.date if rendered else NO_ISSUE_YET
    feed.updated(_moment(newest, config))
    for item in reversed(rendered):  # feedgen prepends: oldest first gives newest on top
        edition = item.edition(language)
        entry = feed.add_entry()
        url = urls.web_url(config, item.issue.slug, language)
        entry.id(url)
        entry.link(href=url)
        entry.title(item.issue.title.get_for(language, default))
        entry.updated(_moment(item.issue.date, config))
        entry.published(_moment(item.issue.date, config))
        if edition.preheader:
            entry.summary(edition.preheader)
        images = urls.image_url(config, item.issue.slug, "")
        content = edition.feed_html.replace(f'src="{WEB_IMAGES}', f'src="{images}')
        entry.content(content, type="html")
    return feed.atom_str(pretty=True)


def sitemap(config: Config, paths: list[str], dates: dict[str, str]) -> bytes:
    """sitemap.xml listing every page, with the issue date as lastmod."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path in sorted(paths):
        url = urls.url_of(config, path)
        lastmod = f"<lastmod>{dates[path]}</lastmod>" if path in dates else ""
        lines.append(f"  <url><loc>{escape(url)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()


def _moment(day: dt.date, config: Config) -> dt.datetime:
    zone = zoneinfo.ZoneInfo(config.timezone)
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone)
