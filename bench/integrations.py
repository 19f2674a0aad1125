"""Integrations benchmark: the overhead of a Run Code node per call, and the outbox's delivery rate.

    python bench/integrations.py [--calls 200] [--deliveries 2000]

In one process on the embedded PostgreSQL, with the sample app plus three flows:

1. ``baseline`` (one Set Variable node) and ``with_code`` (the same plus a Run Code node
   that reads an argument and sets a result) are invoked ``--calls`` times each,
   interleaved, one at a time -> mean and median time per call; the difference is the
   Run Code node's overhead (a fresh V8 isolate per call, the context, the result).
2. ``notify`` queues one after-commit Call API request per run; ``--deliveries`` runs are
   committed with the outbox worker stopped, then it is started and timed until every
   row is SENT to a receiver on loopback (a threaded ``http.server`` in its own process) -> deliveries/s.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx
from psycopg_pool import AsyncConnectionPool

from builder.loader import load_definition
from builder.resolved import resolve
from runtime.actionflows import tasks
from runtime.actionflows.invoke import invoke
from runtime.database import DatabaseServer
from runtime.integrations import outbox
from runtime.migrations import publish_definition
from runtime.project import ProjectRuntime, ProjectSecrets, PublishedState
from runtime.types import RequestContext, Session

FLOWS = [
    {"id": "baseline", "name": "Baseline", "inputs": [{"name": "a", "type": "bigint"}], "variables": [{"name": "x", "type": "bigint"}],
     "nodes": [{"id": "b_set", "name": "Set", "type": "set_variable", "assignments": {"x": {"ref": "input.a"}}}],
     "output": {"x": {"ref": "var.x"}}},
    {"id": "with_code", "name": "With Code", "inputs": [{"name": "a", "type": "bigint"}], "variables": [{"name": "x", "type": "bigint"}],
     "nodes": [{"id": "w_set", "name": "Set", "type": "set_variable", "assignments": {"x": {"ref": "input.a"}}},
               {"id": "w_code", "name": "Code", "type": "run_code", "args": {"a": {"ref": "input.a"}},
                "code": "context.setResult({ y: context.getArg('a') + 1 });", "outputs": {"y": "bigint"}}],
     "output": {"x": {"ref": "var.x"}, "y": {"ref": "node.w_code.y"}}},
    {"id": "notify", "name": "Notify", "inputs": [{"name": "url", "type": "text"}, {"name": "n", "type": "bigint"}],
     "nodes": [{"id": "n_call", "name": "Call", "type": "call_api", "mode": "after_commit", "method": "POST", "url": {"ref": "input.url"},
                "body_type": "json", "body": {"n": {"ref": "input.n"}}}]},
]


RECEIVER = """
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
count = [0]
lock = threading.Lock()
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        with lock:
            count[0] += 1
        self._answer(b"{}")
    def do_GET(self):
        self._answer(str(count[0]).encode())
    def _answer(self, body):
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
ThreadingHTTPServer.request_queue_size = 128  # the default backlog (5) drops bursts of first connects
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def receiver() -> tuple[subprocess.Popen[str], str]:
    """A receiver in a process of its own (a threaded ``http.server``, keep-alive), and its URL."""
    process = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, f"http://127.0.0.1:{process.stdout.readline().strip()}"


async def measure(conninfo: str, state: PublishedState, directory: Path, calls: int, deliveries: int) -> dict[str, Any]:
    pool = AsyncConnectionPool(conninfo, min_size=4, max_size=20, open=False, kwargs={"autocommit": True})
    await pool.open(wait=True)
    project = ProjectRuntime(slug="bench", directory=directory, conninfo=conninfo, pool=pool,
                             secrets=ProjectSecrets(jwt_secret="x" * 32, admin_token="admin"), state=state)
    await tasks.start(project)
    ctx = RequestContext(project, state, Session.admin())
    times: dict[str, list[float]] = {"baseline": [], "with_code": []}
    for flow in ("baseline", "with_code"):  # warm-up (compiled flows, first isolate)
        await invoke(ctx, flow, {"a": 1})
    for i in range(calls):
        for flow in ("baseline", "with_code") if i % 2 else ("with_code", "baseline"):
            started = time.perf_counter()
            await invoke(ctx, flow, {"a": i})
            times[flow].append((time.perf_counter() - started) * 1000)
    process, base = receiver()
    url = f"{base}/hook"
    for n in range(deliveries):
        await invoke(ctx, "notify", {"url": url, "n": n})
    worker = outbox.OutboxWorker(project)
    started = time.perf_counter()
    worker.start()
    while True:
        async with pool.connection() as conn:
            left = (await (await conn.execute("SELECT count(*) FROM minimomen.outbox WHERE status <> 'SENT'")).fetchone())[0]  # type: ignore[index]
        if left == 0:
            break
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    await worker.stop()
    await tasks.stop(project)
    await project.close()
    async with httpx.AsyncClient() as client:
        received = int((await client.get(base, timeout=10)).text)
    process.terminate()
    process.wait(timeout=10)
    stats = {flow: {"mean_ms": statistics.fmean(v), "median_ms": statistics.median(v)} for flow, v in times.items()}
    return {
        "calls": calls,
        **stats,
        "run_code_overhead_ms": stats["with_code"]["median_ms"] - stats["baseline"]["median_ms"],
        "deliveries": deliveries,
        "received": received,
        "delivery_seconds": elapsed,
        "deliveries_per_second": deliveries / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--deliveries", type=int, default=2000)
    args = parser.parse_args()
    data = copy.deepcopy(json.loads((REPO / "projects" / "inventory_deduction" / "app.json").read_text()))
    data["actionflows"] = [f for f in data["actionflows"] if f["id"] == "place_order"] + FLOWS
    data["permissions"]["actionflows"] = {"user": ["place_order"]}  # the sample's other flows are left out
    data["settings"]["outbound_hosts"] = ["127.0.0.1"]
    definition = load_definition(data)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        db = DatabaseServer.start(root / "pg")
        try:
            (root / "bench" / "migrations").mkdir(parents=True)
            plan = publish_definition(db, "bench", definition, root / "bench")
            state = PublishedState(version=plan.version, resolved=resolve(definition))
            result = asyncio.run(measure(db.conninfo(db.database_name("bench")), state, root, args.calls, args.deliveries))
        finally:
            db.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
