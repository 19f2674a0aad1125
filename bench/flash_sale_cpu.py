"""CPU cost of one place_order request in-process (no HTTP), and the engine's share of it.

    python bench/flash_sale_cpu.py [--requests 2000] [--profile 30] [--interpreted]

Calls ``runtime.graphql.execute.execute_response`` sequentially against a real
pool on the sample project and measures *process* CPU time, which the other jobs
on a shared machine disturb much less than wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from psycopg_pool import AsyncConnectionPool

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from builder.loader import load_definition
from builder.resolved import resolve
from runtime.actionflows import invoke, tasks
from runtime.database import DatabaseServer
from runtime.graphql.execute import execute_response
from runtime.migrations import publish_definition
from runtime.project import ProjectRuntime, ProjectSecrets, PublishedState
from runtime.types import Session

PLACE_ORDER = "mutation($p: bigint!, $q: bigint!) { place_order(product_id: $p, quantity: $q) { status } }"


async def measure(conninfo: str, state: PublishedState, directory: Path, requests: int, profile: int, interpreted: bool, sort: str = "tottime") -> None:
    pool = AsyncConnectionPool(conninfo, min_size=2, max_size=2, open=False, kwargs={"autocommit": True})
    await pool.open(wait=True)
    project = ProjectRuntime("bench", directory, conninfo, pool, ProjectSecrets("x" * 32, "admin"), state)
    await tasks.start(project)
    try:
        async with pool.connection() as conn:
            product = (await (await conn.execute("INSERT INTO product (product_name, stock) VALUES ('cpu', 1e12) RETURNING id")).fetchone())[0]  # type: ignore[index]
            account = (await (await conn.execute("INSERT INTO account (username) VALUES ('cpu') RETURNING id")).fetchone())[0]  # type: ignore[index]
        session = Session(role="user", account_id=account, roles=("user",))
        in_engine = [0.0]
        run_flow = invoke.run_flow

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return await run_flow(*args, **kwargs, use_sql=not interpreted)
            finally:
                in_engine[0] += time.process_time() - started

        invoke.run_flow = timed  # type: ignore[assignment]
        for _ in range(50):  # warm caches: schema, plans, compiled flow, prepared statements
            await execute_response(project, session, PLACE_ORDER, {"p": product, "q": 1})
        in_engine[0] = 0.0
        started, wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            await execute_response(project, session, PLACE_ORDER, {"p": product, "q": 1})
        cpu = (time.process_time() - started) / requests * 1e6
        path = "node by node" if interpreted else "compiled SQL function"
        print(f"place_order in-process ({path}): {cpu:.0f} us CPU per request, of which the flow engine {in_engine[0] / requests * 1e6:.0f} us "
              f"(incl. psycopg for its statements); wall {(time.perf_counter() - wall) / requests * 1e6:.0f} us")
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(requests):
                await execute_response(project, session, PLACE_ORDER, {"p": product, "q": 1})
            profiler.disable()
            pstats.Stats(profiler).sort_stats(sort).print_stats(profile)
    finally:
        invoke.run_flow = run_flow  # type: ignore[assignment]
        await tasks.stop(project)
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also profile, print the top N functions")
    parser.add_argument("--interpreted", action="store_true", help="force the node-by-node engine")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = DatabaseServer.start(root / "pg")
        try:
            definition = load_definition(json.loads((REPO / "projects" / "inventory_deduction" / "app.json").read_text()))
            (root / "project" / "migrations").mkdir(parents=True)
            plan = publish_definition(server, "bench_cpu", definition, root / "project")
            state = PublishedState(version=plan.version, resolved=resolve(definition))
            asyncio.run(measure(server.conninfo(server.database_name("bench_cpu")), state, root / "project", args.requests, args.profile, args.interpreted))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
