"""Live-query fan-out benchmark: how fast one committed update reaches 1,000 WebSocket subscribers.

    python bench/fanout.py [--subscribers 1000] [--rounds 5] [--protocol graphql-transport-ws]

Starts a real ``minimomen serve`` (embedded PostgreSQL in a temporary folder, or
DATABASE_URL) on loopback and opens N WebSocket subscribers with a raw client
(websockets' sans-I/O protocol on asyncio transports: arrival is timestamped in
``data_received``, no task per socket, so the client is not the bottleneck).

(a) same query: N subscribers to ``product_by_pk(id: X) { stock }``; one UPDATE of
    row X is committed R times -> latency from the commit until each subscriber has
    the new result (p50/p99/max over N*R), and server RSS per idle subscriber.
(b) different rows: N more subscribers (those of (a) stay connected, so memory is
    measured on top of theirs) to ``product_by_pk`` of N other, different rows;
    - one statement updating all N rows (every subscriber affected), R times;
    - one row updated, 20 times (one subscriber affected; the others must get nothing).
Baseline in the same run: commit -> a psycopg LISTEN connection receiving the
NOTIFY (the floor any live query pays), and N raw ``SELECT stock FROM product
WHERE id = $1`` on one connection (the work of re-running N different groups).
Prints figures; asserts only that every affected subscriber got the right value.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from runtime.database import DatabaseServer
from tests.conftest import copy_sample, start_server, unique_prefix

SLUG = "inventory_deduction"
BY_PK = "subscription S($id: bigint!) { product_by_pk(id: $id) { stock } }"
START = {"graphql-ws": "start", "graphql-transport-ws": "subscribe"}


class Subscriber(asyncio.Protocol):
    """One raw GraphQL-over-WebSocket subscriber; records (arrival time, stock) of each result."""

    def __init__(self, url: str, subprotocol: str, product: int):
        self.ws = ClientProtocol(parse_uri(url), subprotocols=[Subprotocol(subprotocol)])
        self.subprotocol = subprotocol
        self.product = product
        self.transport: asyncio.Transport | None = None
        self.results: list[tuple[float, int]] = []
        self.acked = asyncio.get_running_loop().create_future()
        self.first = asyncio.get_running_loop().create_future()
        self.on_result: Callable[[Subscriber], None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if self.ws.handshake_exc is not None:
                    self.first.set_exception(RuntimeError(f"handshake refused: {self.ws.handshake_exc}"))
                    return
                self._send({"type": "connection_init", "payload": {}})
            elif isinstance(event, Frame) and event.opcode == Opcode.TEXT:
                self._message(now, json.loads(event.data))
        self._flush()

    def _message(self, now: float, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "connection_ack":
            self._send({"type": START[self.subprotocol], "id": "1", "payload": {"query": BY_PK, "variables": {"id": self.product}}})
            self.acked.set_result(None)
        elif kind in ("data", "next"):
            self.results.append((now, message["payload"]["data"]["product_by_pk"]["stock"]))
            if not self.first.done():
                self.first.set_result(None)
            elif self.on_result is not None:
                self.on_result(self)
        elif kind == "error":
            raise RuntimeError(f"subscription failed: {message}")

    def _send(self, message: dict[str, Any]) -> None:
        self.ws.send_text(json.dumps(message).encode())

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.ws.data_to_send():
            if chunk:
                self.transport.write(chunk)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def percentiles(values_ms: list[float]) -> str:
    values = sorted(values_ms)
    p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
    return f"p50 {statistics.median(values):7.1f} ms   p99 {p99:7.1f} ms   max {values[-1]:7.1f} ms   (n={len(values)})"


async def connect_all(port: int, subprotocol: str, products: list[int]) -> list[Subscriber]:
    loop = asyncio.get_running_loop()
    url = f"ws://127.0.0.1:{port}/p/{SLUG}/graphql"
    gate = asyncio.Semaphore(100)  # bounded handshakes in flight

    async def one(product: int) -> Subscriber:
        async with gate:
            _, subscriber = await loop.create_connection(lambda: Subscriber(url, subprotocol, product), "127.0.0.1", port)
            await asyncio.wait_for(subscriber.first, 60)
            return subscriber

    return list(await asyncio.gather(*(one(p) for p in products)))


async def until_all(subscribers: list[Subscriber], count: int, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while any(len(s.results) < count for s in subscribers):
        if time.perf_counter() > deadline:
            missing = sum(1 for s in subscribers if len(s.results) < count)
            raise RuntimeError(f"{missing} subscribers did not get result #{count}")
        await asyncio.sleep(0.005)


async def commit(db_url: str, statement: str, params: tuple[Any, ...]) -> float:
    """Run one autocommit statement; returns the time just before it was sent."""
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
        started = time.perf_counter()
        await conn.execute(statement, params)
        return started


async def baseline_notify(db_url: str, rounds: int = 20) -> list[float]:
    latencies = []
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as listener:
        await listener.execute("LISTEN bench_floor")
        async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as writer:
            for _ in range(rounds):
                started = time.perf_counter()
                await writer.execute("SELECT pg_notify('bench_floor', 'x')")
                async for _ in listener.notifies(stop_after=1, timeout=5):
                    latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def baseline_selects(db_url: str, products: list[int]) -> float:
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
        started = time.perf_counter()
        for product in products:
            await (await conn.execute("SELECT stock FROM product WHERE id = %s", (product,))).fetchone()
        return (time.perf_counter() - started) * 1000


async def same_query(port: int, pid: int, db_url: str, args: argparse.Namespace, product: int) -> list[Subscriber]:
    warm = await connect_all(port, args.protocol, [product] * 20)  # code paths loaded before measuring memory
    await asyncio.sleep(1)
    before = rss_kb(pid)
    subscribers = await connect_all(port, args.protocol, [product] * args.subscribers)
    await asyncio.sleep(2)
    after = rss_kb(pid)
    print(f"(a) {args.subscribers} subscribers, same query: server RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB, "
          f"{(after - before) / args.subscribers:.1f} KB per idle subscriber")
    everyone = subscribers + warm
    latencies: list[float] = []
    maxima: list[float] = []
    for round_ in range(1, args.rounds + 1):
        started = await commit(db_url, "UPDATE product SET stock = stock + 1 WHERE id = %s", (product,))
        await until_all(everyone, round_ + 1)
        this_round = [(s.results[round_][0] - started) * 1000 for s in everyone]
        latencies += this_round
        maxima.append(max(this_round))
        assert len({s.results[round_][1] for s in everyone}) == 1
        await asyncio.sleep(0.3)
    print(f"    one UPDATE committed, x{args.rounds}: {percentiles(latencies)}")
    print("    slowest subscriber per round: " + ", ".join(f"{m:.0f}" for m in maxima) + " ms")
    return everyone  # kept open: (b)'s memory is then measured on top, not in memory (a) freed


async def different_rows(port: int, pid: int, db_url: str, args: argparse.Namespace, products: list[int]) -> None:
    await asyncio.sleep(1)
    before = rss_kb(pid)
    subscribers = await connect_all(port, args.protocol, products)
    await asyncio.sleep(2)
    after = rss_kb(pid)
    print(f"(b) {len(products)} subscribers, {len(products)} different rows: server RSS {before / 1024:.1f} -> "
          f"{after / 1024:.1f} MiB, {(after - before) / len(products):.1f} KB per idle subscriber")
    latencies: list[float] = []
    maxima: list[float] = []
    for round_ in range(1, args.rounds + 1):
        started = await commit(db_url, "UPDATE product SET stock = stock + 1 WHERE id = ANY(%s)", (products,))
        await until_all(subscribers, round_ + 1)
        this_round = [(s.results[round_][0] - started) * 1000 for s in subscribers]
        latencies += this_round
        maxima.append(max(this_round))
        await asyncio.sleep(0.3)
    print(f"    one UPDATE of all {len(products)} rows, x{args.rounds}: {percentiles(latencies)}")
    print("    slowest subscriber per round: " + ", ".join(f"{m:.0f}" for m in maxima) + " ms")
    single = []
    for i in range(20):
        target = subscribers[(i * 37) % len(subscribers)]
        seen = len(target.results)
        totals = sum(len(s.results) for s in subscribers)
        started = await commit(db_url, "UPDATE product SET stock = stock + 1 WHERE id = %s", (target.product,))
        await until_all([target], seen + 1)
        single.append((target.results[seen][0] - started) * 1000)
        await asyncio.sleep(0.2)
        extra = sum(len(s.results) for s in subscribers) - totals - 1
        assert extra == 0, f"{extra} subscribers of other rows got a message"
    print(f"    one row updated (1 affected subscriber, 0 messages to the others), x20: {percentiles(single)}")
    for s in subscribers:
        s.close()


async def run(port: int, pid: int, db_url: str, args: argparse.Namespace, products: list[int]) -> None:
    floor = await baseline_notify(db_url)
    print(f"baseline: commit -> psycopg LISTEN receives NOTIFY, x20: {percentiles(floor)}")
    selects = await baseline_selects(db_url, products)
    print(f"baseline: {len(products)} raw SELECT-by-id on one connection: {selects:.1f} ms in total")
    first = await same_query(port, pid, db_url, args, products[-1])
    await different_rows(port, pid, db_url, args, products[:-1])
    for subscriber in first:
        subscriber.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--protocol", default="graphql-transport-ws", choices=sorted(START))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="minimomen-fanout-") as tmp:
        root = Path(tmp)
        db = DatabaseServer.start(root / "pg")
        workspace = root / "ws"
        copy_sample(workspace)
        prefix = unique_prefix()
        server = start_server(workspace, db, prefix=prefix)
        try:
            db_url = db.conninfo(prefix + SLUG)
            with psycopg.connect(db_url, autocommit=True) as conn:
                products = [r[0] for r in conn.execute(
                    "INSERT INTO product (product_name, price, stock) SELECT 'bench ' || g, 1, 1000 "
                    "FROM generate_series(1, %s) g RETURNING id", (args.subscribers + 1,)).fetchall()]
            print(f"server pid {server.process.pid}, {args.subscribers} subscribers, {args.protocol}, {args.rounds} rounds")
            asyncio.run(run(server.port, server.process.pid, db_url, args, products))
        finally:
            server.stop()
            db.stop()


if __name__ == "__main__":
    main()
