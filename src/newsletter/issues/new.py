"""`newsletter new`: the next quarter's issue file, in the shape of the last issue.

What usually stays from one issue to the next (the banner's image, alt text and credit, the
section titles, the footer links) is copied. What belongs to one issue (its title's month,
subject, preheader, introduction and the banner's caption, and the entries) is left empty
to fill in, in the same shape: a text given per language stays per language, with an empty
text for each language, which `validate` lists until it is written. A caption copied over
would go out under the new issue unnoticed; an empty one cannot.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from newsletter.config import Config
from newsletter.core import NewsletterError, display_path, format_month

from .model import Issue, Text
from .reading import issue_months, issue_paths, load_issues

DRAFT_NOTE = '# Draft: write each empty text ("") and the entries, then set status: ready.'
# Texts that belong to one issue: written empty, in the last issue's shape, to fill in.
OWN_TEXTS = ("subject", "preheader", "intro")


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
    lines = [DRAFT_NOTE, *_field("title", _title(config, issue_date, last))]
    lines += [f"date: {issue_date.isoformat()}", "status: draft"]
    for key in OWN_TEXTS:
        if last and getattr(last, key):
            lines += _field(key, _emptied(getattr(last, key)))
    if last and last.hero:
        lines.append("hero:")
        for key in ("image", "alt", "caption", "credit"):
            value = getattr(last.hero, key)
            if value:
                value = _emptied(value) if key == "caption" else value
                lines += _field(key, value, indent="  ")
    lines.append("sections:")
    for title in [section.title for section in last.sections] if last else ["News"]:
        lines += _field("title", title, indent="    ", first="  - ")
        lines += ["    entries:", '      - title: ""', f"        date: {issue_date:%Y-%m}"]
    if last and last.links:
        lines.append("links:")
        for link in last.links:
            lines += _field("title", link.title, indent="    ", first="  - ")
            lines += _field("url", link.url, indent="    ")
    return "\n".join(lines) + "\n"


def _title(config: Config, issue_date: dt.date, last: Issue | None) -> Text:
    """The last title with its month moved on, in each of its languages (`…, May 2013` ->
    `…, August 2013`; `…2013年5月号` -> `…2013年8月号`); else the name and the month."""
    title = last.title if last else Text({"*": ""})
    new = Text()
    for key, text in title.items():
        language = config.default_language if key == "*" else key
        old_month = format_month(last.date, language) if last else None
        month = format_month(issue_date, language)
        if old_month and old_month in text:
            new[key] = text.replace(old_month, month)
        else:
            new[key] = f"{config.masthead(language).name}, {month}"
    return new


def _emptied(value: Text) -> Text:
    """The same shape with nothing written: one empty text, or an empty one per language."""
    return Text(dict.fromkeys(value, ""))


def _field(key: str, value: str | Text, indent: str = "", first: str | None = None) -> list[str]:
    """`key: value` at `indent` (`first` opens a list item instead); a text per language as
    a block mapping, as editors write it."""
    opening = (indent if first is None else first) + f"{key}:"
    if isinstance(value, Text) and set(value) != {"*"}:
        texts = (f"{indent}  {_key(lang)}: {_scalar(text)}" for lang, text in value.items())
        return [opening, *texts]
    text = value["*"] if isinstance(value, Text) else value
    return [f"{opening} {_scalar(text)}"]


def _key(language: str) -> str:
    """A language code as a YAML key, quoted where YAML would read it otherwise (`no`)."""
    plain = re.fullmatch(r"[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*", language)
    if plain and language.lower() not in ("no", "yes", "on", "off", "true", "false", "null"):
        return language
    return _scalar(language)


def _scalar(value: str) -> str:
    """A YAML scalar: JSON strings are valid YAML and quote everything safely."""
    return json.dumps(value, ensure_ascii=False)
