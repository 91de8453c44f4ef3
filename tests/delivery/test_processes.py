"""One send spread over several worker processes: each recipient once, the work shared, their
progress and errors passed on to the parent."""

from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa

from newsletter import delivery
from newsletter.core import NewsletterError
from newsletter.db import deliveries, workers
from newsletter.delivery.processes import run_processes, shares

from .conftest import add_subscribers
from .test_send import run_send


def test_connections_are_shared_as_evenly_as_they_can_be():
    assert shares(8, 2) == [4, 4]
    assert shares(5, 2) == [3, 2]
    assert shares(2, 4) == [1, 1]  # never a process without a connection
    assert shares(4, 1) == [4]


def test_one_send_over_two_worker_processes_reaches_everybody_once(store, smtp_server):
    addresses = add_subscribers(store, 300)
    report, done = run_send(store, connections=4, processes=2)
    assert report.counts["en"] == {"sent": 300}
    assert smtp_server.received() == dict.fromkeys(addresses, 1)
    assert done.count("sent") == 300  # the children's progress, passed on
    with store.reading() as connection:
        shared = connection.execute(
            sa.select(deliveries.c.worker_id, sa.func.count()).group_by(deliveries.c.worker_id)
        ).all()
        pids = set(connection.execute(sa.select(workers.c.pid)).scalars())
    assert len(shared) == 2 and all(count > 0 for _, count in shared)
    assert os.getpid() not in pids and len(pids) == 2  # a row per worker process


def _work_failing(options, stop, progress):
    progress("sent")
    raise NewsletterError("the ledger in bench.db: disk I/O error")


def _work_dying(options, stop, progress):
    os._exit(3)


def test_a_worker_process_error_is_raised_in_the_parent():
    done: list[str | None] = []
    options = delivery.Options(connections=2, processes=2)
    with pytest.raises(NewsletterError) as raised:
        run_processes(_work_failing, options, threading.Event(), done.append, lambda: None)
    assert str(raised.value) == "the ledger in bench.db: disk I/O error"
    assert "sent" in done  # what they did before failing is counted


def test_a_worker_process_that_dies_without_a_word_is_an_error():
    options = delivery.Options(connections=2, processes=2)
    with pytest.raises(NewsletterError) as raised:
        run_processes(_work_dying, options, threading.Event(), lambda state: None, lambda: None)
    assert str(raised.value) == ("a sending process ended unexpectedly; what was sent is recorded")
