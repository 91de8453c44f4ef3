"""A message's spam score from SpamAssassin run on this machine, when it is installed.

`spamassassin -L -t`: local tests only (no DNS blocklists, nothing leaves the machine), the
report appended to the message. About a second a message, mostly Perl starting up.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

# Local tests only (no network), the report appended: a kept score (scores.py) is one made so.
SPAMASSASSIN_ARGS = ("-L", "-t")
ERROR_SCORE = 5.0  # SpamAssassin's own threshold: at or above it a message is spam
WARNING_SCORE = 2.0
TIMEOUT = 120
# A line of the report: points, rule name, description ("-0.0 NO_RECEIVED  Informational: ...").
_RULE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$", re.M)
_SCORE = re.compile(r"Content analysis details:\s+\((-?\d+(?:\.\d+)?) points")


@dataclass(frozen=True)
class SpamScore:
    score: float
    rules: list[tuple[str, float, str]]  # (name, points, description) of rules with points
    scored_at: dt.datetime
    reused: bool = False  # kept from an earlier run on the same message (scores.py)

    def as_json(self) -> dict:
        return {
            "score": self.score,
            "rules": [{"name": n, "points": p, "description": d} for n, p, d in self.rules],
            "scored_at": self.scored_at.isoformat(timespec="seconds"),
            "reused": self.reused,
        }

    def describe(self) -> str:
        fired = ", ".join(f"{name} {points:+g}" for name, points, _ in self.rules)
        return f"{self.score:g} points" + (f" ({fired})" if fired else "")


def spamassassin() -> str | None:
    """The spamassassin program, or None when it is not installed."""
    return shutil.which("spamassassin")


def spam_score(message: bytes, program: str) -> SpamScore:
    """SpamAssassin's score of `message`; RuntimeError when it cannot say."""
    with tempfile.TemporaryDirectory(prefix="newsletter-sa-") as home:  # it writes prefs there
        try:
            result = subprocess.run(
                [program, *SPAMASSASSIN_ARGS],
                input=message,
                capture_output=True,
                env={"HOME": home, "PATH": "/usr/bin:/bin:/usr/local/bin"},
                timeout=TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RuntimeError(f"spamassassin did not run: {exc}") from None
    return parse_report(result.stdout.decode("utf-8", "replace"))


def parse_report(output: str) -> SpamScore:
    score = _SCORE.search(output)
    if score is None:
        raise RuntimeError("spamassassin gave no report")
    table = output[score.end() :].split("\n\n", 1)[0]
    rules = [
        (name, float(points), " ".join(description.split()))
        for points, name, description in _RULE.findall(table)
        if float(points)
    ]
    return SpamScore(float(score[1]) or 0.0, rules, dt.datetime.now(dt.UTC))  # never -0
