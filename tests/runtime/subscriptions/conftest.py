"""A real server per test module with short keep-alive and init timeouts, and raw DB access."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import LiveServer, copy_sample, start_server

SLUG = "inventory_deduction"
FAST_ENV = {"MINIMOMEN_LIVE_KEEPALIVE": "0.5", "MINIMOMEN_LIVE_INIT_TIMEOUT": "1"}


def database_url(server: LiveServer, db_server) -> str:  # type: ignore[no-untyped-def]
    return db_server.conninfo(server.env["MINIMOMEN_DB_PREFIX"] + SLUG)


@pytest.fixture(scope="module")
def ws_server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    workspace: Path = tmp_path_factory.mktemp("ws")
    copy_sample(workspace)
    server = start_server(workspace, db_server, extra_env=FAST_ENV)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def db_url(ws_server: LiveServer, db_server) -> str:  # type: ignore[no-untyped-def]
    return database_url(ws_server, db_server)


def new_product(db_url: str, name: str = "Test product", stock: int = 10) -> int:
    """A product row of the test's own (committed), so tests do not disturb each other."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute(
            'INSERT INTO product (product_name, price, stock) VALUES (%s, 1, %s) RETURNING id', (name, stock)
        ).fetchone()
        assert row is not None
        return int(row[0])
