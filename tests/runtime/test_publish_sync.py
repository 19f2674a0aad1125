"""Several server processes on one workspace follow each other's publishes, new projects and deletions.

Servers A and B are two real ``minimomen serve`` processes on the same workspace
folder, the same PostgreSQL and the same database prefix: exactly what two
workers or two replicas are. Everything is done through A's designer API and
watched through B's GraphQL endpoint, over fresh connections.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from runtime.database import DatabaseServer
from runtime.publish_sync import APPLICATION_NAME, channel_name
from tests.conftest import (
    LiveServer,
    copy_sample,
    start_server,
    unique_prefix,
)
from tests.runtime.shared_servers import (
    applied_versions,
    designer,
    drop_databases,
)

SLUG = "inventory_deduction"
FOLLOW_SECONDS = 10.0
PRODUCTS = 3  # seed rows of the sample
T = TypeVar("T")


@dataclass
class Pair:
    a: LiveServer
    b: LiveServer
    prefix: str





@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, db_server: DatabaseServer) -> Iterator[Pair]:
    workspace = tmp_path_factory.mktemp("shared_ws")
    copy_sample(workspace)
    prefix = unique_prefix()
    a = start_server(workspace, db_server, prefix=prefix)
    try:
        b = start_server(workspace, db_server, prefix=prefix)
        try:
            yield Pair(a, b, prefix)
        finally:
            b.stop()
    finally:
        a.stop()
        drop_databases(db_server, prefix)





def publish(server: LiveServer, slug: str) -> int:
    with designer(server) as client:
        response = client.post(f"/api/projects/{slug}/publish", json={"dry_run": False})
    assert response.status_code == 200, response.text
    return int(response.json()["plan"]["version"])


def create_project(server: LiveServer, slug: str) -> None:
    with designer(server) as client:
        response = client.post("/api/projects", json={"slug": slug, "name": slug.replace("_", " "), "sample": SLUG})
    assert response.status_code == 201, response.text


def delete_project(server: LiveServer, slug: str) -> None:
    with designer(server) as client:
        response = client.delete(f"/api/projects/{slug}")
    assert response.status_code == 200, response.text


def add_product_field(workspace: Path, name: str, default: str) -> None:
    """Edit app.json as the designer's save does: a text field on ``product`` (anonymous reads every column)."""
    path = workspace / SLUG / "app.json"
    definition = json.loads(path.read_text())
    product = next(t for t in definition["tables"] if t["name"] == "product")
    product["fields"].append({"id": f"fld_{name}", "name": name, "type": "text", "default": default})
    path.write_text(json.dumps(definition, indent=2))


def graphql(server: LiveServer, slug: str, query: str) -> httpx.Response:
    """One anonymous GraphQL request on a fresh connection (so a worker pool spreads them)."""
    return httpx.post(server.graphql_url(slug), json={"query": query}, timeout=30, headers={"Connection": "close"})


def field_values(server: LiveServer, field: str) -> list[Any] | None:
    """The values of ``product.<field>``, or None while the server does not know the field."""
    response = graphql(server, SLUG, f"{{ product(order_by: {{id: asc}}) {{ id {field} }} }}")
    if response.status_code != 200 or "errors" in response.json():
        return None
    return [row[field] for row in response.json()["data"]["product"]]


def status(server: LiveServer, slug: str) -> int:
    return graphql(server, slug, "{ product(limit: 1) { id } }").status_code


def eventually(probe: Callable[[], T], done: Callable[[T], bool], seconds: float = FOLLOW_SECONDS) -> T:
    """Poll ``probe`` until ``done`` holds or ``seconds`` pass; the last value either way."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)





def test_channel_names_carry_the_prefix_and_fit_an_identifier() -> None:
    assert channel_name("") == "minimomen_publish"
    assert channel_name("t1234abcd_") == "minimomen_publish_t1234abcd_"
    long = channel_name("p" * 60)
    assert len(long.encode()) <= 63 and long != channel_name("q" * 60)


def test_a_publish_on_one_process_reaches_the_other(pair: Pair, db_server: DatabaseServer) -> None:
    assert field_values(pair.b, "colour") is None  # unknown before the publish
    before = applied_versions(db_server, pair.prefix, SLUG)
    with db_server.connect(autocommit=True) as conn:  # strangers' noise on the channel is logged and skipped
        for noise in ("not json", '{"event": "exploded", "slug": "x", "origin": "elsewhere"}'):
            conn.execute("SELECT pg_notify(%s, %s)", (channel_name(pair.prefix), noise))
    add_product_field(pair.a.workspace, "colour", "plain")
    version = publish(pair.a, SLUG)
    assert field_values(pair.a, "colour") == ["plain"] * PRODUCTS
    assert eventually(lambda: field_values(pair.b, "colour"), bool) == ["plain"] * PRODUCTS
    # B served what A applied: one new version, none migrated again by B.
    assert applied_versions(db_server, pair.prefix, SLUG) == [*before, version] and version == before[-1] + 1
    assert f"project {SLUG}: now serving version {version}, published by another process" in pair.b.log()


def test_a_new_project_and_its_deletion_reach_the_other(pair: Pair) -> None:
    create_project(pair.a, "second_shop")
    assert status(pair.b, "second_shop") == 404  # not published yet: nobody serves it
    publish(pair.a, "second_shop")
    assert status(pair.a, "second_shop") == 200
    assert eventually(lambda: status(pair.b, "second_shop"), lambda s: s == 200) == 200
    delete_project(pair.a, "second_shop")
    assert status(pair.a, "second_shop") == 404
    assert eventually(lambda: status(pair.b, "second_shop"), lambda s: s == 404) == 404


def terminate_listener(db_server: DatabaseServer, server: LiveServer) -> int:
    with db_server.connect(autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (f"{APPLICATION_NAME} {server.process.pid}",),
        ).fetchall()
    return len(rows)


def test_what_a_process_missed_while_disconnected_it_catches_up_on_reconnect(pair: Pair, db_server: DatabaseServer) -> None:
    create_project(pair.a, "doomed_shop")
    publish(pair.a, "doomed_shop")
    assert eventually(lambda: status(pair.b, "doomed_shop"), lambda s: s == 200) == 200

    # B frozen, its LISTEN session gone: what A announces now reaches nobody in B.
    os.kill(pair.b.process.pid, signal.SIGSTOP)
    try:
        assert terminate_listener(db_server, pair.b) == 1
        add_product_field(pair.a.workspace, "shelf", "A1")
        version = publish(pair.a, SLUG)
        published = (pair.a.workspace / SLUG / "app.json").read_text()
        add_product_field(pair.a.workspace, "draft", "unpublished")  # saved, not published: B must not serve it
        create_project(pair.a, "late_shop")
        publish(pair.a, "late_shop")
        delete_project(pair.a, "doomed_shop")
    finally:
        os.kill(pair.b.process.pid, signal.SIGCONT)

    try:
        assert eventually(lambda: field_values(pair.b, "shelf"), bool) == ["A1"] * PRODUCTS
        assert eventually(lambda: status(pair.b, "late_shop"), lambda s: s == 200) == 200
        assert eventually(lambda: status(pair.b, "doomed_shop"), lambda s: s == 404) == 404
        assert "publish sync: LISTEN connection lost" in pair.b.log()
        # B served the applied definition, not the draft in app.json, and migrated nothing itself.
        assert field_values(pair.b, "draft") is None
        assert applied_versions(db_server, pair.prefix, SLUG)[-1] == version
    finally:
        (pair.a.workspace / SLUG / "app.json").write_text(published)


def test_a_server_starting_with_a_changed_app_json_announces_what_it_published(pair: Pair, db_server: DatabaseServer) -> None:
    """A replica (re)started on an edited app.json publishes it; those already running serve it at once, not a minute later."""
    add_product_field(pair.a.workspace, "ribbon", "red")
    before = applied_versions(db_server, pair.prefix, SLUG)
    c = start_server(pair.a.workspace, db_server, prefix=pair.prefix)
    try:
        assert applied_versions(db_server, pair.prefix, SLUG) == [*before, before[-1] + 1]
        assert eventually(lambda: field_values(pair.b, "ribbon"), bool, seconds=FOLLOW_SECONDS) == ["red"] * PRODUCTS
        assert eventually(lambda: field_values(pair.a, "ribbon"), bool, seconds=FOLLOW_SECONDS) == ["red"] * PRODUCTS
    finally:
        c.stop()


def test_serve_with_two_workers_serves_a_publish_from_every_worker(tmp_path: Path, db_server: DatabaseServer) -> None:
    workspace = tmp_path / "ws"
    copy_sample(workspace)
    prefix = unique_prefix()
    server = start_server(workspace, db_server, prefix=prefix, workers=2)
    try:
        assert field_values(server, "size") is None
        add_product_field(workspace, "size", "M")
        publish(server, SLUG)

        def batch() -> list[list[Any] | None]:
            return [field_values(server, "size") for _ in range(40)]

        answers = eventually(batch, lambda results: all(r == ["M"] * PRODUCTS for r in results))
        assert answers == [["M"] * PRODUCTS] * 40
    finally:
        server.stop()
        drop_databases(db_server, prefix)
