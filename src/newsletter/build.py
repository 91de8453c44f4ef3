"""`newsletter build`: an issue's editions written as files, to look at before sending."""

from __future__ import annotations

import shutil
from pathlib import Path

from .config import Config
from .message import preview_message
from .model import Issue
from .render import WEB_IMAGES, Renderer

OUTPUTS = ("email.html", "email.txt", "web.html", "preview.eml")


def build_issue(
    config: Config, issue: Issue, out_dir: Path, renderer: Renderer | None = None
) -> list[Path]:
    """Write `<out>/<slug>/<lang>/` email.html, email.txt, web.html, preview.eml and images."""
    rendered = (renderer or Renderer(config)).render(issue)
    written = []
    for language, edition in rendered.editions.items():
        folder = out_dir / issue.slug / language
        folder.mkdir(parents=True, exist_ok=True)
        contents = {
            "email.html": edition.email_html.encode("utf-8"),
            "email.txt": edition.text.encode("utf-8"),
            "web.html": edition.web_html.encode("utf-8"),
            "preview.eml": preview_message(edition, config).as_bytes(),
        }
        for name in OUTPUTS:
            (folder / name).write_bytes(contents[name])
            written.append(folder / name)
        for file, source in rendered.images.items():
            copy_if_changed(source, folder / WEB_IMAGES / file)
    return written


def copy_if_changed(source: Path, target: Path) -> None:
    """Copy a file unless the target already has its size and is not older (as make does)."""
    have, want = (target.stat() if target.exists() else None), source.stat()
    if have and have.st_size == want.st_size and have.st_mtime_ns >= want.st_mtime_ns:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
