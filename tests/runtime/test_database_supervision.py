"""kill -9 of the embedded postmaster: requests fail fast with 503 + Retry-After, and the server serves again by itself."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from tests.conftest import copy_sample, start_server

QUERY = {"query": "{ product(limit: 1) { id } }"}


def test_the_embedded_postgres_comes_back_after_kill_9(tmp_path: Path, db_server) -> None:  # type: ignore[no-untyped-def]
    workspace = tmp_path / "ws"
    copy_sample(workspace)
    server = start_server(workspace, db_server, extra_env={"DATABASE_URL": ""})  # its own embedded PostgreSQL
    try:
        url = server.graphql_url()
        assert httpx.post(url, json=QUERY, timeout=10).status_code == 200
        postmaster = int((workspace / ".minimomen" / "pgdata" / "postmaster.pid").read_text().splitlines()[0])
        os.kill(postmaster, signal.SIGKILL)
        killed = time.monotonic()
        saw_503 = False
        while True:
            started = time.monotonic()
            try:
                response = httpx.post(url, json=QUERY, timeout=10)
            except httpx.HTTPError:
                response = None
            took = time.monotonic() - started
            assert took < 8, f"a request waited {took:.1f} s"  # the pool timeout (5 s) bounds it, not 30 s
            if response is not None and response.status_code == 503:
                saw_503 = True
                assert int(response.headers["retry-after"]) >= 1
                assert response.json()["errors"][0]["extensions"]["classification"] == "DATABASE_UNAVAILABLE"
            elif response is not None and response.status_code == 200 and "errors" not in response.json() and saw_503:
                break
            assert time.monotonic() - killed < 15, f"not serving again 15 s after kill -9:\n{server.log()[-3000:]}"
            time.sleep(0.2)
        assert server.process.poll() is None
        assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
        assert "restarting the embedded PostgreSQL" in server.log()
    finally:
        server.stop()
