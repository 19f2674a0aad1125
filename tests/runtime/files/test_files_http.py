"""Files over real HTTP on a real server, database and file system: upload → attach → read
as a role that may read the row and as one that may not; resized variants; expired and
forged links refused."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from PIL import Image
from websockets.sync.client import connect

from runtime.database import DatabaseServer
from runtime.files.signing import file_key, signed_path
from tests.conftest import LiveServer, start_server, unique_prefix
from tests.runtime.auth.graphql_client import gql, log_in
from tests.runtime.files.harness import SLUG, files_workspace, png, stored_files, upload
from tests.runtime.shared_servers import project_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server: DatabaseServer) -> Iterator[LiveServer]:
    prefix = unique_prefix()
    live = start_server(files_workspace(tmp_path_factory.mktemp("files")), db_server, prefix=prefix)
    live.env["TEST_PREFIX"] = prefix
    yield live
    live.stop()


def db(server: LiveServer, db_server: DatabaseServer) -> psycopg.Connection[Any]:
    return project_db(db_server, server.env["TEST_PREFIX"], SLUG)


def account(server: LiveServer, name: str) -> str:
    return log_in(server.graphql_url(), name, "password-123", register=True)[1]


def test_upload_attach_and_read_by_row_rights(server: LiveServer, db_server: DatabaseServer) -> None:
    url = server.graphql_url()
    alice, bob = account(server, "alice_f"), account(server, "bob_f")
    stored = upload(server.url, url, alice, "file", "receipt.pdf", "application/pdf", PDF)
    assert (stored["filename"], stored["content_type"], stored["size"]) == ("receipt.pdf", "application/pdf", len(PDF))
    order = gql(url, """mutation($r: bigint!) { insert_order_one(object: {quantity: 1, product_id: 1, receipt: $r}) {
        id receipt { id url filename content_type size } } }""", {"r": stored["id"]}, token=alice).field("insert_order_one")
    receipt = order["receipt"]
    assert receipt["id"] == stored["id"] and receipt["filename"] == "receipt.pdf" and receipt["size"] == len(PDF)

    # Alice may read the row: the signed URL serves the exact bytes, safely.
    got = httpx.get(server.url + receipt["url"])
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"

    # Bob may not read Alice's order: no row, so no URL; guessing one is refused.
    seen = gql(url, "{ order { id receipt { url } } }", token=bob).field("order")
    assert all(o["id"] != order["id"] for o in seen)
    for guessed in (f"/p/{SLUG}/files/{stored['id']}", f"/p/{SLUG}/files/{stored['id']}?v=&e=9999999999&s=" + "0" * 64,
                    receipt["url"].replace(f"/files/{stored['id']}?", f"/files/{stored['id'] + 1}?"),
                    receipt["url"].replace("?v=&", "?v=w10-h10-cover&")):
        refused = httpx.get(server.url + guessed)
        assert refused.status_code == 403, guessed
        assert refused.json()["error"]["code"] == "FORBIDDEN" and PDF not in refused.content

    # Bob cannot attach Alice's upload to a row of his own; nothing is written.
    before = gql(url, "{ order_aggregate { aggregate { count } } }", token=bob).field("order_aggregate")["aggregate"]["count"]
    stolen = gql(url, "mutation($r: bigint!) { insert_order_one(object: {quantity: 1, product_id: 1, receipt: $r}) { id } }",
                 {"r": stored["id"]}, token=bob)
    assert stolen.codes == {"BAD_USER_INPUT"} and "uploaded by someone else" in stolen.body["errors"][0]["message"]
    after = gql(url, "{ order_aggregate { aggregate { count } } }", token=bob).field("order_aggregate")["aggregate"]["count"]
    assert after == before


def test_image_field_with_resized_variants(server: LiveServer, db_server: DatabaseServer) -> None:
    url = server.graphql_url()
    admin = server.admin_token()
    picture = png(640, 480)
    stored = upload(server.url, url, admin, "image", "shoe.png", "image/png", picture)
    assert (stored["width"], stored["height"]) == (640, 480)
    gql(url, "mutation($c: bigint!) { update_product_by_pk(pk_columns: {id: 1}, _set: {cover: $c}) { id } }", {"c": stored["id"]},
        token=admin).field("update_product_by_pk")
    product = gql(url, """{ product_by_pk(id: 1) { cover { id url width height content_type
        thumb: url(width: 64, height: 64, fit: "cover") wide: url(width: 100) } } }""").field("product_by_pk")  # anonymous reads products
    cover = product["cover"]
    assert (cover["width"], cover["height"], cover["content_type"]) == (640, 480, "image/png")
    full = httpx.get(server.url + cover["url"])
    assert full.status_code == 200 and full.content == picture and full.headers["content-disposition"].startswith("inline")
    thumb = httpx.get(server.url + cover["thumb"])
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).size == (64, 64)
    assert Image.open(io.BytesIO(httpx.get(server.url + cover["wide"]).content)).size == (100, 75)
    again = httpx.get(server.url + cover["thumb"])
    assert again.content == thumb.content
    with db(server, db_server) as conn:  # made once, then served from the store
        assert conn.execute("SELECT count(*) FROM minimomen.variant WHERE asset_id = %s", (stored["id"],)).fetchone() == (2,)
    bad = gql(url, '{ product_by_pk(id: 1) { cover { url(width: 99999) } } }')
    assert bad.codes == {"BAD_USER_INPUT"}


def test_expired_link_is_refused(server: LiveServer, db_server: DatabaseServer) -> None:
    admin = server.admin_token()
    stored = upload(server.url, server.graphql_url(), admin, "file", "notes.txt", "text/plain", b"hello notes\n")
    with db(server, db_server) as conn:
        secret = conn.execute("SELECT value FROM minimomen.secret WHERE name = 'jwt_secret'").fetchone()[0]  # type: ignore[index]
    key = file_key(secret)
    fresh = httpx.get(server.url + signed_path(SLUG, key, stored["id"], "", int(time.time()) + 60))
    assert fresh.status_code == 200 and fresh.content == b"hello notes\n"
    assert fresh.headers["content-type"] == "text/plain; charset=utf-8"
    expired = httpx.get(server.url + signed_path(SLUG, key, stored["id"], "", int(time.time()) - 1))
    assert expired.status_code == 403 and "expired" in expired.json()["error"]["message"]


def test_files_stay_outside_served_folders(server: LiveServer) -> None:
    files = stored_files(server.workspace)
    assert files, "uploads are stored under projects/.minimomen/files/<slug>"
    assert all(Path(server.workspace, ".minimomen", "files") in f.parents for f in files)


def test_actionflow_takes_asset_ids_and_returns_asset_objects(server: LiveServer) -> None:
    admin = server.admin_token()
    picture = png(20, 10, (0, 200, 0))
    stored = upload(server.url, server.graphql_url(), admin, "image", "leaf.png", "image/png", picture)
    result = gql(server.graphql_url(), "mutation($p: bigint!) { set_cover(product_id: 2, picture: $p) { cover rows cover_id } }",
                 {"p": stored["id"]}, token=admin).field("set_cover")
    cover = result["cover"]
    assert result["cover_id"] == stored["id"]
    assert (cover["id"], cover["filename"], cover["width"], cover["height"]) == (stored["id"], "leaf.png", 20, 10)
    assert httpx.get(server.url + cover["url"]).content == picture
    assert result["rows"][0]["cover"]["id"] == stored["id"] and result["rows"][0]["product_name"]
    missing = gql(server.graphql_url(), "mutation { set_cover(product_id: 2, picture: 987654) { cover } }", token=admin)
    assert missing.codes and not missing.ok  # no such file: the foreign key refuses it, nothing changes
    after = gql(server.graphql_url(), "{ product_by_pk(id: 2) { cover { id } } }").field("product_by_pk")
    assert after["cover"]["id"] == stored["id"]


def test_sizes_per_image_are_capped(server: LiveServer) -> None:
    admin = server.admin_token()
    stored = upload(server.url, server.graphql_url(), admin, "image", "many.png", "image/png", png(50, 50))
    gql(server.graphql_url(), "mutation($c: bigint!) { update_product_by_pk(pk_columns: {id: 3}, _set: {cover: $c}) { id } }",
        {"c": stored["id"]}, token=admin).field("update_product_by_pk")
    sizes = " ".join(f"s{n}: url(width: {n})" for n in range(1, 18))
    cover = gql(server.graphql_url(), f"{{ product_by_pk(id: 3) {{ cover {{ {sizes} }} }} }}").field("product_by_pk")["cover"]
    answers = [httpx.get(server.url + cover[f"s{n}"]).status_code for n in range(1, 18)]
    assert answers == [200] * 16 + [400]


def test_async_task_result_carries_asset_objects(server: LiveServer) -> None:
    """A task's result (query and subscription) gives the same asset objects as the synchronous answer,
    with URLs signed when read; a caller who may not read the task gets no object."""
    admin = server.admin_token()
    url = server.graphql_url()
    picture = png(12, 8, (0, 0, 200))
    stored = upload(server.url, url, admin, "image", "sky.png", "image/png", picture)
    task = gql(url, "mutation($a: JSON) { fz_create_action_flow_task(actionFlowId: \"set_cover\", args: $a) }",
               {"a": {"product_id": 2, "picture": stored["id"]}}, token=admin).field("fz_create_action_flow_task")
    read = "query($t: bigint!) { fz_action_flow_result(taskId: $t) { status output error } }"
    deadline = time.monotonic() + 60
    while (result := gql(url, read, {"t": task}, token=admin).field("fz_action_flow_result"))["status"] not in ("COMPLETED", "FAILED"):
        assert time.monotonic() < deadline, result
        time.sleep(0.2)
    assert result["status"] == "COMPLETED", result
    output = result["output"]
    cover = output["cover"]
    assert output["cover_id"] == stored["id"]  # an input stays the id it was
    assert (cover["id"], cover["filename"], cover["content_type"], cover["size"], cover["width"], cover["height"]) == \
        (stored["id"], "sky.png", "image/png", len(picture), 12, 8)
    assert httpx.get(server.url + cover["url"]).content == picture
    assert output["rows"][0]["cover"]["id"] == stored["id"] and output["rows"][0]["cover"]["url"]

    with connect(server.ws_url(SLUG), subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {"headers": {"Authorization": f"Bearer {admin}"}}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription($t: bigint!) { fz_listen_action_flow_result(taskId: $t) { status output } }", "variables": {"t": task}}}))
        live = json.loads(ws.recv(timeout=20))
    heard = live["payload"]["data"]["fz_listen_action_flow_result"]
    assert heard["status"] == "COMPLETED" and heard["output"]["cover"]["id"] == stored["id"]
    assert httpx.get(server.url + heard["output"]["cover"]["url"]).content == picture

    stranger = gql(url, read, {"t": task}, token=account(server, "carol_f"))
    assert stranger.codes == {"NOT_FOUND"} and "sky.png" not in json.dumps(stranger.body)
