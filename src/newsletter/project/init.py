"""`newsletter init`: a new project from the default theme and starter files."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from importlib import resources
from pathlib import Path
from string import Template

from newsletter.core import NewsletterError, check_one_line
from newsletter.render import default_templates

STARTER = resources.files("newsletter.project") / "starter"


def create_project(folder: Path, name: str, today: dt.date | None = None) -> list[Path]:
    """Write config, templates, one sample issue and sample subscribers; return what was made."""
    if not name.strip():
        raise NewsletterError("the newsletter's name is empty")
    try:
        check_one_line(name)  # it goes into the From header
    except ValueError as exc:
        raise NewsletterError(f"the newsletter's name {exc}") from None
    if (folder / "newsletter.toml").exists():
        raise NewsletterError(f"{folder} is already a newsletter project (newsletter.toml exists)")
    today = today or dt.date.today()
    # JSON strings are valid TOML and YAML strings: any name is quoted safely in both.
    values = {
        "name": json.dumps(name, ensure_ascii=False),
        "title": json.dumps(f"{name}, {today:%B %Y}", ensure_ascii=False),
        "date": today.isoformat(),
        "month": f"{today:%Y-%m}",
    }
    files = {
        "newsletter.toml": "newsletter.toml",
        f"issues/{today:%Y-%m}.yaml": "issue.yaml",
        "subscribers/sample.csv": "subscribers.csv",
        ".gitignore": "gitignore",
    }
    made = []
    try:
        for target, source in files.items():
            path = folder / target
            path.parent.mkdir(parents=True, exist_ok=True)
            text = Template((STARTER / source).read_text(encoding="utf-8")).substitute(values)
            path.write_text(text, encoding="utf-8")
            made.append(path)
        shutil.copytree(default_templates(), folder / "templates", dirs_exist_ok=True)
    except OSError as exc:
        raise NewsletterError(f"cannot make {folder}: {exc.strerror or exc}") from None
    made.append(folder / "templates")
    return made
