"""The sample app with files: ``product.cover`` (image, public) and ``order.receipt`` (file,
readable only by the order's account); users may upload, insert and update their orders."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from tests.conftest import copy_sample
from tests.runtime.auth.graphql_client import Result, gql

SLUG = "inventory_deduction"
OWN = {"account_id": {"_eq": {"ref": "session.account_id"}}}


# Insert / update take an asset id; a query's image field reads as the stored file's object.
SET_COVER = {
    "id": "set_cover", "name": "Set Cover", "mode": "sync",
    "inputs": [{"name": "product_id", "type": "bigint", "required": True}, {"name": "picture", "type": "bigint", "required": True}],
    "nodes": [
        {"id": "put_cover", "name": "Put Cover", "type": "update", "table": "tbl_product",
         "filter": {"id": {"_eq": {"ref": "input.product_id"}}}, "set": {"cover": {"ref": "input.picture"}}},
        {"id": "read_back", "name": "Read Back", "type": "query", "table": "tbl_product",
         "filter": {"id": {"_eq": {"ref": "input.product_id"}}}, "one": True},
    ],
    "output": {"cover": {"ref": "node.read_back.cover"}, "rows": {"ref": "node.read_back.rows"}, "cover_id": {"ref": "input.picture"}},
}


def with_files(data: dict[str, Any]) -> None:
    tables = {t["id"]: t for t in data["tables"]}
    tables["tbl_product"]["fields"].append({"id": "fld_product_cover", "name": "cover", "type": "image"})
    tables["tbl_order"]["fields"].append({"id": "fld_order_receipt", "name": "receipt", "type": "file"})
    data["permissions"]["uploads"] = ["user"]
    data["permissions"]["tables"].append({"role": "user", "table": "tbl_order", "select": None,
                                          "insert": {"columns": ["quantity", "product_id", "receipt"],
                                                     "presets": {"account_id": {"ref": "session.account_id"}}},
                                          "update": {"columns": ["receipt"], "filter": OWN}})
    data["actionflows"].append(SET_COVER)
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for rule in data["permissions"]["tables"]:
        key = (rule["role"], rule["table"])
        merged.setdefault(key, {}).update({k: v for k, v in rule.items() if v is not None})
    data["permissions"]["tables"] = list(merged.values())


def files_workspace(root: Path, slugs: tuple[str, ...] = (SLUG,)) -> Path:
    """A workspace with the sample (with file fields) under each slug."""
    workspace = root / "ws"
    for slug in sorted(slugs, key=lambda s: s == SLUG):  # the sample's folder is copied, then renamed
        target = copy_sample(workspace)
        if slug != SLUG:
            target.rename(workspace / slug)
            target = workspace / slug
        app = target / "app.json"
        data = json.loads(app.read_text())
        with_files(data)
        app.write_text(json.dumps(data, indent=2))
    return workspace


def png(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


PRESIGN = """mutation($f: String!, $t: String!, $s: bigint!, $m: String!) {
  %s(filename: $f, contentType: $t, size: $s, md5Base64: $m) { id uploadUrl uploadMethod uploadHeaders expiresAt } }"""


def presign(url: str, token: str | None, kind: str, filename: str, content_type: str, data: bytes,
            md5: str | None = None, size: int | None = None) -> Result:
    variables = {"f": filename, "t": content_type, "s": len(data) if size is None else size, "m": md5 or md5_b64(data)}
    return gql(url, PRESIGN % f"{kind}PresignedUrl", variables, token=token)


def upload(base: str, url: str, token: str | None, kind: str, filename: str, content_type: str, data: bytes) -> dict[str, Any]:
    """Presign, PUT, and return the PUT's answer (the stored asset with a signed url)."""
    signed = presign(url, token, kind, filename, content_type, data).field(f"{kind}PresignedUrl")
    response = httpx.put(base + signed["uploadUrl"], content=data, headers=signed["uploadHeaders"], timeout=60)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["id"] == signed["id"]
    return answer  # type: ignore[no-any-return]


def stored_files(workspace: Path, slug: str = SLUG) -> list[Path]:
    root = workspace / ".minimomen" / "files" / slug
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
