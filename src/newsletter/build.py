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
            target = folder / WEB_IMAGES / file
            target.parent.mkdir(exist_ok=True)
            shutil.copyfile(source, target)
    return written
