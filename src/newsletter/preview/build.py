"""`newsletter build`: an issue's editions written as files, to look at before sending."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from newsletter.config import Config
from newsletter.core import NewsletterError, check_output_folder, display_path
from newsletter.issues import Issue
from newsletter.mail import preview_message
from newsletter.render import WEB_IMAGES, Renderer, issue_warnings

log = logging.getLogger(__name__)  # the CLI prints warnings as `warning: ...` lines
OUTPUTS = ("email.html", "email.txt", "web.html", "preview.eml")


def build_issue(
    config: Config, issue: Issue, out_dir: Path, renderer: Renderer | None = None
) -> list[Path]:
    """Write `<out>/<slug>/<lang>/` email.html, email.txt, web.html, preview.eml and images;
    log a warning for what mail clients will not show as meant (render.issue_warnings)."""
    check_output_folder(out_dir, config.project_dir, example="build/")
    rendered = (renderer or Renderer(config)).render(issue)
    for warning in issue_warnings(rendered):
        log.warning(warning)
    written = []
    try:
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
            remove_other_files(folder / WEB_IMAGES, keep=set(rendered.images))
    except OSError as exc:
        where = display_path(Path(exc.filename)) if exc.filename else display_path(out_dir)
        raise NewsletterError(f"cannot write {where}: {exc.strerror or exc}") from None
    return written


def size_lines(paths: list[Path]) -> list[str]:
    """`build/2013-05/en/email.html   34.2 KB`: one line a file, the sizes right-aligned."""
    names = [display_path(path) for path in paths]
    sizes = [f"{path.stat().st_size / 1024:.1f} KB" for path in paths]
    name_width = max(map(len, names), default=0)
    size_width = max(map(len, sizes), default=0)
    return [f"{n:<{name_width}}  {s:>{size_width}}" for n, s in zip(names, sizes, strict=True)]


def copy_if_changed(source: Path, target: Path) -> None:
    """Copy a file unless the target already has its size and is not older (as make does)."""
    have, want = (target.stat() if target.exists() else None), source.stat()
    if have and have.st_size == want.st_size and have.st_mtime_ns >= want.st_mtime_ns:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def remove_other_files(folder: Path, keep: set[str]) -> None:
    """Images the issue no longer uses go, so web.html shows what the issue says."""
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and path.name not in keep:
                path.unlink()
