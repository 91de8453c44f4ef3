"""What a server's reply means for a message: sent, try again later, or never.

The one place where SMTP replies become ledger states (as anymail's `parse_recipient_status`
is for its providers): 2xx sent; 4xx deferred, retried with a doubling wait until the
attempts or the hours run out; 5xx failed for good. A broken connection is not the
recipient's fault: before the data went it costs no attempt, after it the message may have
arrived and is uncertain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from newsletter.db import DEFERRED, FAILED, PENDING, SENT, UNCERTAIN

from .ledger import Claimed, Outcome
from .transports import ConnectionLost, Reply


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int  # tries in all
    retry_after: float  # seconds before the first retry
    retry_for: dt.timedelta  # after this long since the send began, a deferral is final


def outcome(
    claimed: Claimed,
    reply: Reply,
    message_id: str,
    policy: RetryPolicy,
    started: dt.datetime,
    now: dt.datetime,
) -> Outcome:
    """The outcome of a message the server answered."""
    if reply.accepted:
        return Outcome(claimed.id, SENT, reply.code, str(reply), message_id)
    if not reply.temporary:
        return Outcome(claimed.id, FAILED, reply.code, str(reply), message_id)
    tries = claimed.attempts + 1
    wait = dt.timedelta(seconds=policy.retry_after * 2 ** (tries - 1))
    if tries >= policy.attempts or now + wait - started > policy.retry_for:
        text = f"gave up after {tries} attempts; last reply: {reply}"
        return Outcome(claimed.id, FAILED, reply.code, text, message_id)
    return Outcome(claimed.id, DEFERRED, reply.code, str(reply), message_id, now + wait)


def lost(claimed: Claimed, error: ConnectionLost, message_id: str) -> Outcome:
    """The outcome of a message whose connection broke while it was handed over."""
    if error.data_sent:
        reason = f"the connection broke after the message was sent: {error.reason}"
        return Outcome(claimed.id, UNCERTAIN, None, reason, message_id)
    reason = f"not sent: the connection broke ({error.reason}); it goes again"
    return Outcome(claimed.id, PENDING, None, reason, None, attempted=False)
