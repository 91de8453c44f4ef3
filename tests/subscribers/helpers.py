"""Helpers for subscriber tests: a fixed clock and the record of who made a change."""

from __future__ import annotations

import datetime as dt

from newsletter.subscribers import Change

# A fixed "now": the sample project's time zone is America/Toronto (UTC-5 in January).
NOW = dt.datetime(2026, 1, 15, 17, 0, tzinfo=dt.UTC)


def change(via: str = "test", at: dt.datetime = NOW) -> Change:
    return Change(via, "tester", at)
