"""The two ledger writes made for every message (its `sending` mark and its outcome), as
plain SQL on the database driver's own connection, in a group's transaction.

The rest of the ledger's writes are in `ledger`, through SQLAlchemy; these are the hot path.
"""

from __future__ import annotations

import contextlib
import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsletter.db import CLAIMED, SENDING, deliveries

from .ledger import Outcome


class HotWrites:
    """The two writes made for every message, as plain SQL on the database driver's own
    connection: through SQLAlchemy's statement and transaction machinery each cost more than
    the database's own work. Times go through the column type's own conversion, so they are
    stored as Core stores them."""

    def __init__(self, connection: Connection):
        dialect = connection.dialect
        self.postgresql = dialect.name == "postgresql"
        self._driver = connection.connection.driver_connection
        self._driver_error = dialect.loaded_dbapi.Error
        self._time = deliveries.c.updated_at.type.bind_processor(dialect) or (lambda v: v)
        p = "%s" if self.postgresql else "?"
        self._mark = (
            f"UPDATE deliveries SET state = '{SENDING}', updated_at = {p} WHERE id {{ids}} "
            f"AND worker_id = {p} AND state = '{CLAIMED}'"
        )
        self._record = (
            "UPDATE deliveries SET state = {p}, reply_code = {p}, reply = {p}, "
            "message_id = COALESCE({p}, message_id), next_attempt_at = {p}, "
            "attempts = attempts + {p}, updated_at = {p} WHERE id = {p}"
        ).replace("{p}", p)
        # PostgreSQL: a group's outcomes and marks in one statement, the outcomes as one
        # JSON document (one statement to plan and run, not one per outcome; psycopg adapts
        # one string for less than the seven arrays it took: 90 µs a group against 130).
        # Its two updates must not touch the same row (which one wins is not defined): a
        # message refused before its data has its mark and its outcome in one group, and
        # _group_values leaves out that mark, as the claimed state in the mark's condition
        # does when run in turn. The outcomes' ids are given apart too: the planner takes
        # json_to_recordset for 100 rows, and with the ids only there it hash-joined them
        # with a scan of the whole table while the table was small (a 10,000 send went at
        # half speed); the ids list lets it look the rows up by the primary key.
        self._group = (
            "WITH outcome AS (UPDATE deliveries AS d SET state = o.state, "
            "reply_code = o.reply_code, reply = o.reply, "
            "message_id = COALESCE(o.message_id, d.message_id), "
            "next_attempt_at = o.next_attempt_at, attempts = d.attempts + o.attempted, "
            "updated_at = %(at)s FROM json_to_recordset(%(outcomes)s::json) "
            "AS o(id integer, state varchar, reply_code integer, reply text, message_id text, "
            "next_attempt_at timestamptz, attempted integer) "
            "WHERE d.id = ANY(%(decided)s::integer[]) AND d.id = o.id) "
            f"UPDATE deliveries SET state = '{SENDING}', updated_at = %(at)s "
            f"WHERE id = ANY(%(marks)s::integer[]) AND worker_id = %(worker)s "
            f"AND state = '{CLAIMED}'"
        )

        if self.postgresql:
            self._plan_once()

    def _plan_once(self) -> None:
        """Plan the group statement once for all groups. psycopg prepares it after its fifth
        run, but PostgreSQL kept planning it anew for each group's values: 90 µs a group,
        a third of its time in the server, and so of each mark's wait. The plan it would keep
        looks every row up by the primary key whatever the values (tests/delivery/
        test_group_plan.py). The connection's other work plans as usual (`usual_plans`); the
        claims have a connection of their own."""
        self._driver.execute("SET plan_cache_mode = force_generic_plan")
        self._driver.commit()

    def close(self) -> bool:
        """Give the connection back as it came (the pool hands it to others); False when
        that could not be done, and the connection must not go back to the pool."""
        if not self.postgresql:
            return True
        try:
            self._driver.rollback()
            self._driver.execute("RESET plan_cache_mode")
            self._driver.commit()
        except self._driver_error:
            return False
        return True

    def usual_plans(self) -> None:
        """In the transaction begun on this connection, plans made for each statement's
        values, as on any other connection: its other statements (heartbeats, a stop, the
        worker's questions) are not the group's lookups by the primary key."""
        if self.postgresql:
            self._driver.execute("SET LOCAL plan_cache_mode = auto")

    def commit_hot(self, outcomes: list[Outcome], marks: list[int], worker: int, at) -> None:
        """Outcomes, then marks, in a transaction of their own, begun and committed here
        (the caller's SQLAlchemy connection must not be in one)."""
        driver = self._driver
        try:
            if self.postgresql:
                self._commit_group(self._group_values(outcomes, marks, worker, at))
            else:
                driver.execute("BEGIN IMMEDIATE")
                self.record(outcomes, at)
                self.mark_sending(marks, worker, at)
                driver.commit()
        except BaseException as exc:
            self._roll_back()
            if isinstance(exc, self._driver_error):  # said as SQLAlchemy's errors are
                raise sa.exc.DBAPIError.instance(
                    self._record, None, exc, self._driver_error
                ) from None
            raise

    def _commit_group(self, values: dict) -> None:
        """The group's one statement, committed by the server as it runs (autocommit): one
        round trip, where psycopg's BEGIN, the statement and COMMIT took three. Measured,
        30,000 recipients over 8 connections: 1,590-1,668 -> 1,817-1,883 messages/s."""
        driver = self._driver
        driver.autocommit = True
        try:
            driver.execute(self._group, values)
        finally:
            with contextlib.suppress(self._driver_error):  # a broken connection says why
                driver.autocommit = False

    def _group_values(self, outcomes: list[Outcome], marks: list[int], worker: int, at) -> dict:
        decided = {o.delivery_id for o in outcomes}
        rows = [
            {
                "id": o.delivery_id,
                "state": o.state,
                "reply_code": o.reply_code,
                "reply": o.reply,
                "message_id": o.message_id,
                "next_attempt_at": o.next_attempt_at.isoformat() if o.next_attempt_at else None,
                "attempted": int(o.attempted),
            }
            for o in outcomes
        ]
        marks = [mark for mark in marks if mark not in decided]
        return {
            "at": self._time(at),
            "outcomes": json.dumps(rows),
            "decided": "{" + ",".join(map(str, decided)) + "}",
            "marks": "{" + ",".join(map(str, marks)) + "}",
            "worker": worker,
        }

    def _roll_back(self) -> None:
        # A broken connection cannot roll back: the error that got us here says why.
        with contextlib.suppress(self._driver_error):
            self._driver.rollback()

    def mark_sending(self, ids: list[int], worker: int, at) -> None:
        if not ids:
            return
        if self.postgresql:
            sql, values = self._mark.replace("{ids}", "= ANY(%s)"), [ids]
        else:
            sql, values = self._mark.replace("{ids}", f"IN ({', '.join('?' * len(ids))})"), ids
        self._driver.cursor().execute(sql, (self._time(at), *values, worker))

    def record(self, outcomes: list[Outcome], at) -> None:
        if not outcomes:
            return
        when = self._time(at)
        rows = [
            (
                o.state,
                o.reply_code,
                o.reply,
                o.message_id,
                self._time(o.next_attempt_at) if o.next_attempt_at else None,
                int(o.attempted),
                when,
                o.delivery_id,
            )
            for o in outcomes
        ]
        self._driver.cursor().executemany(self._record, rows)
