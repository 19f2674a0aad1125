"""GraphQL query benchmark: generated API over HTTP against the same SQL run raw through psycopg.

    python bench/graphql_query.py [--workers 2] [--seconds 10] [--connections 32] [--no-coalesce]

Seeds the sample project (inventory_deduction) with 100 products and 3 orders
each, then for two queries
  list   ``product(limit: 100, order_by: {id: asc}) { ... orders { id quantity } }``
  by_pk  ``product_by_pk(id: $id) { ... }``
runs ``wrk`` (POST body + admin token from a Lua script) against a real
``minimomen serve`` for N seconds over C connections -> requests/s, p50/p99; then
the exact SQL the API compiled (same statement, same parameters) through psycopg
with C asyncio tasks sharing a pool of C connections for N seconds -> requests/s,
p50/p99, and the ratio GraphQL / raw SQL (goal: >= 0.5).

The server coalesces concurrent runs of one query plan into one statement
(``runtime.graphql.coalesce``), as it does by default; ``--no-coalesce`` starts it
with ``MINIMOMEN_COALESCE_READS=0``, one statement per request like the raw side,
which isolates the API's own per-request cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from psycopg_pool import AsyncConnectionPool

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from builder.definition import Definition
from builder.resolved import resolve
from runtime.database import DatabaseServer
from runtime.graphql.execute import compiled_sql
from runtime.project import PublishedState
from runtime.types import Session
from tests.conftest import copy_sample, start_server, unique_prefix

SLUG = "inventory_deduction"
QUERIES: dict[str, tuple[str, dict[str, object]]] = {
    "list": ("query List { product(limit: 100, order_by: {id: asc}) { id product_name price stock orders { id quantity } } }", {}),
    "by_pk": ("query ByPk($id: bigint!) { product_by_pk(id: $id) { id product_name price stock } }", {"id": 50}),
}
LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.body = {body}
"""


def lua_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def seed(url: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    products = [{"product_name": f"Product {i}", "price": i + 0.5, "stock": 1000 + i} for i in range(100)]
    response = httpx.post(url, headers=headers, timeout=60, json={
        "query": "mutation ($p: [product_insert_input!]!) { delete_order(where: {}) { affected_rows } delete_product(where: {}) { affected_rows } insert_product(objects: $p) { returning { id } } }",
        "variables": {"p": products},
    }).json()
    assert "errors" not in response, response
    ids = [row["id"] for row in response["data"]["insert_product"]["returning"]]
    orders = [{"product_id": pid, "quantity": q} for pid in ids for q in (1, 2, 3)]
    response = httpx.post(url, headers=headers, timeout=60, json={
        "query": "mutation ($o: [order_insert_input!]!) { insert_order(objects: $o) { affected_rows } }", "variables": {"o": orders},
    }).json()
    assert response["data"]["insert_order"]["affected_rows"] == 300, response
    QUERIES["by_pk"][1]["id"] = ids[49]


def run_wrk(url: str, token: str, body: str, seconds: int, connections: int, workdir: Path, name: str) -> dict[str, float]:
    script = workdir / f"{name}.lua"
    script.write_text(LUA.format(token=token, body=lua_string(body)))
    out = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": _ms(out, "50%"), "p99": _ms(out, "99%"), "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else ""}  # type: ignore[dict-item]


def _ms(out: str, label: str) -> float:
    value, unit = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def run_raw(conninfo: str, statement: str, params: dict[str, object], seconds: int, connections: int) -> dict[str, float]:
    latencies: list[float] = []
    async with AsyncConnectionPool(conninfo, min_size=connections, max_size=connections, kwargs={"autocommit": True}) as pool:
        await pool.wait()
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while (start := time.perf_counter()) < deadline:
                async with pool.connection() as conn:
                    cursor = await conn.execute(statement, params)
                    row = await cursor.fetchone()
                    assert row is not None and row[0] is not None
                latencies.append(time.perf_counter() - start)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": statistics.median(latencies) * 1000,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000}


def check_same_result(url: str, token: str, conninfo: str, query: str, variables: dict[str, object], statement: str,
                      params: dict[str, object]) -> None:
    """The raw baseline must run what the API runs: same JSON out of both."""
    api = httpx.post(url, headers={"Authorization": f"Bearer {token}"}, json={"query": query, "variables": variables}).json()["data"]
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        raw = json.loads(conn.execute(statement, params).fetchone()[0])  # type: ignore[index]
    assert next(iter(api.values())) == raw, "the raw SQL does not match the API's result"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="alternate API and raw runs this many times; the median ratio is reported")
    parser.add_argument("--no-coalesce", action="store_true", help="one statement per request (MINIMOMEN_COALESCE_READS=0)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mm-bench-") as tmp:
        root = Path(tmp)
        db = DatabaseServer.start(root / "pg")
        prefix = unique_prefix()
        workspace = root / "workspace"
        copy_sample(workspace)
        env = {"MINIMOMEN_POOL_SIZE": str(args.connections), "MINIMOMEN_COALESCE_READS": "0" if args.no_coalesce else "1"}
        server = start_server(workspace, db, prefix=prefix, workers=args.workers, extra_env=env)
        try:
            url = server.graphql_url(SLUG)
            token = server.admin_token(SLUG)
            conninfo = db.conninfo(prefix + SLUG)
            seed(url, token)
            definition = Definition.model_validate_json((workspace / SLUG / "app.json").read_text())
            state = PublishedState(1, resolve(definition))
            print(f"minimomen serve --workers {args.workers} (coalescing {'off' if args.no_coalesce else 'on'}); "
                  f"wrk -c{args.connections} -d{args.seconds}s; raw: psycopg, "
                  f"{args.connections} asyncio tasks, pool of {args.connections}")
            print(f"{'query':<7} {'GraphQL req/s':>14} {'p50 ms':>8} {'p99 ms':>8} | {'raw SQL req/s':>14} {'p50 ms':>8} {'p99 ms':>8} | ratio")
            for name, (query, variables) in QUERIES.items():
                statement, params = compiled_sql(state, Session.admin(), query, variables)
                check_same_result(url, token, conninfo, query, variables, statement, params)
                body = json.dumps({"query": query, "variables": variables})
                ratios = []
                for _ in range(args.rounds):
                    # Alternating rounds: the machine's load drifts, and both sides should see the same drift.
                    api = run_wrk(url, token, body, args.seconds, args.connections, root, name)
                    assert api["non2xx"] == 0, api
                    raw = asyncio.run(run_raw(conninfo, statement, params, args.seconds, args.connections))
                    ratios.append(api["rps"] / raw["rps"])
                    print(f"{name:<7} {api['rps']:>14.0f} {api['p50']:>8.2f} {api['p99']:>8.2f} | {raw['rps']:>14.0f} {raw['p50']:>8.2f} "
                          f"{raw['p99']:>8.2f} | {ratios[-1]:.2f}", flush=True)
                if args.rounds > 1:
                    print(f"{name:<7} median ratio over {args.rounds} rounds: {statistics.median(ratios):.2f}", flush=True)
        finally:
            server.stop()
            db.stop()


if __name__ == "__main__":
    main()
