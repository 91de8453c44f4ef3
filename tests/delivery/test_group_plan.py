"""PostgreSQL's group statement (a group's outcomes and marks in one UPDATE) looks its rows
up by the primary key, even while the ledger is new and the planner knows nothing of it: a
scan of the whole table at each group once halved the speed of a 10,000 send."""

from __future__ import annotations

import datetime as dt

import pytest
from psycopg import sql

from newsletter.db import SENT
from newsletter.delivery import ledger
from newsletter.delivery.hot_writes import HotWrites

from .conftest import add_subscribers


def _a_group_of_ten(store):
    """Ten rows claimed from a new 10,000-row ledger (a small table is read whole, as it
    should be); the group statement's values for five outcomes and five marks."""
    now = dt.datetime.now(dt.UTC)
    add_subscribers(store, 10_000)
    with store.transaction() as connection:
        send_id, _ = ledger.start_send(connection, "2013-05", "en", "s", now)
        worker = ledger.register_worker(connection, "here", 1, now)
        claimed = ledger.claim(connection, send_id, worker, 10, now)
    outcomes = [ledger.Outcome(row.id, SENT, 250, "ok") for row in claimed[:5]]
    marks = [row.id for row in claimed[5:]]
    return lambda writes: writes._group_values(outcomes, marks, worker, now)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_group_reads_no_whole_table(store):
    group = _a_group_of_ten(store)
    with store.engine.connect() as connection:
        writes = HotWrites(connection)
        values = group(writes)
        driver = connection.connection.driver_connection
        plan = [row[0] for row in driver.execute("EXPLAIN " + writes._group, values)]
        driver.rollback()
    assert not any("Seq Scan" in line for line in plan), "\n".join(plan)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_one_plan_kept_for_every_group_looks_rows_up_by_key(store):
    """The journal's connection keeps one generic plan for all groups (planning each group
    anew was a third of its server time): planned without the values, it must still find
    the rows by the primary key, on a ledger of any size."""
    group = _a_group_of_ten(store)
    with store.engine.connect() as connection:
        writes = HotWrites(connection)
        driver = connection.connection.driver_connection
        assert driver.execute("SHOW plan_cache_mode").fetchone()[0] == "force_generic_plan"
        values = group(writes)
        statement = writes._group
        for name in values:  # PREPARE takes $n where psycopg takes %(name)s
            statement = statement.replace(f"%({name})s", f"${list(values).index(name) + 1}")
        types = {"at": "timestamptz", "worker": "integer"}  # the rest are text, cast in it
        declared = ", ".join(types.get(name, "text") for name in values)
        driver.execute(f"PREPARE a_group ({declared}) AS {statement}")
        arguments = sql.SQL(", ").join(sql.Literal(value) for value in values.values())
        explain = sql.SQL("EXPLAIN EXECUTE a_group({})").format(arguments)
        plan = [row[0] for row in driver.execute(explain)]
        driver.rollback()
        writes.close()
        assert driver.execute("SHOW plan_cache_mode").fetchone()[0] == "auto"
        driver.rollback()
    assert any("$" in line for line in plan), "\n".join(plan)  # the generic plan, no values
    assert not any("Seq Scan" in line for line in plan), "\n".join(plan)
    assert sum("deliveries_pkey" in line for line in plan) == 2, "\n".join(plan)
