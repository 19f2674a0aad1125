"""Flash-sale benchmark: place_order over HTTP against the same transaction as raw SQL.

    python bench/flash_sale.py [--workers 2] [--duration 10] [--rounds 3] [--connections 32]

(a) hot row: ``wrk`` posts ``place_order`` (a logged-in user's token) on one
    product with huge stock for N seconds over C connections -> requests/s,
    p50/p99. Two baselines at the same concurrency, each on a hot row of its own:
    the same transaction as raw SQL through psycopg (C connections, each
    ``BEGIN; guarded UPDATE; INSERT; COMMIT``), and the same logic as a stored
    PL/pgSQL function called in one round trip (what a hand-written server calling
    a stored function does). The three sides alternate for R rounds; medians and
    ratios are reported.
(b) flash sale: stock 100, 2,000 requests from 100 concurrent connections ->
    wall time, and the invariants checked in the database.

Runs a real ``minimomen serve`` on loopback against an embedded PostgreSQL in a
temporary folder (or DATABASE_URL). Prints figures; asserts only correctness.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from runtime.database import DatabaseServer
from tests.conftest import copy_sample, start_server, unique_prefix

SLUG = "inventory_deduction"
PLACE_ORDER = "mutation($p: bigint!, $q: bigint!) { place_order(product_id: $p, quantity: $q) { status } }"
REGISTER = "mutation($u: String!) { authenticateWithUsername(username: $u, password: \"bench-password-1\", register: true) { account { id } jwt { token } } }"
LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.body = '{{"query":"mutation {{ place_order(product_id: {product}, quantity: 1) {{ status }} }}"}}'
"""
STORED_FUNCTION = """CREATE OR REPLACE FUNCTION bench_place_order(p bigint, q bigint, a bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    found_id bigint;
BEGIN
    IF q IS NULL OR q <= 0 THEN
        RETURN 'Please enter a valid quantity';
    END IF;
    UPDATE product SET stock = stock - q WHERE id = p AND stock >= q RETURNING id INTO found_id;
    IF found_id IS NULL THEN
        RETURN 'Stock shortage';
    END IF;
    INSERT INTO "order" (account_id, product_id, quantity) VALUES (a, p, q);
    RETURN 'Order placed successfully';
END $$"""
STORED_CALL = "SELECT bench_place_order(%s, %s, %s)"
RAW_UPDATE = "UPDATE product SET stock = stock - %s WHERE id = %s AND stock >= %s RETURNING id"
RAW_INSERT = 'INSERT INTO "order" (account_id, product_id, quantity) VALUES (%s, %s, %s) RETURNING id'


def sql(conninfo: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def new_product(conninfo: str, stock: int) -> int:
    return sql(conninfo, "INSERT INTO product (product_name, price, stock) VALUES ('bench', 1, %s) RETURNING id", (stock,))[0][0]


def run_wrk(url: str, token: str, product: int, seconds: int, connections: int, workdir: Path) -> dict[str, float]:
    script = workdir / "place_order.lua"
    script.write_text(LUA.format(token=token, product=product))
    threads = min(2, connections)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "requests": total, "p50": _ms(out, "50%"), "p99": _ms(out, "99%"), "non2xx": int(non2xx.group(1)) if non2xx else 0}


def _ms(out: str, label: str) -> float:
    value, unit = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def _drive(conninfo: str, seconds: int, connections: int, one: object) -> dict[str, float]:
    """Run ``one(conn)`` in a loop on ``connections`` connections for ``seconds``; throughput and latency."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await one(conn)  # type: ignore[operator]
                latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "requests": len(latencies),
        "p50": statistics.median(latencies),
        "p99": latencies[int(len(latencies) * 0.99) - 1],
    }


async def raw_sql(conninfo: str, account: int, product: int, seconds: int, connections: int) -> dict[str, float]:
    """The place_order transaction as raw SQL: BEGIN; guarded UPDATE; INSERT; COMMIT."""

    async def one(conn: psycopg.AsyncConnection) -> None:
        async with conn.transaction():
            cur = await conn.execute(RAW_UPDATE, (1, product, 1))
            if await cur.fetchone() is not None:
                await conn.execute(RAW_INSERT, (account, product, 1))

    return await _drive(conninfo, seconds, connections, one)


async def stored_function(conninfo: str, account: int, product: int, seconds: int, connections: int) -> dict[str, float]:
    """The place_order logic as a stored PL/pgSQL function: one statement, one round trip."""

    async def one(conn: psycopg.AsyncConnection) -> None:
        cur = await conn.execute(STORED_CALL, (product, 1, account))
        await cur.fetchone()

    return await _drive(conninfo, seconds, connections, one)


async def _post_many(url: str, requests: list[tuple[bytes, str]], connections: int) -> list[bytes]:
    """POST each (body, token) over ``connections`` keep-alive HTTP/1.1 connections; return the bodies.

    A minimal client: httpx spends more CPU per request than the server under test,
    and both share the same cores.
    """
    parts = urlsplit(url)
    results: list[bytes] = [b""] * len(requests)
    next_index = iter(range(len(requests)))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            for i in next_index:
                body, token = requests[i]
                writer.write(
                    f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
                    f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
                )
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
                results[i] = await reader.readexactly(length)
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return results


async def flash_sale(url: str, tokens: list[str], product: int, requests: int, connections: int, mixed: bool) -> tuple[float, list[str]]:
    bodies = [
        (json.dumps({"query": PLACE_ORDER, "variables": {"p": product, "q": 1 + i % 3 if mixed else 1}}).encode(), tokens[i % len(tokens)])
        for i in range(requests)
    ]
    started = time.perf_counter()
    responses = await _post_many(url, bodies, connections)
    wall = time.perf_counter() - started
    statuses = []
    for raw in responses:
        body = json.loads(raw)
        statuses.append(body["data"]["place_order"]["status"] if body.get("data") else f"error: {body}")
    return wall, statuses


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    return sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]


def check_sale(conninfo: str, product: int, statuses: list[str], stock: int, mixed: bool) -> str:
    sold = sql(conninfo, 'SELECT count(*), coalesce(sum(quantity), 0) FROM "order" WHERE product_id = %s', (product,))[0]
    left = sql(conninfo, "SELECT stock FROM product WHERE id = %s", (product,))[0][0]
    ok = statuses.count("Order placed successfully")
    short = statuses.count("Stock shortage")
    assert ok + short == len(statuses), [s for s in statuses if s not in ("Order placed successfully", "Stock shortage")][:3]
    assert left >= 0 and sold[1] + left == stock and sold[0] == ok, (sold, left, ok)
    if not mixed:
        assert ok == stock and left == 0, (ok, left)
    return f"successes {ok}, shortages {short}, orders {sold[0]}, quantity sold {sold[1]}, stock left {left}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", "--seconds", dest="seconds", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating GraphQL / raw SQL / stored function measurements")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--sale-requests", type=int, default=2000)
    parser.add_argument("--sale-connections", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = DatabaseServer.start(root / "pg", database_url=os.environ.get("DATABASE_URL"))
        os.environ.setdefault("MINIMOMEN_DESIGNER_TOKEN", "bench")
        copy_sample(root / "ws")
        prefix = unique_prefix()
        server = start_server(root / "ws", db, prefix=prefix, workers=args.workers)
        try:
            conninfo = db.conninfo(prefix + SLUG)
            url = server.graphql_url(SLUG)
            auths = [httpx.post(url, json={"query": REGISTER, "variables": {"u": f"bench{i}"}}, timeout=60).json()["data"]["authenticateWithUsername"] for i in range(20)]
            tokens = [a["jwt"]["token"] for a in auths]
            account = int(auths[0]["account"]["id"])
            print(f"flash_sale bench: workers={args.workers}, {args.connections} connections, {args.rounds} x {args.seconds} s per side, on {os.cpu_count()} CPUs")

            # Alternate the sides so that load from other jobs on the machine hits them alike.
            sql(conninfo, STORED_FUNCTION)
            hot, raw_product, stored_product = (new_product(conninfo, 10**12) for _ in range(3))
            httpx.post(url, json={"query": PLACE_ORDER, "variables": {"p": hot, "q": 1}}, headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=60)
            http_runs, raw_runs, stored_runs = [], [], []
            for round_ in range(args.rounds):
                http_runs.append(run_wrk(url, tokens[0], hot, args.seconds, args.connections, root))
                raw_runs.append(asyncio.run(raw_sql(conninfo, account, raw_product, args.seconds, args.connections)))
                stored_runs.append(asyncio.run(stored_function(conninfo, account, stored_product, args.seconds, args.connections)))
                print(f"    round {round_ + 1}: GraphQL {http_runs[-1]['rps']:.0f} req/s, raw SQL {raw_runs[-1]['rps']:.0f} tx/s, "
                      f"stored function {stored_runs[-1]['rps']:.0f} calls/s")
            http, raw, stored = _median_run(http_runs), _median_run(raw_runs), _median_run(stored_runs)
            placed = sql(conninfo, 'SELECT count(*) FROM "order" WHERE product_id = %s', (hot,))[0][0] - 1
            requests = sum(int(r["requests"]) for r in http_runs)
            left = sql(conninfo, "SELECT stock FROM product WHERE id = %s", (hot,))[0][0]
            assert left == 10**12 - placed - 1, (placed, left)  # stock sold = orders placed
            time.sleep(0.5)  # the run log is written in batches
            paths = dict(sql(conninfo, "SELECT compiled, count(*) FROM minimomen.run_log WHERE actionflow = 'place_order' GROUP BY compiled"))
            print(f"    run log: place_order ran {paths.get(True, 0)} times as its compiled SQL function, {paths.get(False, 0)} times node by node")
            print(f"(a) hot row, GraphQL place_order:  {http['rps']:.0f} req/s, p50 {http['p50']:.1f} ms, p99 {http['p99']:.1f} ms "
                  f"(wrk; median of {args.rounds} x {args.seconds} s; {requests} requests, {placed} orders placed, "
                  f"non-2xx {sum(int(r['non2xx']) for r in http_runs)})")
            print(f"    hot row, raw SQL (psycopg):      {raw['rps']:.0f} tx/s,  p50 {raw['p50']:.1f} ms, p99 {raw['p99']:.1f} ms "
                  f"(BEGIN; UPDATE; INSERT; COMMIT on {args.connections} connections)")
            print(f"    hot row, stored function:        {stored['rps']:.0f} calls/s, p50 {stored['p50']:.1f} ms, p99 {stored['p99']:.1f} ms "
                  f"(one round trip, autocommit, {args.connections} connections)")
            print(f"    ratio GraphQL / raw SQL: {http['rps'] / raw['rps']:.2f};  GraphQL / stored function: {http['rps'] / stored['rps']:.2f}")

            for mixed in (False, True):
                product = new_product(conninfo, 100)
                wall, statuses = asyncio.run(flash_sale(url, tokens, product, args.sale_requests, args.sale_connections, mixed))
                label = "quantities 1-3" if mixed else "quantity 1"
                print(f"(b) flash sale, stock 100, {args.sale_requests} requests / {args.sale_connections} connections, {label}: "
                      f"{wall:.2f} s wall; {check_sale(conninfo, product, statuses, 100, mixed)}")
        finally:
            server.stop()
            db.stop()


if __name__ == "__main__":
    main()
