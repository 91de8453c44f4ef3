"""Where newsletter keeps what it can make again (SpamAssassin's scores, compiled
templates): `$XDG_CACHE_HOME/newsletter`, `~/.cache/newsletter` by default; outside the
project, whose folder is a git repository. Deleting it loses nothing but time."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def cache_home(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CACHE_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".cache")
    return Path(base) / "newsletter"
