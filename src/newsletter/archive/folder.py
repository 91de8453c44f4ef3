"""Write a generated site into its folder: staged, then moved in, keeping what it did not make.

Everything is written into a staging folder before the site folder is touched, so a failure
while writing (a full disk, a bad image) leaves the published site as it was. The files the
archive made are listed in a manifest: a rebuild removes the ones it no longer makes (a
removed issue disappears) and leaves anything else alone, such as a CNAME file or the .git
folder of a gh-pages worktree.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from newsletter.core import NewsletterError, check_output_folder, display_path

MANIFEST = ".newsletter-site"  # the files the archive made, one per line
HEADER = "# Made by `newsletter archive`, which replaces these files on each build.\n"


def write_site(out: Path, files: dict[str, bytes], images: dict[str, Path], project: Path) -> int:
    """Put `files` (path -> bytes) and `images` (path -> source) into `out`; return bytes."""
    check_output_folder(out, project, example="site/")
    previous = _previous_files(out)
    staging = out.parent / f".{out.name}.staging"
    try:
        shutil.rmtree(staging, ignore_errors=True)
        total = _stage(staging, files, images)
        _move_in(staging, out, sorted([*files, *images]), previous)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise NewsletterError(f"cannot write the site to {display_path(out)}: {reason}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return total


def _previous_files(out: Path) -> set[str]:
    """What the last build made; refuses a folder with other content that it did not make."""
    manifest = out / MANIFEST
    if manifest.is_file():
        lines = manifest.read_text(encoding="utf-8").splitlines()
        return {line for line in lines if line and not line.startswith("#")}
    if out.is_dir() and any(out.iterdir()):
        raise NewsletterError(
            f"{display_path(out)} exists and was not made by `newsletter archive`; "
            "choose an empty or new folder with --out"
        )
    return set()


def _stage(staging: Path, files: dict[str, bytes], images: dict[str, Path]) -> int:
    total = 0
    for relative, content in files.items():
        total += _write(staging / relative, content)
    for relative, source in images.items():
        total += _write(staging / relative, source.read_bytes())
    return total


def _move_in(staging: Path, out: Path, made: list[str], previous: set[str]) -> None:
    for relative in made:
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / relative, target)
    for relative in sorted(previous - set(made), reverse=True):
        gone = out / relative
        gone.unlink(missing_ok=True)
        _remove_empty_parents(gone.parent, out)
    (out / MANIFEST).write_text(HEADER + "".join(f"{p}\n" for p in made), encoding="utf-8")


def _write(path: Path, content: bytes) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return len(content)


def _remove_empty_parents(folder: Path, out: Path) -> None:
    while folder != out and folder.is_relative_to(out) and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
