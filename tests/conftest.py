"""Shared fixtures: one real embedded PostgreSQL per test session, real servers on loopback.

A fixture that cannot get its database fails; nothing here skips.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "projects"
DESIGNER_TOKEN = "test-designer-token"


@pytest.fixture(scope="session")
def db_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseServer]:  # noqa: F821
    """The session's PostgreSQL: DATABASE_URL when set, else the embedded one."""
    from runtime.database import DatabaseServer

    root = tmp_path_factory.mktemp("pg")
    server = DatabaseServer.start(root, database_url=os.environ.get("DATABASE_URL"))
    yield server
    server.stop()


def unique_prefix() -> str:
    return "t" + uuid.uuid4().hex[:8] + "_"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_sample(dest: Path, slug: str = "inventory_deduction") -> Path:
    """Copy a sample project (without history or migrations) into a workspace folder."""
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / slug
    shutil.copytree(SAMPLES / slug, target, ignore=shutil.ignore_patterns(".history", "migrations", ".minimomen"))
    (target / "migrations").mkdir(exist_ok=True)
    return target


@dataclass
class LiveServer:
    """A real `minimomen serve` process on loopback."""

    url: str
    port: int
    workspace: Path
    process: subprocess.Popen
    env: dict[str, str]
    log_path: Path

    def graphql_url(self, slug: str = "inventory_deduction") -> str:
        return f"{self.url}/p/{slug}/graphql"

    def ws_url(self, slug: str = "inventory_deduction") -> str:
        return f"ws://127.0.0.1:{self.port}/p/{slug}/graphql"

    def admin_token(self, slug: str = "inventory_deduction") -> str:
        out = subprocess.run(
            [sys.executable, "-m", "runtime.cli", "token", slug, "--workspace", str(self.workspace)],
            env=self.env, capture_output=True, text=True, timeout=60, check=True,
        )
        return out.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def start_server(workspace: Path, db_server, *, prefix: str | None = None, port: int | None = None, workers: int = 1, extra_env: dict[str, str] | None = None,
                 ready_timeout: float = 90) -> LiveServer:
    """Start `minimomen serve` on ``workspace`` against the session database; wait for /healthz."""
    port = port or free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_server.url,
        MINIMOMEN_DB_PREFIX=prefix or unique_prefix(),
        MINIMOMEN_DESIGNER_TOKEN=DESIGNER_TOKEN,
        PYTHONPATH=str(REPO),
    )
    env.update(extra_env or {})
    log_path = workspace / f"server-{port}.log"
    log_file = open(log_path, "wb")  # noqa: SIM115 - the server process owns it
    process = subprocess.Popen(
        [sys.executable, "-m", "runtime.cli", "serve", "--workspace", str(workspace), "--port", str(port), "--workers", str(workers)],
        env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=str(REPO),
    )
    server = LiveServer(url=f"http://127.0.0.1:{port}", port=port, workspace=workspace, process=process, env=env, log_path=log_path)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise AssertionError(f"server did not become healthy:\n{server.log()}")


@pytest.fixture
def sample_workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    copy_sample(ws)
    return ws


@pytest.fixture
def live_server(sample_workspace: Path, db_server) -> Iterator[LiveServer]:
    """A fresh server on a fresh copy of the sample, with its own databases."""
    server = start_server(sample_workspace, db_server)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:
    """One server per test module, for read-mostly tests."""
    ws = tmp_path_factory.mktemp("ws")
    copy_sample(ws)
    server = start_server(ws, db_server)
    yield server
    server.stop()
