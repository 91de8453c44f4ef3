"""`newsletter new`: the next quarter's issue file, with the last issue's sections to fill in."""

from __future__ import annotations

import datetime as dt
import json

from newsletter.config import Config
from newsletter.core import NewsletterError, display_path

from .model import Issue, Text
from .reading import issue_months, issue_paths, load_issues


def new_issue(config: Config, issue_date: dt.date | None = None) -> str:
    # Another draft may still be half-written: sections come from the last issue that is valid.
    issues, _ = load_issues(issue_paths(config), config)
    last = issues[-1] if issues else None
    issue_date = issue_date or _next_date(config, last)
    path = config.issues_dir / f"{issue_date:%Y-%m}.yaml"
    if path.exists():
        raise NewsletterError(f"{display_path(path)} already exists; pass --date for another month")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(draft_text(config, issue_date, last), encoding="utf-8")
    except OSError as exc:
        raise NewsletterError(f"cannot write {display_path(path)}: {exc.strerror}") from None
    return display_path(path)


def _next_date(config: Config, last: Issue | None) -> dt.date:
    """A quarter after the newest issue file, counting drafts that do not validate yet."""
    months = issue_months(config)
    if last:
        months.append((last.date.year, last.date.month))
    if not months:
        return dt.date.today()
    year, month = max(months)
    return _next_quarter(dt.date(year, month, min(last.date.day if last else 15, 28)))


def _next_quarter(day: dt.date) -> dt.date:
    month = day.month + 3
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.date(year, month, min(day.day, 28))


def draft_text(config: Config, issue_date: dt.date, last: Issue | None) -> str:
    name = config.masthead(config.default_language).name
    lines = [
        "# Draft: fill in every entry (title, date, url, summary), then set 'status: ready'.",
        f"title: {_scalar(f'{name}, {issue_date:%B %Y}')}",
        f"date: {issue_date.isoformat()}",
        "status: draft",
    ]
    if last and last.hero:
        # The banner usually stays; its caption belongs to the last issue, so it is left out.
        lines.append("hero:")
        for key in ("image", "alt", "credit"):
            value = getattr(last.hero, key)
            if value:
                lines.append(f"  {key}: {_scalar(value)}")
    lines.append("sections:")
    for section in last.sections if last else []:
        lines += [
            f"  - title: {_scalar(section.title)}",
            "    entries:",
            '      - title: ""',
            f"        date: {issue_date:%Y-%m}",
        ]
    if not last:
        lines += [
            "  - title: News",
            "    entries:",
            '      - title: ""',
            f"        date: {issue_date:%Y-%m}",
        ]
    if last and last.links:
        lines.append("links:")
        for link in last.links:
            lines += [f"  - title: {_scalar(link.title)}", f"    url: {_scalar(link.url)}"]
    return "\n".join(lines) + "\n"


def _scalar(value: str | Text) -> str:
    """A YAML scalar or flow mapping: JSON strings are valid YAML and quote everything safely."""
    if isinstance(value, Text):
        if set(value) == {"*"}:
            return _scalar(value["*"])
        return "{" + ", ".join(f"{lang}: {_scalar(text)}" for lang, text in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)
