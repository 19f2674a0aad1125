"""Micro-benchmark of the live-query send path: one group's result pushed to N WebSocket subscribers.

    python bench/fanout_send.py [--subscribers 1000] [--rounds 30] [--protocol graphql-transport-ws] [--payload 80]

No database and no GraphQL: an in-process uvicorn serves the real subscription
router (``runtime.subscriptions.routes``) with the real ``LiveHub`` and
``LiveConnection``; only the executor is a stub that answers every run with the
same text. N subscribers of one query (one group) connect from a client
subprocess (raw sans-I/O websockets, arrival timestamped in ``data_received``).
Each round calls ``LiveGroup.push`` with a new result and measures, in the
server process:

- wall time from ``push`` until every frame was handed to its transport,
- server CPU time (``time.process_time``) for the same span: the figure that a
  loaded machine disturbs least, reported as µs per subscriber delivery,

and, from the client process (``perf_counter`` is CLOCK_MONOTONIC, shared by both
processes), the latency from ``push`` to each subscriber's arrival (p50/p99).
Prints figures; asserts only that every subscriber got every round's result.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SLUG = "bench"
QUERY = "subscription { product_by_pk(id: 1) { stock } }"
START = {"graphql-ws": "start", "graphql-transport-ws": "subscribe"}


# --- the client process ---------------------------------------------------------------------


def client_main(port: int, count: int, subprotocol: str) -> None:
    """Open ``count`` subscribers; print one JSON line per round with every arrival time."""
    from websockets.client import ClientProtocol
    from websockets.frames import Frame, Opcode
    from websockets.http11 import Response
    from websockets.typing import Subprotocol
    from websockets.uri import parse_uri

    url = f"ws://127.0.0.1:{port}/p/{SLUG}/graphql"
    arrivals: dict[int, list[float]] = {}

    class Client(asyncio.Protocol):
        def __init__(self) -> None:
            self.ws = ClientProtocol(parse_uri(url), subprotocols=[Subprotocol(subprotocol)])
            self.transport: asyncio.Transport | None = None
            self.first = asyncio.get_running_loop().create_future()

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
                    self._send({"type": "connection_init", "payload": {}})
                elif isinstance(event, Frame) and event.opcode == Opcode.TEXT:
                    message = json.loads(event.data)
                    if message["type"] == "connection_ack":
                        self._send({"type": START[subprotocol], "id": "1", "payload": {"query": QUERY}})
                    elif message["type"] in ("next", "data"):
                        round_ = message["payload"]["data"]["round"]
                        if not self.first.done():
                            self.first.set_result(None)
                        else:
                            times = arrivals.setdefault(round_, [])
                            times.append(now)
                            if len(times) == count:
                                print(json.dumps({"round": round_, "times": times}), flush=True)
            self._flush()

        def _send(self, message: dict[str, Any]) -> None:
            self.ws.send_text(json.dumps(message).encode())

        def _flush(self) -> None:
            assert self.transport is not None
            for chunk in self.ws.data_to_send():
                if chunk:
                    self.transport.write(chunk)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(100)

        async def one() -> Client:
            async with gate:
                _, client = await loop.create_connection(Client, "127.0.0.1", port)
                await asyncio.wait_for(client.first, 60)
                return client

        await asyncio.gather(*(one() for _ in range(count)))
        print(json.dumps({"ready": count}), flush=True)
        await asyncio.Event().wait()  # until the parent kills us

    asyncio.run(run())


# --- the server process ---------------------------------------------------------------------


class FixedExecutor:
    """Every run answers with ``text``; enough for a group to form."""

    def __init__(self) -> None:
        self.text = '{"data":{"round":0}}'

    async def prepare(self, state: Any, session: Any, query: str, operation_name: str | None) -> Any:
        class Prepared:
            operation = "subscription"
            tables = frozenset({"product"})

        return Prepared()

    async def run(self, state: Any, session: Any, prepared: Any, variables: dict[str, Any]) -> Any:
        from runtime.subscriptions.execution import RunResult

        return RunResult(self.text)

    async def run_many(self, state: Any, session: Any, prepared: Any, variables_list: list[dict[str, Any]]) -> Any:
        return [await self.run(state, session, prepared, v) for v in variables_list]

    async def execute(self, *args: Any) -> str:
        raise AssertionError("not used")

    def stream(self, *args: Any) -> None:
        return None


def _project() -> Any:
    from builder.definition import Definition
    from builder.resolved import resolve
    from runtime.project import ProjectRuntime, ProjectSecrets, PublishedState

    definition = Definition.model_validate_json((REPO / "projects" / "inventory_deduction" / "app.json").read_text())
    state = PublishedState(version=1, resolved=resolve(definition))
    return ProjectRuntime(SLUG, Path("."), "", None, ProjectSecrets("bench-secret", "bench-admin"), state)  # type: ignore[arg-type]


def _payload(round_: int, size: int) -> str:
    filler = "x" * max(0, size - 40)
    return json.dumps({"data": {"round": round_, "filler": filler}}, separators=(",", ":"))


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


async def server_main(args: argparse.Namespace) -> None:
    import uvicorn
    from fastapi import FastAPI

    from runtime.subscriptions.hub import SERVICE_KEY, LiveHub
    from runtime.subscriptions.routes import build_subscription_router
    from runtime.subscriptions.settings import UVICORN_WEBSOCKET_OPTIONS, LiveSettings

    project = _project()
    executor = FixedExecutor()
    hub = LiveHub(project, executor, LiveSettings(keepalive=3600))  # type: ignore[arg-type]
    project.services[SERVICE_KEY] = hub

    class Runtime:
        def get(self, slug: str) -> Any:
            return project if slug == SLUG else None

    app = FastAPI()
    app.include_router(build_subscription_router(Runtime()))
    sock = __import__("socket").socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", **UVICORN_WEBSOCKET_OPTIONS))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)

    client = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--client", str(port), str(args.subscribers), args.protocol,
        stdout=asyncio.subprocess.PIPE, limit=2**26,
    )
    try:
        assert client.stdout is not None
        ready = json.loads(await asyncio.wait_for(client.stdout.readline(), 120))
        assert ready == {"ready": args.subscribers}, ready
        (group,) = hub.groups.values()
        assert len(group.subscribers) == args.subscribers
        connections = list(hub.connections)
        walls, cpus, latencies, slowest = [], [], [], []
        for round_ in range(1, args.rounds + 1):
            text = _payload(round_, args.payload)
            await asyncio.sleep(0.05)  # the previous round's frames are gone
            cpu0, t0 = time.process_time(), time.perf_counter()
            group.push(text)
            while any(getattr(c, "_outbox", None) for c in connections):  # until every frame is written (the old writer task)
                await asyncio.sleep(0)
            t1, cpu1 = time.perf_counter(), time.process_time()
            report = json.loads(await asyncio.wait_for(client.stdout.readline(), 60))
            assert report["round"] == round_ and len(report["times"]) == args.subscribers
            walls.append((t1 - t0) * 1e6 / args.subscribers)
            cpus.append((cpu1 - cpu0) * 1e6 / args.subscribers)
            arrival = [(t - t0) * 1000 for t in report["times"]]
            latencies += arrival
            slowest.append(max(arrival))
        skip = min(3, args.rounds - 1)  # warm-up rounds
        print(f"{args.subscribers} subscribers of one group, {args.protocol}, payload {len(_payload(1, args.payload))} B, "
              f"{args.rounds} rounds ({skip} warm-up dropped)")
        print(f"  server send path: {statistics.median(walls[skip:]):6.1f} µs wall, {statistics.median(cpus[skip:]):6.1f} µs CPU "
              f"per subscriber delivery (median over rounds)")
        kept = latencies[skip * args.subscribers:]
        print(f"  push -> client arrival: p50 {statistics.median(kept):6.1f} ms   p99 {_pct(kept, 0.99):6.1f} ms   "
              f"slowest per round (median) {statistics.median(slowest[skip:]):6.1f} ms")
    finally:
        client.kill()
        await client.wait()
        server.should_exit = True
        await serving


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--protocol", default="graphql-transport-ws", choices=sorted(START))
    parser.add_argument("--payload", type=int, default=80, help="approximate size of the result JSON in bytes")
    args = parser.parse_args()
    asyncio.run(server_main(args))


if __name__ == "__main__":
    main()
