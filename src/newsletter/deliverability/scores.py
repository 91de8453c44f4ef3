"""SpamAssassin's scores kept by what they depend on, so that `send` after `check`, or a
`send` run again, does not score the same message twice: a run is a second or more of Perl
loading its rules, most of a small send's start-up.

A score is reused only for the same message from the same SpamAssassin: the key is the
message's bytes (less its Date, its Message-ID and its MIME boundary, which every rendering
makes anew) and SpamAssassin's program and rule files, by size and modification time, so an
upgrade, sa-update or an edit of local.cf scores afresh. Kept as one small JSON file a
message in the user's cache folder; losing the folder loses nothing but time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from email.message import EmailMessage
from pathlib import Path

from newsletter.core import cache_home

from .spam import SPAMASSASSIN_ARGS, SpamScore

KEY_FORMAT = "1"  # bump when what a key covers changes
# Where SpamAssassin reads its rules and config: its program names them (Debian's, below,
# when it does not).
_RULE_FOLDER = re.compile(r"^my \$(?:DEF_RULES|LOCAL_RULES|LOCAL_STATE)_DIR\s*=\s*'([^']+)'", re.M)
_STANDARD_FOLDERS = ("/usr/share/spamassassin", "/etc/spamassassin", "/var/lib/spamassassin")
_MADE_PER_RENDERING = (b"date:", b"message-id:")
_HEADERS_END = re.compile(rb"\r?\n\r?\n")


class ScoreCache:
    """Scores by key, in `folder`: a key not found, or a file that cannot be read, is None."""

    def __init__(self, folder: Path):
        self.folder = folder

    def get(self, key: str) -> SpamScore | None:
        try:
            kept = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return SpamScore(
                float(kept["score"]),
                [(r["name"], float(r["points"]), r["description"]) for r in kept["rules"]],
                dt.datetime.fromisoformat(kept["scored_at"]),
                reused=True,
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, score: SpamScore) -> None:
        """Keep `score`; a folder that cannot be written only means scoring again next time."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=self.folder, suffix=".tmp", delete=False
            ) as file:
                json.dump(score.as_json(), file)
        except OSError:
            return
        try:
            os.replace(file.name, self.folder / f"{key}.json")  # whole, or not at all
        except OSError:
            Path(file.name).unlink(missing_ok=True)


def cache_folder(environ: Mapping[str, str]) -> Path:
    """`$XDG_CACHE_HOME/newsletter/spamassassin` (`~/.cache/...` by default)."""
    return cache_home(environ) / "spamassassin"


def score_key(message: EmailMessage, scorer: str) -> str:
    """The key of `message`'s score by the SpamAssassin whose fingerprint is `scorer`."""
    data = message.as_bytes()
    boundary = message.get_boundary()
    if boundary:
        data = data.replace(boundary.encode("ascii"), b"")
    end = _HEADERS_END.search(data)
    head, body = (data[: end.start()], data[end.start() :]) if end else (data, b"")
    digest = hashlib.sha256(f"{KEY_FORMAT}\0{scorer}\0".encode())
    for line in head.splitlines(keepends=True):
        if not line.lower().startswith(_MADE_PER_RENDERING):
            digest.update(line)
    digest.update(body)
    return digest.hexdigest()


def scorer_fingerprint(program: str) -> str | None:
    """SpamAssassin's program, how it is run, and every file in its rule folders, by size and
    modification time (reading them would take longer than the stat); None when no rule file
    is found (a wrapper program naming none, rules kept elsewhere): a change to them could
    not be seen, so nothing is kept."""
    script = Path(program).resolve()
    try:
        folders = _RULE_FOLDER.findall(script.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        folders = []
    rules = _files_under(folders or _STANDARD_FOLDERS)
    if not rules:
        return None
    digest = hashlib.sha256("\0".join(SPAMASSASSIN_ARGS).encode())
    for path in [script, *rules]:
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _files_under(folders: list[str] | tuple[str, ...]) -> list[Path]:
    found = []
    for folder in folders:
        for root, dirs, files in os.walk(folder):  # unreadable folders are passed over
            dirs.sort()
            found += [Path(root, name) for name in sorted(files)]
    return found
