"""Where `build` and `archive` may write: one rule, so that neither writes over the project.

Both fill their folder with files they make (and `build` removes images an issue no longer
uses), so the folder must not be the project itself, a folder above it, nor one of the
folders that hold what editors write.
"""

from __future__ import annotations

from pathlib import Path

from .errors import NewsletterError
from .wording import display_path

# What editors write and git keeps: generated files have no place inside these.
PROJECT_INPUTS = ("issues", "templates", "subscribers", ".git")


def check_output_folder(out: Path, project: Path, example: str) -> None:
    """NewsletterError unless `out` may take generated files; `example` is the folder to
    suggest instead (`site/`, `build/`)."""
    target, shown, project = out.resolve(), display_path(out), project.resolve()
    if target.is_file():
        raise NewsletterError(f"--out {shown} is a file, not a folder")
    for inside, what in ((project, "the project"), (Path.cwd().resolve(), "the current folder")):
        if inside.is_relative_to(target):
            raise NewsletterError(
                f"--out {shown} would hold {what}: choose a folder of its own, such as {example}"
            )
    for name in PROJECT_INPUTS:
        if target.is_relative_to(project / name):
            raise NewsletterError(
                f"--out {shown} is inside the project's {name}/ folder: choose a folder of "
                f"its own, such as {example}"
            )
