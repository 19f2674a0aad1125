"""Start-up never takes an app down because of an unpublished draft or one broken project.

Real ``minimomen serve`` processes on the session's PostgreSQL. app.json is what
the designer autosaves, so at a restart it may hold a draft that cannot be
published: the project then keeps serving its published version (or, never
published, is left out while the others serve) and the log says why.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from builder.storage import Workspace
from runtime.database import DatabaseServer
from runtime.definitions import load_valid
from runtime.migrations import publish_definition
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
    project_db,
)

SLUG = "inventory_deduction"
PRODUCTS = 3  # seed rows of the sample
Edit = Callable[[dict[str, Any]], None]


# ------------------------------------------------------------------ helpers


def edit_app(workspace: Path, slug: str, change: Edit) -> str:
    """Change ``slug``'s app.json as the designer's autosave would; the text written."""
    path = workspace / slug / "app.json"
    data = json.loads(path.read_text())
    change(data)
    text = json.dumps(data, indent=2)
    path.write_text(text)
    return text


def add_sku(data: dict[str, Any]) -> None:
    product = next(t for t in data["tables"] if t["name"] == "product")
    product["fields"].append({"id": "fld_sku", "name": "sku", "type": "text", "default": "plain"})


def drop_sku(data: dict[str, Any]) -> None:
    product = next(t for t in data["tables"] if t["name"] == "product")
    product["fields"] = [f for f in product["fields"] if f["name"] != "sku"]


def break_relation(data: dict[str, Any]) -> None:
    data["relations"][1]["to_table"] = "tbl_nowhere"  # a validation error, still parses


def graphql(server: LiveServer, slug: str, query: str) -> httpx.Response:
    return httpx.post(server.graphql_url(slug), json={"query": query}, timeout=30, headers={"Connection": "close"})


def products(server: LiveServer, slug: str = SLUG, fields: str = "id") -> list[dict[str, Any]]:
    response = graphql(server, slug, f"{{ product(order_by: {{id: asc}}) {{ {fields} }} }}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return list(body["data"]["product"])














# ------------------------------------------------------------------ tests


def test_a_draft_that_would_drop_data_leaves_the_published_version_serving(tmp_path: Path, db_server: DatabaseServer) -> None:
    workspace = tmp_path / "ws"
    copy_sample(workspace)
    edit_app(workspace, SLUG, add_sku)
    prefix = unique_prefix()
    try:
        first = start_server(workspace, db_server, prefix=prefix)
        try:
            assert [p["sku"] for p in products(first, fields="id sku")] == ["plain"] * PRODUCTS
        finally:
            first.stop()
        with project_db(db_server, prefix, SLUG) as conn:
            conn.execute(
                "INSERT INTO product (product_name, price, stock, sku) VALUES (%s, 5, 1, %s), (%s, 7, 2, %s)",
                ("Cap", "cap-1", "Hat", "hat-1"),
            )
        draft = edit_app(workspace, SLUG, drop_sku)

        second = start_server(workspace, db_server, prefix=prefix)
        try:
            # The field the draft drops still answers: version 1 is served, nothing was migrated.
            assert [p["sku"] for p in products(second, fields="id sku")] == ["plain"] * PRODUCTS + ["cap-1", "hat-1"]
            assert applied_versions(db_server, prefix, SLUG) == [1]
            assert (workspace / SLUG / "app.json").read_text() == draft  # the draft is the builder's: kept
            line = (
                f"project {SLUG}: app.json was not published (field `product.sku` holds 5 values that would be deleted; "
                "publish it from the designer to confirm the data loss); serving published version 1"
            )
            assert line in second.log(), second.log()
            assert "Traceback" not in second.log()

            # The builder confirms from the designer: the draft goes live.
            with designer(second) as client:
                refused = client.post(f"/api/projects/{SLUG}/publish", json={"dry_run": False})
                assert refused.status_code == 409 and "holds 5 values" in refused.text
                confirmed = client.post(f"/api/projects/{SLUG}/publish", json={"dry_run": False, "allow_data_loss": True})
            assert confirmed.status_code == 200, confirmed.text
            assert confirmed.json()["plan"]["version"] == 2
            gone = graphql(second, SLUG, "{ product { sku } }").json()
            assert "errors" in gone and "sku" in gone["errors"][0]["message"]
        finally:
            second.stop()
        assert second.process.returncode == 0
    finally:
        drop_databases(db_server, prefix)


def test_a_never_published_invalid_project_answers_503_until_published_from_the_designer(tmp_path: Path, db_server: DatabaseServer) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(copy_sample(workspace), workspace / "shop")  # a second copy of the sample, as project `shop`
    edit_app(workspace, "shop", break_relation)
    prefix = unique_prefix()
    try:
        server = start_server(workspace, db_server, prefix=prefix)
        try:
            assert len(products(server)) == PRODUCTS  # the healthy project serves

            for response in (graphql(server, "shop", "{ product { id } }"), httpx.get(server.graphql_url("shop"), params={"query": "{ product { id } }"})):
                assert response.status_code == 503, response.text
                error = response.json()["errors"][0]
                assert error["extensions"]["classification"] == "PROJECT_NOT_SERVED"
                assert error["message"].startswith("Project 'shop' is not served: app.json is not valid.")
            assert graphql(server, "nowhere", "{ product { id } }").status_code == 404  # unknown stays unknown
            page = httpx.get(f"{server.url}/p/shop/")  # its pages say so too, in the app's look
            assert page.status_code == 503 and "App unavailable" in page.text and "app.json is not valid" in page.text
            assert httpx.get(f"{server.url}/p/nowhere/").status_code == 404
            log = server.log()
            assert "project shop: not served: app.json cannot be published (it is not valid: " in log, log
            assert "[relations[1].to_table]" in log and "fix it in the designer, then publish" in log

            with designer(server) as client:
                listed = client.get("/api/projects").json()["projects"]
                assert {p["slug"] for p in listed} == {SLUG, "shop"}
                broken = client.get("/api/projects/shop/definition").json()
                assert broken["report"]["ok"] is False
                fixed = broken["definition"]
                fixed["relations"][1]["to_table"] = "tbl_order"
                saved = client.put("/api/projects/shop/definition", json={"definition": fixed})
                assert saved.status_code == 200 and saved.json()["report"]["ok"] is True, saved.text
                published = client.post("/api/projects/shop/publish", json={"dry_run": False})
            assert published.status_code == 200, published.text
            assert published.json()["plan"]["version"] == 1
            assert len(products(server, "shop")) == PRODUCTS  # publishing started it
        finally:
            server.stop()
        assert server.process.returncode == 0
    finally:
        drop_databases(db_server, prefix)


def test_with_two_workers_every_process_serves_the_published_version_and_skips_an_unreadable_project(
    tmp_path: Path, db_server: DatabaseServer
) -> None:
    workspace = tmp_path / "ws"
    copy_sample(workspace)
    prefix = unique_prefix()
    database = DatabaseServer(db_server.url, prefix=prefix)
    store = Workspace(workspace)
    try:
        publish_definition(database, SLUG, load_valid(store, SLUG), store.project_dir(SLUG))
        edit_app(workspace, SLUG, break_relation)  # an invalid draft of a published project
        broken = workspace / "broken"
        broken.mkdir()
        (broken / "app.json").write_text("{not json")  # never published, unreadable

        server = start_server(workspace, db_server, prefix=prefix, workers=2)
        try:
            answers = [len(products(server)) for _ in range(30)]  # fresh connections: both workers answer
            assert answers == [PRODUCTS] * 30
            fallback = f"project {SLUG}: app.json was not published (it is not valid: "
            log = server.log()
            # The parent and each worker decide alike (one shared function): three identical lines.
            lines = [line for line in log.splitlines() if line.startswith(fallback)]
            assert len(lines) == 3 and len(set(lines)) == 1, log
            assert lines[0].endswith("; fix it in the designer, then publish); serving published version 1")
            assert "project broken: not served: app.json cannot be published (app.json is not valid JSON (line 1, column 2" in log
            refused = graphql(server, "broken", "{ product { id } }")
            assert refused.status_code == 503 and "app.json cannot be read" in refused.json()["errors"][0]["message"]
            assert applied_versions(db_server, prefix, SLUG) == [1]
            assert "Traceback" not in log
        finally:
            server.stop()
        assert server.process.returncode == 0
    finally:
        drop_databases(db_server, prefix)
