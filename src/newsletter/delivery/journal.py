"""One thread writes the ledger for all connections of a process, committing in groups.

Before each message's data goes out, its connection asks for `sending` to be committed and
waits: that is what keeps the uncertain window to the messages in flight. The wait is
short because the writer commits whatever has queued up meanwhile in one transaction: the
other connections' marks, outcomes (which nobody waits for), claims and the heartbeat. So
the ledger costs a commit per round of connections, not one per message.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from sqlalchemy.engine import Connection, Engine

from newsletter.db import database_errors, writing

from . import ledger

HEARTBEAT_SECONDS = 2.0


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Journal:
    """The ledger writer of one worker process."""

    def __init__(self, engine: Engine, worker_id: int, send_ids: list[int], shown: str):
        self.engine = engine
        self.worker_id = worker_id
        self.send_ids = send_ids
        self.shown = shown
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="ledger", daemon=True)
        self._failed: BaseException | None = None
        self._last_beat = 0.0
        self._thread.start()

    # What the workers ask for --------------------------------------------------------------

    def sending(self, delivery_id: int) -> Future:
        """Commit that this message is being handed over; the future is done once it is
        durable. Until then the message's data may travel, but not its final dot."""
        return self._ask("sending", delivery_id)

    def record(self, outcome: ledger.Outcome) -> None:
        """Queue an outcome; it is committed with the next group."""
        self._put("outcome", outcome, None)

    def claim(self, send_id: int, limit: int) -> list[ledger.Claimed]:
        return self._ask("claim", (send_id, limit)).result()

    def call(self, work: Callable[[Connection, dt.datetime], Any]) -> Any:
        """Run `work(connection, now)` in the writer's next transaction."""
        return self._ask("call", work).result()

    def close(self) -> None:
        """Commit what is queued, give back unsent claims, mark this worker stopped."""
        if self._thread.is_alive():
            done = self._ask("stop", None)
            self._thread.join()
            done.result()

    # The writer thread ------------------------------------------------------------------------

    def _ask(self, kind: str, payload: Any) -> Future:
        future: Future = Future()
        self._put(kind, payload, future)
        return future

    def _put(self, kind: str, payload: Any, future: Future | None) -> None:
        if self._failed is not None:
            raise self._failed
        self._queue.put((kind, payload, future))
        if self._failed is not None or not self._thread.is_alive():  # it stopped meanwhile
            self._fail_queued(self._failed or RuntimeError("the ledger writer stopped"))

    def _run(self) -> None:
        try:
            with database_errors(f"the ledger in {self.shown}"):
                # BEGIN IMMEDIATE on SQLite: the writer takes the write lock up front.
                self._connection = writing(self.engine.connect())
                self._writes = ledger.HotWrites(self._connection)
        except BaseException as exc:
            self._failed = exc
            self._fail_queued(exc)
            return
        try:
            self._loop()
        finally:
            self._connection.close()

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            try:
                batch = [self._queue.get(timeout=HEARTBEAT_SECONDS)]
            except queue.Empty:
                batch = []
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stopping = any(kind == "stop" for kind, _, _ in batch)
            try:
                results = self._write(batch, stopping)
            except BaseException as exc:  # every waiting worker must hear of it
                self._failed = exc
                for _, _, future in batch:
                    if future is not None:
                        future.set_exception(exc)
                self._fail_queued(exc)
                return
            for (_, _, future), result in zip(batch, results, strict=True):
                if future is not None:
                    future.set_result(result)

    def _write(self, batch: list, stopping: bool) -> list:
        now = utcnow()
        results: list = []
        connection = self._connection  # one for the writer's life: no checkout per group
        with database_errors(f"the ledger in {self.shown}"), connection.begin():
            marks = [payload for kind, payload, _ in batch if kind == "sending"]
            outcomes = [payload for kind, payload, _ in batch if kind == "outcome"]
            # Outcomes first: a row's outcome and its connection's next mark share a group.
            self._writes.record(connection, outcomes, now)
            if marks:
                self._writes.mark_sending(connection, marks, self.worker_id, now)
            for kind, payload, _ in batch:
                results.append(self._one(connection, kind, payload, now))
            if stopping:
                ledger.release(connection, self.worker_id, now)
                ledger.stop_worker(connection, self.worker_id, now)
            elif now.timestamp() - self._last_beat >= HEARTBEAT_SECONDS:
                ledger.heartbeat(connection, self.worker_id, self.send_ids, now)
                self._last_beat = now.timestamp()
        return results

    def _one(self, connection: Connection, kind: str, payload: Any, now: dt.datetime) -> Any:
        if kind == "claim":
            send_id, limit = payload
            return ledger.claim(connection, send_id, self.worker_id, limit, now)
        if kind == "call":
            return payload(connection, now)
        return None

    def _fail_queued(self, exc: BaseException) -> None:
        while True:
            try:
                _, _, future = self._queue.get_nowait()
            except queue.Empty:
                return
            if future is not None:
                future.set_exception(exc)
