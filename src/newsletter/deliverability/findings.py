"""What `check` finds: errors (the issue must not go out so) and warnings, each with where it
comes from, as `issues/2013-05.yaml:14` when the cause is in the issue file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from newsletter.core import Document, Loc, load_yaml, plural
from newsletter.render import RenderedIssue

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One thing `check` found in one edition (language "" when it holds for the issue)."""

    path: str  # the issue file, or the issue's slug when the cause is not in the file
    line: int | None
    level: str  # ERROR or WARNING
    language: str
    message: str

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        edition = f" ({self.language})" if self.language else ""
        return f"{where}: {self.level}{edition}: {self.message}"

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class CheckReport:
    """Every finding about one issue, and the spam score of each edition where it was run."""

    issue: str  # the slug
    findings: list[Finding] = field(default_factory=list)
    spam: dict[str, dict] = field(default_factory=dict)  # language -> {score, rules}
    links_checked: int = 0
    draft: bool = False  # its file does not say 'status: ready' yet
    # What was checked, every edition, for `send` to send as it is (None: not rendered).
    rendered: RenderedIssue | None = field(default=None, compare=False, repr=False)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == WARNING]

    def summary(self) -> str:
        found = f"{plural(len(self.errors), 'error')}, {plural(len(self.warnings), 'warning')}"
        if self.errors:
            verdict = "not ready to send"
        elif self.draft:
            verdict = "ready to send once its file says 'status: ready'"
        else:
            verdict = "ready to send"
        return f"{self.issue}: {found}; {verdict}"

    def as_json(self) -> dict:
        return {
            "issue": self.issue,
            "ok": not self.errors,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.as_json() for f in sorted(self.findings)],
            "spam": self.spam,
            "links_checked": self.links_checked,
        }


class Locator:
    """Makes findings located in one issue file: at a key, or at the line where a text is."""

    def __init__(self, source: Path | None, shown: str, slug: str):
        self.shown, self.slug = shown, slug
        self.doc: Document | None = load_yaml(source, shown)[0] if source else None

    def at(self, loc: Loc, level: str, language: str, message: str) -> Finding:
        line = self.doc.position(loc)[0] if self.doc and loc else None
        return Finding(self.shown if line else self.slug, line, level, language, message)

    def where_written(self, text: str, level: str, language: str, message: str) -> Finding:
        """At the first line of the file holding `text` (a URL as the editor wrote it)."""
        line = None
        if self.doc is not None:
            for number, written in enumerate(self.doc.text.splitlines(), start=1):
                if text in written:
                    line = number
                    break
        return Finding(self.shown if line else self.slug, line, level, language, message)

    def issue(self, level: str, language: str, message: str) -> Finding:
        """Not caused by one place in the file: named by the issue's slug."""
        return Finding(self.slug, None, level, language, message)
