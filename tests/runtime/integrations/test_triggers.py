"""Database-change triggers on real servers: 1,000 rows -> 1,000 runs across two processes, the cycle limit."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from runtime.database import DatabaseServer
from tests.conftest import copy_sample, start_server, unique_prefix
from tests.runtime.integrations.project import LOG_TABLE, with_flows
from tests.runtime.shared_servers import drop_databases, project_db

SLUG = "inventory_deduction"
PING_TABLE = {"id": "tbl_ping", "name": "ping", "fields": [{"id": "fld_ping_n", "name": "n", "type": "bigint", "required": True, "default": 0}]}

LOG_CHANGE = {
    "id": "log_product_change",
    "name": "Log Product Change",
    "mode": "async",
    "inputs": [{"name": "event", "type": "text"}, {"name": "new", "type": "jsonb"}],
    "nodes": [{"id": "lpc_log", "name": "Log", "type": "insert", "table": "tbl_change_log",
               "values": {"product_id": {"ref": "input.new.id"}, "event": {"ref": "input.event"}}}],
    "on_change": {"table": "tbl_product", "events": ["insert"], "condition": {"new.stock": {"_gte": 1}}},
}

BUMP = {
    "id": "bump",
    "name": "Bump",
    "mode": "async",
    "inputs": [{"name": "new", "type": "jsonb"}],
    "nodes": [{"id": "bump_it", "name": "Bump It", "type": "update", "table": "tbl_ping",
               "filter": {"id": {"_eq": {"ref": "input.new.id"}}}, "increment": {"n": 1}}],
    "on_change": {"table": "tbl_ping", "events": ["insert", "update"]},
}


def definition() -> dict[str, Any]:
    return with_flows([LOG_CHANGE, BUMP], tables=[LOG_TABLE, PING_TABLE])


def wait_until(check: Any, timeout: float, conn: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            found = conn.execute("SELECT actionflow, status, error, count(*) FROM minimomen.task GROUP BY 1, 2, 3").fetchall() if conn else None
            raise AssertionError(f"timed out; tasks: {found}")
        time.sleep(0.2)


def test_a_thousand_inserted_rows_run_a_thousand_times_once_each_across_two_servers(tmp_path: Path, db_server: DatabaseServer) -> None:
    workspace = tmp_path / "ws"
    copy_sample(workspace)
    (workspace / SLUG / "app.json").write_text(json.dumps(definition(), indent=2))
    prefix = unique_prefix()
    a = start_server(workspace, db_server, prefix=prefix)
    try:
        b = start_server(workspace, db_server, prefix=prefix)
        try:
            with project_db(db_server, prefix, SLUG) as conn:
                with pytest.raises(RuntimeError), conn.transaction():  # rolled back: queues nothing
                    conn.execute("INSERT INTO product (product_name, price, stock) SELECT 'trig-gone', 1, 1 FROM generate_series(1, 5)")
                    raise RuntimeError("roll back")
                conn.execute("INSERT INTO product (product_name, price, stock) SELECT 'other', 1, 0 FROM generate_series(1, 50)")
                for _ in range(10):  # ten transactions of a hundred rows
                    conn.execute("INSERT INTO product (product_name, price, stock) SELECT 'trig-' || g, 1, 1 FROM generate_series(1, 100) g")

                def done() -> bool:
                    row = conn.execute("SELECT count(*) FILTER (WHERE status IN ('COMPLETED', 'FAILED')), count(*) FROM minimomen.task "
                                       "WHERE actionflow = 'log_product_change' AND args->'new'->>'product_name' IN ('other') "
                                       "OR args->'new'->>'product_name' LIKE 'trig-%%'").fetchone()
                    return row is not None and row[0] == row[1] == 1050

                wait_until(done, 120, conn)
                logged, distinct = conn.execute("SELECT count(*), count(DISTINCT c.product_id) FROM change_log c JOIN product p "
                                                "ON p.id = c.product_id WHERE p.product_name LIKE 'trig-%%'").fetchone()  # type: ignore[misc]
                every, every_distinct = conn.execute("SELECT count(*), count(DISTINCT product_id) FROM change_log").fetchone()  # type: ignore[misc]
                expected = conn.execute("SELECT count(*) FROM product WHERE product_name LIKE 'trig-%%'").fetchone()
                statuses = conn.execute("SELECT status, count(*) FROM minimomen.task WHERE actionflow = 'log_product_change' "
                                        "AND args->'new'->>'product_name' IN ('other') OR args->'new'->>'product_name' LIKE 'trig-%%' GROUP BY 1").fetchall()
            assert expected == (1000,)
            assert statuses == [("COMPLETED", 1050)]  # the 50 `other` rows: condition false, nothing run
            assert logged == distinct == 1000  # every row once
            assert every == every_distinct  # none twice (the sample's seeded products ran too, at publish)
        finally:
            b.stop()
    finally:
        a.stop()
        drop_databases(db_server, prefix)


def test_a_flow_that_changes_its_own_table_stops_at_the_cycle_limit(tmp_path: Path, db_server: DatabaseServer) -> None:
    from runtime.integrations.changes import MAX_DEPTH

    workspace = tmp_path / "ws"
    copy_sample(workspace)
    (workspace / SLUG / "app.json").write_text(json.dumps(definition(), indent=2))
    prefix = unique_prefix()
    server = start_server(workspace, db_server, prefix=prefix)
    try:
        with project_db(db_server, prefix, SLUG) as conn:
            ping = conn.execute("INSERT INTO ping (n) VALUES (0) RETURNING id").fetchone()[0]  # type: ignore[index]
            wait_until(lambda: conn.execute("SELECT count(*) FROM minimomen.run_log WHERE status = 'SKIPPED'").fetchone() == (1,), 60)
            time.sleep(1.5)  # nothing further runs
            n = conn.execute("SELECT n FROM ping WHERE id = %s", (ping,)).fetchone()
            runs = conn.execute("SELECT count(*) FROM minimomen.task WHERE actionflow = 'bump'").fetchone()
            skipped = conn.execute("SELECT actionflow, error FROM minimomen.run_log WHERE status = 'SKIPPED'").fetchall()
        assert n == (MAX_DEPTH,) and runs == (MAX_DEPTH,)
        assert skipped[0][0] == "bump"
        assert skipped[0][1].startswith(f"change trigger on ping: cycle limit reached - a change made by a run {MAX_DEPTH} levels deep")
    finally:
        server.stop()
        drop_databases(db_server, prefix)
