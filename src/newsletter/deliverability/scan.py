"""What an email's HTML holds that deliverability looks at: its images, its links and its
visible text, read with the standard library's HTML parser (no regular expressions on HTML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class ScannedHtml:
    images: list[dict[str, str | None]] = field(default_factory=list)  # each <img>'s attributes
    links: list[str] = field(default_factory=list)  # each <a href>, in order
    text: str = ""  # the visible text, whitespace collapsed


class _Scanner(HTMLParser):
    HIDDEN = ("style", "script", "title", "head")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = ScannedHtml()
        self._pieces: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.found.images.append(dict(attrs))
        elif tag == "a":
            href = dict(attrs).get("href")
            if href is not None:
                self.found.links.append(href.strip())
        elif tag in self.HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._pieces.append(data)


def scan_html(html: str) -> ScannedHtml:
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    scanner.found.text = " ".join(" ".join(scanner._pieces).split())
    return scanner.found


def collapsed(text: str) -> str:
    """`text` with every run of white space one space: how it compares with scanned text."""
    return " ".join(text.split())
