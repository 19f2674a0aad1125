"""Soak run: mixed traffic for minutes while PostgreSQL is restarted twice and one publish destroys a column.

    python bench/soak.py [--duration 600] [--workers 1] [--readers 3] [--flows 3] [--subscribers 4]

A real ``minimomen serve`` on loopback with its own embedded PostgreSQL (in a
temporary workspace) serves the sample ``inventory_deduction``. Traffic, each
client paced by ``--pause`` seconds between requests:

- reads: ``product(limit: 20)`` as a signed-in user (GraphQL over HTTP);
- flow calls: ``place_order`` on one of five products, quantity 1-3;
- logins: a registered user signs in with the right password;
- subscriptions: live queries over WebSocket (graphql-transport-ws), reconnecting
  when the server closes them.

Events: at 20% of the run the postmaster is killed (``kill -9``; the server's
supervisor starts it again), at 50% a publish drops the product column ``note``
(``allow_data_loss``), at 80% PostgreSQL shuts down fast (SIGINT; started again
by the supervisor). Afterwards: stock + ordered quantities = the initial stock,
acknowledged orders all stored, errors by code (only the documented retryable
ones are allowed: ``DATABASE_UNAVAILABLE``, ``SCHEMA_CHANGED``, ``CONFLICT``),
and the server's RSS over time. Exits 1 when an invariant breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]
import psycopg
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import WebSocketException

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from runtime.database import DatabaseServer
from tests.conftest import DESIGNER_TOKEN, copy_sample, start_server, unique_prefix

SLUG = "inventory_deduction"
RETRYABLE = {"DATABASE_UNAVAILABLE", "SCHEMA_CHANGED", "CONFLICT"}
READ = "{ product(order_by: {id: asc}, limit: 20) { id product_name stock } }"
PLACE_ORDER = "mutation($p: bigint!, $q: bigint!) { place_order(product_id: $p, quantity: $q) { status } }"
AUTH = "mutation($u: String!, $r: Boolean!) { authenticateWithUsername(username: $u, password: \"soak-password-1\", register: $r) { jwt { token } } }"
LIVE = "subscription { product(order_by: {id: asc}, limit: 5) { id stock } }"
PLACED = "Order placed successfully"
PRODUCTS, STOCK = 5, 200_000


class Tally:
    def __init__(self) -> None:
        self.requests: collections.Counter[str] = collections.Counter()
        self.outcomes: collections.Counter[tuple[str, str]] = collections.Counter()
        self.samples: dict[str, list[str]] = {}
        self.acked_orders = 0
        self.acked_quantity = 0
        self.live_updates = 0
        self.live_connects = 0

    def record(self, kind: str, outcome: str, detail: str = "") -> None:
        self.requests[kind] += 1
        self.outcomes[(kind, outcome)] += 1
        if outcome != "ok" and detail:
            self.samples.setdefault(outcome, [])
            if len(self.samples[outcome]) < 3:
                self.samples[outcome].append(detail[:300])


def classify(response: httpx.Response) -> tuple[str, dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return f"http {response.status_code} (not JSON)", {}
    errors = body.get("errors") or []
    if not errors:
        return ("ok" if response.status_code == 200 else f"http {response.status_code}"), body
    extensions = errors[0].get("extensions") or {}
    return str(extensions.get("classification") or extensions.get("code") or "?"), body


async def post(client: httpx.AsyncClient, tally: Tally, kind: str, url: str, query: str, variables: dict[str, Any],
               token: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = await client.post(url, json={"query": query, "variables": variables}, headers=headers)
    except httpx.HTTPError as exc:
        tally.record(kind, f"transport {type(exc).__name__}", str(exc))
        return {}
    outcome, body = classify(response)
    tally.record(kind, outcome, response.text)
    return body if outcome == "ok" else {}


async def reader(client: httpx.AsyncClient, tally: Tally, url: str, tokens: list[str], stop: asyncio.Event, pause: float) -> None:
    while not stop.is_set():
        await post(client, tally, "read", url, READ, {}, random.choice(tokens))
        await asyncio.sleep(pause)


async def buyer(client: httpx.AsyncClient, tally: Tally, url: str, tokens: list[str], products: list[int], stop: asyncio.Event,
                pause: float) -> None:
    while not stop.is_set():
        quantity = random.randint(1, 3)
        body = await post(client, tally, "flow", url, PLACE_ORDER, {"p": random.choice(products), "q": quantity}, random.choice(tokens))
        if (body.get("data") or {}).get("place_order", {}).get("status") == PLACED:
            tally.acked_orders += 1
            tally.acked_quantity += quantity
        await asyncio.sleep(pause)


async def login(client: httpx.AsyncClient, tally: Tally, url: str, users: list[str], stop: asyncio.Event, pause: float) -> None:
    while not stop.is_set():
        await post(client, tally, "login", url, AUTH, {"u": random.choice(users), "r": False}, None)
        await asyncio.sleep(pause)


async def subscriber(tally: Tally, ws_url: str, token: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            async with ws_connect(ws_url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
                await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
                await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": LIVE}}))
                tally.live_connects += 1
                while not stop.is_set():
                    try:
                        message = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
                    except TimeoutError:
                        continue
                    if message.get("type") == "next":
                        errors = message.get("payload", {}).get("errors")
                        if errors:
                            code = (errors[0].get("extensions") or {}).get("classification") or (errors[0].get("extensions") or {}).get("code")
                            tally.record("live update", str(code), json.dumps(errors))
                        else:
                            tally.live_updates += 1
                            tally.record("live update", "ok")
                    elif message.get("type") in ("error", "complete"):
                        tally.record("live update", f"subscription {message['type']}", json.dumps(message))
                        break
        except (OSError, WebSocketException, TimeoutError) as exc:
            tally.record("live connection", f"closed {type(exc).__name__}", str(exc))
        if not stop.is_set():
            await asyncio.sleep(1.0)


def server_rss(pid: int) -> int:
    """RSS of the serve process and its Python children (uvicorn workers), in bytes."""
    root = psutil.Process(pid)
    total = root.memory_info().rss
    for child in root.children(recursive=True):
        try:
            if child.name().startswith("python"):
                total += child.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def postmaster_pid(workspace: Path) -> int:
    return int((workspace / ".minimomen" / "pgdata" / "postmaster.pid").read_text().splitlines()[0])


async def outage(client: httpx.AsyncClient, url: str, token: str, since: float) -> str:
    """How reads fared after an event at ``since``: when the first one failed, when data came back (60 s at most)."""
    failed_at: float | None = None
    while time.monotonic() - since < 60:
        try:
            response = await client.post(url, json={"query": READ}, headers={"Authorization": f"Bearer {token}"})
            ok = response.status_code == 200 and not response.json().get("errors")
        except httpx.HTTPError:
            ok = False
        now = time.monotonic() - since
        if not ok and failed_at is None:
            failed_at = now
        if ok and failed_at is not None:
            return f"reads failed from {failed_at:.1f} s, answered data again at {now:.1f} s"
        if ok and now > 10:
            return "no read failed in the 10 s after it"
        await asyncio.sleep(0.05)
    return "reads still failing after 60 s"


def set_note(designer: httpx.Client, present: bool) -> dict[str, Any]:
    definition = designer.get(f"/api/projects/{SLUG}/definition").json()["definition"]
    product = next(t for t in definition["tables"] if t["name"] == "product")
    product["fields"] = [f for f in product["fields"] if f["name"] != "note"]
    if present:
        product["fields"].append({"id": "fld_product_note", "name": "note", "type": "text"})
    assert designer.put(f"/api/projects/{SLUG}/definition", json={"definition": definition}).status_code == 200
    published = designer.post(f"/api/projects/{SLUG}/publish", json={"dry_run": False, "allow_data_loss": True})
    assert published.status_code == 200, published.text
    return published.json()


def totals(conninfo: str) -> tuple[int, int, int]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        stock = conn.execute("SELECT coalesce(sum(stock), 0) FROM product").fetchone()[0]  # type: ignore[index]
        orders, quantity = conn.execute('SELECT count(*), coalesce(sum(quantity), 0) FROM "order"').fetchone()  # type: ignore[misc]
    return int(stock), int(orders), int(quantity)


async def soak(args: argparse.Namespace, server: Any, workspace: Path, conninfo: str, designer: httpx.Client) -> bool:
    url = server.graphql_url(SLUG)
    tally = Tally()
    limits = httpx.Limits(max_connections=args.readers + args.flows + 2)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        users = [f"soak{i}" for i in range(10)]
        tokens = []
        for user in users:
            body = (await client.post(url, json={"query": AUTH, "variables": {"u": user, "r": True}})).json()
            tokens.append(body["data"]["authenticateWithUsername"]["jwt"]["token"])
        with psycopg.connect(conninfo, autocommit=True) as conn:
            products = [conn.execute("INSERT INTO product (product_name, price, stock) VALUES ('soak', 1, %s) RETURNING id",
                                     (STOCK,)).fetchone()[0] for _ in range(PRODUCTS)]  # type: ignore[index]
        stock0, orders0, quantity0 = totals(conninfo)
        initial = stock0 + quantity0
        print(f"soak: {args.duration:.0f} s, workers={args.workers}, {args.readers} readers, {args.flows} flow callers, 1 login loop, "
              f"{args.subscribers} subscribers, pause {args.pause} s; stock + ordered = {initial} at the start ({orders0} orders)", flush=True)

        stop = asyncio.Event()
        clients = [asyncio.create_task(reader(client, tally, url, tokens, stop, args.pause)) for _ in range(args.readers)]
        clients += [asyncio.create_task(buyer(client, tally, url, tokens, products, stop, args.pause)) for _ in range(args.flows)]
        clients.append(asyncio.create_task(login(client, tally, url, users, stop, args.login_pause)))
        clients += [asyncio.create_task(subscriber(tally, server.ws_url(SLUG), tokens[i % len(tokens)], stop)) for i in range(args.subscribers)]

        started = time.monotonic()
        rss: list[tuple[float, int]] = []
        events = [(0.2, "kill -9 of the postmaster"), (0.5, "destructive publish (drop product.note)"), (0.8, "fast shutdown of PostgreSQL (SIGINT)")]
        watches: list[asyncio.Task[str]] = []
        next_sample = 0.0
        while (elapsed := time.monotonic() - started) < args.duration:
            if elapsed >= next_sample:
                rss.append((elapsed, server_rss(server.process.pid)))
                next_sample = elapsed + 1.0
            if events and elapsed >= events[0][0] * args.duration:
                _, label = events.pop(0)
                at = time.monotonic()
                if label.startswith("kill"):
                    os.kill(postmaster_pid(workspace), signal.SIGKILL)
                elif label.startswith("fast"):
                    os.kill(postmaster_pid(workspace), signal.SIGINT)
                else:
                    await asyncio.to_thread(set_note, designer, False)
                watch = asyncio.create_task(outage(client, url, tokens[0], at))
                watch.add_done_callback(lambda done, label=label, at=at: print(f"  {label} at {at - started:.0f} s: {done.result()}", flush=True))
                watches.append(watch)
                continue
            await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*clients, *watches)
        rss.append((time.monotonic() - started, server_rss(server.process.pid)))

    await asyncio.sleep(1.0)
    stock1, orders1, quantity1 = totals(conninfo)
    new_orders, new_quantity = orders1 - orders0, quantity1 - quantity0
    print("requests by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.requests.items()))
          + f" ({sum(v for k, v in tally.requests.items() if k in ('read', 'flow', 'login')) / args.duration:.0f} HTTP requests/s)")
    print(f"live: {tally.live_connects} WebSocket connects, {tally.live_updates} updates received")
    print("outcomes:")
    unexpected = 0
    for (kind, outcome), count in sorted(tally.outcomes.items()):
        allowed = outcome == "ok" or outcome in RETRYABLE or (kind == "live connection" and outcome.startswith("closed"))
        unexpected += 0 if allowed else count
        print(f"  {kind:16} {outcome:40} {count:8}{'' if allowed else '   <- not a documented retryable error'}")
    for outcome, details in tally.samples.items():
        print(f"  e.g. {outcome}: {details[0]}")
    conserved = stock1 + quantity1 == initial
    print(f"stock + ordered: {stock1} + {quantity1} = {stock1 + quantity1} (initial {initial}): {'conserved' if conserved else 'NOT CONSERVED'}")
    print(f"orders: {tally.acked_orders} acknowledged ({tally.acked_quantity} units), {new_orders} stored ({new_quantity} units)")
    # One sample a second. The serving process's collector thresholds (runtime/heap.py) sweep cyclic
    # garbage in large passes, so RSS saw-tooths by tens of MiB: compare floors and medians per tenth.
    mib = [(t, b / 2**20) for t, b in rss]
    tenth = args.duration / 10
    windows = [[m for t, m in mib if i * tenth <= t < (i + 1) * tenth] for i in range(10)]
    windows = [w for w in windows if w]
    print(f"server RSS MiB, one sample a second ({len(mib)} samples), per tenth of the run (floor / median / peak):")
    print("  " + "; ".join(f"{min(w):.0f}/{statistics.median(w):.0f}/{max(w):.0f}" for w in windows))
    print(f"  start {windows[0][0]:.1f}, middle {statistics.median(windows[len(windows) // 2]):.1f} (median), "
          f"end {statistics.median(windows[-1]):.1f} (median), floor first/last tenth {min(windows[0]):.1f} / {min(windows[-1]):.1f}")
    log = server.log()
    print(f"server log: {log.count('Traceback')} tracebacks, {log.count('restarting the embedded PostgreSQL')} restart attempts, "
          f"{log.count('INTERNAL') + log.count('GraphQL request failed')} internal-error lines")
    for block in log.split("Traceback")[1:3]:
        print("  traceback:" + "\n    ".join(block.strip().splitlines()[:30]))
    lost = tally.acked_orders > new_orders or tally.acked_quantity > new_quantity
    return conserved and not lost and unexpected == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of traffic")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--flows", type=int, default=3)
    parser.add_argument("--subscribers", type=int, default=4)
    parser.add_argument("--pause", type=float, default=0.01, help="seconds each client waits between requests")
    parser.add_argument("--login-pause", type=float, default=0.5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        workspace = Path(tmp) / "ws"
        copy_sample(workspace)
        prefix = unique_prefix()
        # Its own embedded PostgreSQL (DATABASE_URL empty), so that the run can kill it.
        server = start_server(workspace, SimpleNamespace(url=""), prefix=prefix, workers=args.workers, extra_env={"DATABASE_URL": ""})
        db: DatabaseServer | None = None
        try:
            db = DatabaseServer.start(workspace)  # joins the server started by serve
            conninfo = db.conninfo(prefix + SLUG)
            with httpx.Client(base_url=server.url, timeout=120) as designer:
                designer.headers["X-Designer-CSRF"] = designer.post("/api/session", json={"token": DESIGNER_TOKEN}).json()["csrf"]
                set_note(designer, True)
                ok = asyncio.run(soak(args, server, workspace, conninfo, designer))
        finally:
            server.stop()
            if db is not None:
                db.stop()
    print("soak: PASSED" if ok else "soak: FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
