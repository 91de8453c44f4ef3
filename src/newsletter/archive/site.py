"""`newsletter archive`: the static site of past issues, built from rendered editions.

Every ready issue is rendered once per language; that edition's web content serves both its
page and its feed entry. The whole site is written into a staging folder first and swapped in
at the end, so a failed build leaves the previous site untouched, a removed issue disappears,
and the same input gives byte-identical files (nothing depends on the clock).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from newsletter.config import Config, urls
from newsletter.issues import ready_issues
from newsletter.render import (
    WEB_IMAGES,
    RenderedIssue,
    Renderer,
    format_month,
    language_name,
    text_direction,
)

from .feeds import atom_feed, sitemap
from .folder import write_site


@dataclass(frozen=True)
class SiteReport:
    out: Path
    pages: int
    issues: int
    images: int
    bytes: int


def build_archive(config: Config, out: Path) -> SiteReport:
    """Render every ready issue and write the archive site into `out`."""
    issues = ready_issues(config)
    renderer = Renderer(config)
    rendered = [renderer.render(issue) for issue in reversed(issues)]  # newest first
    files = SiteBuilder(config, renderer, rendered).files()
    images = {
        urls.images_path(r.issue.slug) + name: path
        for r in rendered
        for name, path in r.images.items()
    }
    written = write_site(out, files, images, config.project_dir)
    pages = sum(path.endswith(".html") for path in files)
    return SiteReport(out, pages, len(rendered), len(images), written)


def relative(from_page: str, to_path: str) -> str:
    """A link from one page to another file, relative, so the site works from any folder."""
    return posixpath.relpath(to_path, posixpath.dirname(from_page) or ".")


class SiteBuilder:
    """Lays out the pages of the site; `files()` returns site path -> content."""

    def __init__(self, config: Config, renderer: Renderer, rendered: list[RenderedIssue]):
        self.config = config
        self.theme = renderer.theme
        self.rendered = rendered
        self.default = config.default_language
        self.pages = {
            urls.page_path(language, self.default, slug)
            for language in config.languages
            for slug in (None, *(r.issue.slug for r in rendered))
        }

    def files(self) -> dict[str, bytes]:
        files: dict[str, bytes] = {"site.css": self.theme.render("site/site.css", {}).encode()}
        for language in self.config.languages:
            files[urls.page_path(language, self.default)] = self._index(language)
            for position, item in enumerate(self.rendered):
                path = urls.page_path(language, self.default, item.issue.slug)
                files[path] = self._issue_page(language, position, path)
            feed = urls.feed_path(language, self.default)
            files[feed] = atom_feed(self.config, self.rendered, language, feed)
        pages = [p for p in files if p.endswith("index.html")]
        files["sitemap.xml"] = sitemap(self.config, pages, self._dates())
        return files

    def _common(self, language: str, path: str, slug: str | None = None) -> dict:
        labels = self.theme.labels(language)
        feed = urls.feed_path(language, self.default)
        return {
            "language": language,
            "dir": text_direction(language),
            "labels": labels,
            "newsletter": self.config.masthead(language),
            "sender": self.config.sender_in(language),
            "css": relative(path, "site.css"),
            "feed": relative(path, feed),
            "home": relative(path, urls.page_path(language, self.default)),
            "subscribe_url": urls.subscribe_url(self.config, language),
            "switch": [
                {
                    "code": other,
                    "name": language_name(other),
                    "current": other == language,
                    "href": relative(path, urls.page_path(other, self.default, slug)),
                }
                for other in self.config.languages
            ],
        }

    def _index(self, language: str) -> bytes:
        path = urls.page_path(language, self.default)
        years = []
        for year, group in groupby(self.rendered, key=lambda r: r.issue.date.year):
            years.append(
                {"year": year, "issues": [self._listing(r, language, path) for r in group]}
            )
        context = {**self._common(language, path), "years": years}
        return self.theme.render("site/index.html", context).encode()

    def _listing(self, item: RenderedIssue, language: str, from_page: str) -> dict:
        edition = item.edition(language)
        return {
            "href": relative(from_page, urls.page_path(language, self.default, item.issue.slug)),
            "title": item.issue.title.get_for(language, self.default),
            "date": item.issue.date.isoformat(),
            "date_label": format_month(item.issue.date, language),
            "teaser": edition.preheader,
        }

    def _issue_page(self, language: str, position: int, path: str) -> bytes:
        item = self.rendered[position]
        edition = item.edition(language)
        images = relative(path, urls.images_path(item.issue.slug))
        neighbours = {
            "newer": self.rendered[position - 1] if position > 0 else None,
            "older": self.rendered[position + 1] if position + 1 < len(self.rendered) else None,
        }
        context = {
            **self._common(language, path, item.issue.slug),
            "title": item.issue.title.get_for(language, self.default),
            "style": edition.style_html,
            "content": self._local_links(
                edition.content_html.replace(f'src="{WEB_IMAGES}', f'src="{images}/'), path
            ),
            "nav": {
                name: r
                and {
                    "href": relative(path, urls.page_path(language, self.default, r.issue.slug)),
                    "title": format_month(r.issue.date, language),
                }
                for name, r in neighbours.items()
            },
        }
        return self.theme.render("site/issue.html", context).encode()

    def _local_links(self, html: str, page: str) -> str:
        """Links to the archive's own pages made relative, so the site works from anywhere."""
        base = re.escape(urls.root(self.config))

        def local(match: re.Match) -> str:
            target = match[1] + "index.html" if match[1].endswith("/") or not match[1] else match[1]
            return f'href="{relative(page, target)}"' if target in self.pages else match[0]

        return re.sub(rf'href="{base}([^"#?]*)"', local, html)

    def _dates(self) -> dict[str, str]:
        dates = {}
        for item in self.rendered:
            for language in self.config.languages:
                path = urls.page_path(language, self.default, item.issue.slug)
                dates[path] = item.issue.date.isoformat()
        return dates
