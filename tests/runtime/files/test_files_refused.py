"""Bad uploads, each refused with a clear error and nothing stored (real server, database, disk)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from runtime.database import DatabaseServer
from tests.conftest import LiveServer, start_server, unique_prefix
from tests.runtime.auth.graphql_client import gql, log_in
from tests.runtime.files.harness import SLUG, files_workspace, md5_b64, png, presign, stored_files, upload
from tests.runtime.shared_servers import project_db

OTHER = "second_shop"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script><rect width="9" height="9"/></svg>'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server: DatabaseServer) -> Iterator[LiveServer]:
    prefix = unique_prefix()
    live = start_server(files_workspace(tmp_path_factory.mktemp("refused"), (SLUG, OTHER)), db_server, prefix=prefix)
    live.env["TEST_PREFIX"] = prefix
    yield live
    live.stop()


@pytest.fixture(scope="module")
def user(server: LiveServer) -> str:
    return log_in(server.graphql_url(), "uploader", "password-123", register=True)[1]


def assets(server: LiveServer, db_server: DatabaseServer, slug: str = SLUG) -> tuple[int, int]:
    """(asset rows, stored files) of a project."""
    with project_db(db_server, server.env["TEST_PREFIX"], slug) as conn:
        rows = conn.execute("SELECT count(*) FROM minimomen.asset").fetchone()
    assert rows is not None
    return rows[0], len(stored_files(server.workspace, slug))


def signed(server: LiveServer, token: str, kind: str, filename: str, content_type: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return presign(server.graphql_url(), token, kind, filename, content_type, data, **extra).field(f"{kind}PresignedUrl")  # type: ignore[no-any-return]


def put(server: LiveServer, target: dict[str, Any], data: bytes) -> httpx.Response:
    return httpx.put(server.url + target["uploadUrl"], content=data, headers=target["uploadHeaders"], timeout=30)


def test_over_the_limit_is_refused_before_the_body_is_read(server: LiveServer, db_server: DatabaseServer, user: str) -> None:
    before = assets(server, db_server)
    too_big = presign(server.graphql_url(), user, "file", "big.bin", "application/octet-stream", b"x", size=11 * 1024 * 1024)
    assert too_big.codes == {"PAYLOAD_TOO_LARGE"}
    target = signed(server, user, "file", "small.bin", "application/octet-stream", b"\0" * 1000)
    # Announce 50 MB, send 1 KB and wait: the answer must come without the rest of the body.
    for path, content_type in ((target["uploadUrl"], "application/octet-stream"), (f"/p/{SLUG}/files/upload", "multipart/form-data; boundary=b")):
        method = "PUT" if "upload/" in path else "POST"
        with socket.create_connection(("127.0.0.1", urlsplit(server.url).port), timeout=10) as conn:
            conn.sendall(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {user}\r\nContent-Type: {content_type}\r\n"
                         f"Content-Length: {50 * 1024 * 1024}\r\n\r\n".encode() + b"\0" * 1024)
            head = conn.recv(4096).decode("latin-1")
        assert head.startswith("HTTP/1.1 413"), head
        assert "PAYLOAD_TOO_LARGE" in head
    assert assets(server, db_server) == before


def test_content_type_that_does_not_match_the_bytes(server: LiveServer, db_server: DatabaseServer, user: str) -> None:
    before = assets(server, db_server)
    text = b"just some text, not a picture"
    answer = put(server, signed(server, user, "image", "fake.png", "image/png", text), text)
    assert answer.status_code == 415 and answer.json()["error"]["code"] == "CONTENT_TYPE_MISMATCH"
    html = b"<!doctype html><html><script>alert(1)</script></html>"
    answer = put(server, signed(server, user, "file", "page.txt", "text/plain", html), html)
    assert answer.status_code == 415 and "text/html" in answer.json()["error"]["message"]
    jpeg_declared = png()
    answer = put(server, signed(server, user, "image", "photo.jpg", "image/jpeg", jpeg_declared), jpeg_declared)
    assert answer.status_code == 415
    assert assets(server, db_server) == before


def test_wrong_checksum(server: LiveServer, db_server: DatabaseServer, user: str) -> None:
    before = assets(server, db_server)
    data = png()
    answer = put(server, signed(server, user, "image", "a.png", "image/png", data, md5=md5_b64(b"something else")), data)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "CHECKSUM_MISMATCH"
    assert presign(server.graphql_url(), user, "image", "a.png", "image/png", data, md5="not base64!").codes == {"BAD_CHECKSUM"}
    assert assets(server, db_server) == before


def test_path_traversal_filename(server: LiveServer, db_server: DatabaseServer, user: str) -> None:
    before = assets(server, db_server)
    for name in ("../../x", "..\\..\\x", "/etc/passwd", "a\nb"):
        assert presign(server.graphql_url(), user, "file", name, "text/plain", b"x").codes == {"BAD_FILENAME"}, name
    form = httpx.post(f"{server.url}/p/{SLUG}/files/upload", headers={"Authorization": f"Bearer {user}"},
                      data={"kind": "file"}, files={"file": ("../../x", b"hello", "text/plain")})
    assert form.status_code == 400 and form.json()["error"]["code"] == "BAD_FILENAME"
    assert assets(server, db_server) == before
    assert not list(server.workspace.parent.glob("x")) and not (server.workspace / "x").exists()


def test_svg_with_script_is_only_ever_an_attachment(server: LiveServer, user: str) -> None:
    assert presign(server.graphql_url(), user, "image", "logo.svg", "image/svg+xml", SVG).codes == {"UNSUPPORTED_MEDIA_TYPE"}
    stored = upload(server.url, server.graphql_url(), user, "file", "logo.svg", "image/svg+xml", SVG)
    served = httpx.get(server.url + stored["url"])
    assert served.status_code == 200 and served.content == SVG
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"].startswith("attachment;")
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]


def test_upload_url_used_twice_or_after_expiry(server: LiveServer, db_server: DatabaseServer, user: str) -> None:
    data = b"first and only\n"
    target = signed(server, user, "file", "once.txt", "text/plain", data)
    assert put(server, target, data).status_code == 200
    again = put(server, target, data)
    assert again.status_code == 410 and again.json()["error"]["code"] == "UPLOAD_USED"
    before = assets(server, db_server)
    late = signed(server, user, "file", "late.txt", "text/plain", data)
    with project_db(db_server, server.env["TEST_PREFIX"], SLUG) as conn:  # fifteen minutes pass
        conn.execute("UPDATE minimomen.upload SET expires_at = now() - interval '1 second' WHERE asset_id = %s", (late["id"],))
    expired = put(server, late, data)
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "UPLOAD_EXPIRED"
    assert httpx.put(f"{server.url}/p/{SLUG}/files/upload/not-a-token", content=data).status_code == 404
    assert assets(server, db_server) == before


def test_asset_of_another_project_or_user(server: LiveServer, db_server: DatabaseServer, user: str) -> None:
    stored = upload(server.url, server.graphql_url(), user, "file", "mine.txt", "text/plain", b"mine\n")
    other_url = server.graphql_url(OTHER)
    other_user = log_in(other_url, "uploader", "password-123", register=True)[1]
    before = assets(server, db_server, OTHER)
    refused = gql(other_url, "mutation($r: bigint!) { insert_order_one(object: {quantity: 1, product_id: 1, receipt: $r}) { id } }",
                  {"r": stored["id"]}, token=other_user)
    assert refused.codes == {"BAD_USER_INPUT"} and "does not exist in this project" in refused.body["errors"][0]["message"]
    assert gql(other_url, "{ order { id } }", token=other_user).field("order") == []
    assert assets(server, db_server, OTHER) == before


def test_who_may_upload(server: LiveServer) -> None:
    anonymous = presign(server.graphql_url(), None, "file", "a.txt", "text/plain", b"x")
    assert anonymous.denied(), anonymous.body
    form = httpx.post(f"{server.url}/p/{SLUG}/files/upload", data={"kind": "file"}, files={"file": ("a.txt", b"hello", "text/plain")})
    assert form.status_code == 403 and form.json()["error"]["code"] == "UPLOAD_FORBIDDEN"


def test_multipart_upload_for_pages(server: LiveServer, user: str) -> None:
    picture = png(30, 20)
    form = httpx.post(f"{server.url}/p/{SLUG}/files/upload", headers={"Authorization": f"Bearer {user}"},
                      data={"kind": "image"}, files={"file": ("dot.png", picture, "image/png")})
    assert form.status_code == 200, form.text
    answer = form.json()
    assert (answer["width"], answer["height"], answer["content_type"]) == (30, 20, "image/png")
    assert httpx.get(server.url + answer["url"]).content == picture
