"""The ledger's writes, each on a caller's Connection inside its transaction.

A send snapshots its recipients once; after that a row only moves forward:
pending -> claimed (by one worker) -> sending (handed over, one at a time) -> an outcome.
Claiming takes rows in batches (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so that several
processes share a send without ever taking the same row); `sending` is written for each
message before its data goes to the server, so that after a crash the uncertain rows are
exactly the messages that were in flight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsletter.db import (
    ACTIVE,
    CANCELLED,
    CLAIMED,
    DEFERRED,
    PENDING,
    SENDING,
    SKIPPED,
    UNCERTAIN,
    deliveries,
    sends,
    subscribers,
    workers,
)
from newsletter.subscribers import deliverable_query


@dataclass(frozen=True)
class Claimed:
    """A recipient a worker has taken; only that worker may hand it to the server."""

    id: int
    send_id: int
    subscriber_id: int | None
    email: str
    name: str
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What became of one message: its new state and the server's reply."""

    delivery_id: int
    state: str
    reply_code: int | None = None
    reply: str | None = None
    message_id: str | None = None
    next_attempt_at: dt.datetime | None = None
    attempted: bool = True  # False: never reached the server (attempts stay as they were)


def find_send(connection: Connection, issue: str, language: str) -> sa.Row | None:
    query = sa.select(sends).where(sends.c.issue == issue, sends.c.language == language)
    return connection.execute(query).first()


def start_send(
    connection: Connection, issue: str, language: str, subject: str, at: dt.datetime
) -> tuple[int, bool]:
    """The send of this edition, created with its snapshot if there is none yet; and
    whether this call created it. Two processes starting at once make one snapshot: the
    second waits on the unique (issue, language) row, then finds the first one's."""
    existing = find_send(connection, issue, language)
    if existing is not None:
        return existing.id, False
    lapsed = connection.execute(lapsed_count(at, language)).scalar_one()
    inserted = connection.execute(
        _insert_ignoring_conflict(connection)
        .values(
            issue=issue,
            language=language,
            subject=subject,
            created_at=at,
            recipients=0,
            lapsed=lapsed,
        )
        .returning(sends.c.id)
    ).first()
    if inserted is None:  # another process created it after we looked
        return find_send(connection, issue, language).id, False
    send_id = inserted.id
    recipients = deliverable_query(at, language).subquery()
    snapshot = sa.select(
        sa.literal(send_id),
        recipients.c.id,
        recipients.c.email,
        recipients.c.name,
        sa.literal(PENDING),
        sa.literal(0),
        sa.literal(at, type_=deliveries.c.updated_at.type),
    )
    columns = ["send_id", "subscriber_id", "email", "name", "state", "attempts", "updated_at"]
    connection.execute(sa.insert(deliveries).from_select(columns, snapshot))
    # Counted, not rowcount: psycopg reports -1 for INSERT ... SELECT through SQLAlchemy.
    count = connection.execute(
        sa.select(sa.func.count()).where(deliveries.c.send_id == send_id)
    ).scalar_one()
    connection.execute(sa.update(sends).where(sends.c.id == send_id).values(recipients=count))
    return send_id, True


def _insert_ignoring_conflict(connection: Connection):
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(sends).on_conflict_do_nothing(index_elements=["issue", "language"])


def lapsed_count(at: dt.datetime, language: str) -> sa.Select:
    """Active subscribers of the language left out because their implied consent lapsed."""
    return sa.select(sa.func.count()).where(
        subscribers.c.status == ACTIVE,
        subscribers.c.language == language,
        subscribers.c.consent_expires_at <= at,
    )


def register_worker(connection: Connection, host: str, pid: int, at: dt.datetime) -> int:
    values = {"host": host, "pid": pid, "started_at": at, "heartbeat_at": at}
    return connection.execute(sa.insert(workers).values(values).returning(workers.c.id)).scalar()


def heartbeat(
    connection: Connection, worker_id: int, send_ids: Iterable[int], at: dt.datetime
) -> None:
    connection.execute(sa.update(workers).where(workers.c.id == worker_id).values(heartbeat_at=at))
    connection.execute(
        sa.update(sends).where(sends.c.id.in_(list(send_ids))).values(heartbeat_at=at)
    )


def stop_worker(connection: Connection, worker_id: int, at: dt.datetime) -> None:
    connection.execute(
        sa.update(workers).where(workers.c.id == worker_id).values(stopped_at=at, heartbeat_at=at)
    )


def dead_workers(
    connection: Connection,
    send_ids: list[int],
    stale_before: dt.datetime,
    host: str,
    alive: Callable[[int], bool],
) -> list[int]:
    """Workers that will not finish what they claimed of these sends: stopped, silent since
    `stale_before`, or (on this host) whose process is gone, so that a killed one need not
    go stale first. Only these sends' rows are read (through their index), not every send's
    the database ever made: another send's are looked at when it is sent again."""
    rows = connection.execute(
        sa.select(workers.c.id, workers.c.host, workers.c.pid, workers.c.heartbeat_at).where(
            workers.c.id.in_(
                sa.select(deliveries.c.worker_id)
                .where(
                    deliveries.c.send_id.in_(send_ids),
                    deliveries.c.state.in_([CLAIMED, SENDING]),
                )
                .distinct()
            )
        )
    ).all()
    stopped = connection.execute(
        sa.select(workers.c.id).where(workers.c.stopped_at.is_not(None))
    ).scalars()
    gone = {
        row.id
        for row in rows
        if row.heartbeat_at < stale_before or (row.host == host and not alive(row.pid))
    }
    return sorted(gone | (set(stopped) & {row.id for row in rows}))


def recover(
    connection: Connection, send_ids: list[int], dead: list[int], at: dt.datetime
) -> tuple[int, int]:
    """These sends' rows left by dead workers: claimed ones go back to pending (they never
    reached the server); those being handed over become uncertain. Returns both counts."""
    if not dead:
        return 0, 0
    theirs = sa.and_(deliveries.c.send_id.in_(send_ids), deliveries.c.worker_id.in_(dead))
    released = connection.execute(
        sa.update(deliveries)
        .where(theirs, deliveries.c.state == CLAIMED)
        .values(state=PENDING, worker_id=None, updated_at=at)
    ).rowcount
    uncertain = connection.execute(
        sa.update(deliveries)
        .where(theirs, deliveries.c.state == SENDING)
        .values(
            state=UNCERTAIN,
            reply="the sending process stopped while handing this message to the server",
            updated_at=at,
        )
    ).rowcount
    return released, uncertain


# A claim looks at this many times as many ids as it wants at once: the ids of a send's
# rows are consecutive (its snapshot inserts them together), so a window holds mostly rows
# still pending, however far the send has gone.
WINDOW = 4


@dataclass
class Walk:
    """Where one worker's claims of one send go on from. No index covers the state (see
    db/tables.py: a message's progress updates its row without touching an index), so
    claims walk the send's ids a window at a time, each a short range of ids. The walk
    starts at the first pending row (a worker joining a send half sent skips the sent half
    in one statement). Rows that go back to pending behind the walk (a connection lost
    before the data, another worker's given back at its stop) are found by a sweep of the
    whole send."""

    next_id: int | None = None  # the ids below it were looked at
    end: int = 0  # one past the send's last id
    swept: bool = False  # a sweep after the walk's end found nothing


def went_back(walks: Iterable[Walk]) -> None:
    """A row went back to pending behind these walks: the next claim that finds nothing
    else sweeps."""
    for walk in walks:
        walk.swept = False


def claim(
    connection: Connection,
    send_id: int,
    worker_id: int,
    limit: int,
    at: dt.datetime,
    walk: Walk | None = None,
    sweep: bool = False,
) -> list[Claimed]:
    """Take up to `limit` rows that are due, pending ones first; on PostgreSQL rows other
    workers hold are skipped, not waited for. Rows of people who left since the snapshot
    become skipped. Once the walk is over, the send is swept for rows left behind the first
    time nothing else is found, and after that only when asked (`sweep`)."""
    walk = walk or Walk()
    while True:  # until a row of someone still subscribed, or none
        rows = _walk(connection, send_id, worker_id, limit, at, walk)
        if len(rows) < limit:  # then the deferred ones whose time has come
            due = sa.and_(deliveries.c.state == DEFERRED, deliveries.c.next_attempt_at <= at)
            rows += _take(connection, send_id, worker_id, limit - len(rows), at, due)
        if not rows and (sweep or not walk.swept):
            rows = _take(connection, send_id, worker_id, limit, at, deliveries.c.state == PENDING)
            walk.swept = not rows
        rows.sort(key=lambda row: row.id)
        gone = [row.id for row in rows if row.subscriber_status != ACTIVE]  # None: forgotten
        if gone:
            connection.execute(
                sa.update(deliveries)
                .where(deliveries.c.id.in_(gone))
                .values(
                    state=SKIPPED, reply="no longer subscribed when its turn came", updated_at=at
                )
            )
        kept = [Claimed(*row[:-1]) for row in rows if row.subscriber_status == ACTIVE]
        if kept or not rows:  # a claim of only people who left is no sign that none is left
            return kept


def _walk(connection: Connection, send_id: int, worker_id: int, limit: int, at, walk: Walk) -> list:
    if walk.next_id is None:
        of_send = deliveries.c.send_id == send_id
        pending = sa.and_(of_send, deliveries.c.state == PENDING)
        first = connection.execute(sa.select(sa.func.min(deliveries.c.id)).where(pending))
        last = connection.execute(sa.select(sa.func.max(deliveries.c.id)).where(of_send))
        walk.end = (last.scalar() or -1) + 1
        walk.next_id = first.scalar()
        if walk.next_id is None:  # nothing pending: the walk is over before it starts
            walk.next_id = walk.end
    rows: list = []
    while len(rows) < limit and walk.next_id < walk.end:
        wanted = limit - len(rows)
        stop = min(walk.next_id + wanted * WINDOW, walk.end)
        window = sa.and_(
            deliveries.c.state == PENDING,
            deliveries.c.id >= walk.next_id,
            deliveries.c.id < stop,
        )
        taken = _take(connection, send_id, worker_id, wanted, at, window)
        rows += taken
        # A full take may have left pending rows in the window; else it holds none.
        walk.next_id = max(row.id for row in taken) + 1 if len(taken) == wanted else stop
    return rows


def _take(connection: Connection, send_id: int, worker_id: int, limit: int, at, which) -> list:
    # One state at a time, in id order (an OR of two states made SQLite scan the whole send
    # for each claim).
    chosen = (
        sa.select(deliveries.c.id)
        .where(deliveries.c.send_id == send_id, which)
        .order_by(deliveries.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    # The subscriber's status comes back with the row, where a second query with one bound
    # value an id took a fifth of a PostgreSQL send's Python time (a new statement to compile
    # and convert at each claim); it is looked up by the primary key either way.
    status = (
        sa.select(subscribers.c.status)
        .where(subscribers.c.id == deliveries.c.subscriber_id)
        .scalar_subquery()
        .label("subscriber_status")
    )
    return connection.execute(
        sa.update(deliveries)
        .where(deliveries.c.id.in_(chosen))
        .values(state=CLAIMED, worker_id=worker_id, updated_at=at)
        .returning(
            deliveries.c.id,
            deliveries.c.send_id,
            deliveries.c.subscriber_id,
            deliveries.c.email,
            deliveries.c.name,
            deliveries.c.attempts,
            status,
        )
    ).all()


def release(connection: Connection, send_ids: list[int], worker_id: int, at: dt.datetime) -> int:
    """Give back the rows of these sends this worker claimed but never handed over (a clean
    stop)."""
    return connection.execute(
        sa.update(deliveries)
        .where(
            deliveries.c.send_id.in_(send_ids),
            deliveries.c.worker_id == worker_id,
            deliveries.c.state == CLAIMED,
        )
        .values(state=PENDING, worker_id=None, updated_at=at)
    ).rowcount


def cancel(connection: Connection, send_id: int, at: dt.datetime) -> int:
    """Pending and deferred rows become cancelled; what is in flight finishes."""
    connection.execute(sa.update(sends).where(sends.c.id == send_id).values(cancelled_at=at))
    return connection.execute(
        sa.update(deliveries)
        .where(deliveries.c.send_id == send_id, deliveries.c.state.in_([PENDING, DEFERRED]))
        .values(state=CANCELLED, updated_at=at)
    ).rowcount


def retry_uncertain(connection: Connection, send_id: int, at: dt.datetime) -> int:
    """Uncertain rows go back to pending: the user accepts that some get it twice."""
    return connection.execute(
        sa.update(deliveries)
        .where(deliveries.c.send_id == send_id, deliveries.c.state == UNCERTAIN)
        .values(state=PENDING, worker_id=None, updated_at=at)
    ).rowcount
