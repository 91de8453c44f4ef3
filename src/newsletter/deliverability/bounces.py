"""`newsletter bounces process SOURCE`: every report in a bounce mailbox read once, recorded
in the store, and statuses changed by the policy: a complaint makes the subscriber
`complained` at once; a bad mailbox or domain (5.1.x by default) bounces them at once;
other permanent failures after [bounces] hard_to_bounce reports, temporary ones after
soft_to_bounce sends. Auto-replies and messages of no known form change nothing and are
listed for a person to read.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from newsletter.config import Config
from newsletter.db import ACTIVE, AUTO_REPLY, BOUNCED, COMPLAINED, COMPLAINT, HARD, SOFT, UNKNOWN
from newsletter.subscribers import BounceEvent, Change, StatusChange, Store, Tally, record_report

from .mailboxes import open_mailbox
from .reports import Report, read_report


@dataclass
class BounceRun:
    """What one `bounces process` did."""

    source: str
    read: int = 0
    already: int = 0  # reports recorded by an earlier run: nothing counted again
    kinds: Counter = field(default_factory=Counter)  # events recorded, by kind
    changes: list[StatusChange] = field(default_factory=list)
    unhandled: list[Report] = field(default_factory=list)  # auto-replies and unknown forms


def policy(config: Config):
    """The bounce policy of [bounces], as record_report's `decide`."""
    settings = config.settings.bounces

    def decide(tally: Tally) -> str | None:
        if tally.complaints:
            return COMPLAINED  # whatever their status: they asked for no more mail, loudly
        if tally.subscriber.status != ACTIVE:
            return None
        immediate = any(code.startswith(tuple(settings.immediate)) for code in tally.hard if code)
        if immediate or len(tally.hard) >= settings.hard_to_bounce:
            return BOUNCED
        if tally.soft >= settings.soft_to_bounce:
            return BOUNCED
        return None

    return decide


def process_bounces(store: Store, source: str, actor: str, password: str = "") -> BounceRun:
    """Read every unprocessed message of `source` into the store, marking each afterwards."""
    config = store.config
    decide = policy(config)
    box = open_mailbox(source, password or config.imap_password)
    run = BounceRun(box.name)
    try:
        for incoming in box.messages():
            report = read_report(incoming.data, config)
            events = events_of(report)
            made = Change("bounces process", actor, dt.datetime.now(dt.UTC))
            changes = record_report(store, report.key, box.name, events, decide, made)
            run.read += 1
            if changes is None:
                run.already += 1
            else:
                run.kinds.update(event.kind for event in events)
                run.changes += changes
                if not any(event.kind in (HARD, SOFT, COMPLAINT) for event in events):
                    run.unhandled.append(report)
            incoming.mark()  # after the store committed: a crash between reads it again
    finally:
        box.close()
    return run


def events_of(report: Report) -> list[BounceEvent]:
    """The events to record: one per recipient the report names; VERP names the one
    recipient of our message, even when the report names them otherwise or not at all."""
    send_id, subscriber_id = report.verp or (None, None)
    notices = report.notices
    if not notices:
        kind = report.form if report.form in (AUTO_REPLY, UNKNOWN) else UNKNOWN
        return [BounceEvent(kind, report.sender, "", report.subject, send_id, subscriber_id)]
    only = subscriber_id if len(notices) == 1 else None
    return [BounceEvent(n.kind, n.email, n.status, n.detail, send_id, only) for n in notices]
