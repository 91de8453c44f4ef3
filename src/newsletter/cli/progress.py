"""Progress of a long send: a bar on a terminal (tqdm: count, rate, time left), and a log
line every thousand messages otherwise, for cron jobs and CI logs."""

from __future__ import annotations

import sys
import time
from collections import Counter

import click
from tqdm import tqdm

LOG_EVERY = 1000


class SendProgress:
    def __init__(self, total: int | None):
        self.counts: Counter = Counter()
        self.done = 0
        self.started = time.monotonic()
        self.bar = (
            tqdm(total=total, unit="msg", file=sys.stderr, dynamic_ncols=True, smoothing=0.1)
            if sys.stderr.isatty()
            else None
        )

    def __call__(self, state: str | None) -> None:
        """One message done (its new state), or None while waiting (a retry, the server)."""
        if state is None:
            if self.bar is not None:
                self.bar.refresh()
            return
        self.counts[state] += 1
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.done % LOG_EVERY == 0:
            rate = self.done / max(time.monotonic() - self.started, 1e-9)
            states = ", ".join(f"{n} {s}" for s, n in sorted(self.counts.items()))
            click.echo(f"{self.done:,} messages ({states}), {rate:,.0f}/s", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
