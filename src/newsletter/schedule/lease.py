"""The lease that lets one `newsletter scheduler` of several run the jobs.

APScheduler 3 cannot share a job store between schedulers (its FAQ: "you can't"), so one
row in the database says which process is active and until when. The active process
renews it at every heartbeat; the others try to take it at theirs, and get it only once it
has expired (its holder died or lost the database) or was released (a clean stop). A
single conditional UPDATE takes or renews it, so two processes never both hold it. Times
are the processes' clocks: on several machines keep them in sync (NTP).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from dataclasses import dataclass

import sqlalchemy as sa

from newsletter.db import UtcDateTime, scheduler_lease
from newsletter.subscribers import Store

LEASE = "scheduler"  # the one row every scheduler competes for


@dataclass(frozen=True)
class Holder:
    """Who holds the lease, and until when."""

    name: str | None
    expires_at: dt.datetime | None


def holder_name() -> str:
    """This process, as the lease and the plans it runs name it: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Lease:
    def __init__(self, store: Store, holder: str, seconds: float):
        self.store = store
        self.holder = holder
        self.length = dt.timedelta(seconds=seconds)

    def hold(self, now: dt.datetime) -> bool:
        """Take the lease, or renew it when this process holds it; whether it does now."""
        mine = scheduler_lease.c.holder == self.holder
        free = sa.or_(
            scheduler_lease.c.holder.is_(None),
            scheduler_lease.c.expires_at < sa.literal(now, UtcDateTime),
        )
        with self.store.transaction() as connection:
            taken = connection.execute(
                sa.update(scheduler_lease)
                .where(scheduler_lease.c.name == LEASE, sa.or_(mine, free))
                .values(
                    holder=self.holder,
                    acquired_at=sa.case(
                        (mine, scheduler_lease.c.acquired_at),
                        else_=sa.literal(now, UtcDateTime),
                    ),
                    expires_at=now + self.length,
                )
            ).rowcount
        return taken == 1

    def release(self) -> None:
        """Give the lease up at a clean stop: another process takes it at its next heartbeat."""
        with self.store.transaction() as connection:
            connection.execute(
                sa.update(scheduler_lease)
                .where(scheduler_lease.c.name == LEASE, scheduler_lease.c.holder == self.holder)
                .values(holder=None, expires_at=None)
            )

    def current(self) -> Holder:
        with self.store.reading() as connection:
            row = connection.execute(
                sa.select(scheduler_lease.c.holder, scheduler_lease.c.expires_at).where(
                    scheduler_lease.c.name == LEASE
                )
            ).first()
        return Holder(*row) if row else Holder(None, None)


def active_scheduler(store: Store, now: dt.datetime) -> Holder | None:
    """The scheduler process that holds the lease now, if one does."""
    holder = Lease(store, "", 0).current()
    if holder.name is None or holder.expires_at is None or holder.expires_at < now:
        return None
    return holder
