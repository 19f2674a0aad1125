"""Publishing image / file fields on the real database: added to a table with rows, renamed
by id with the file kept, the link to the stored files enforced."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from builder.loader import load_definition
from runtime.database import DatabaseServer
from runtime.files.uploads import Declared, store_upload
from runtime.workspace import Runtime
from tests.conftest import copy_sample, unique_prefix
from tests.runtime.files.harness import png

SLUG = "inventory_deduction"


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def test_add_rename_and_enforce_an_image_field(tmp_path: Path, db_server: Any) -> None:
    workspace = tmp_path / "ws"
    app = copy_sample(workspace) / "app.json"
    server = DatabaseServer(db_server.url, prefix=unique_prefix())

    async def main() -> None:
        runtime = Runtime(workspace, server, pool_size=4)
        project = await runtime.start_project(SLUG)
        try:
            data = json.loads(app.read_text())
            product = next(t for t in data["tables"] if t["id"] == "tbl_product")
            product["fields"].append({"id": "fld_cover", "name": "cover", "type": "image"})
            plan = await runtime.publish(SLUG, load_definition(data))  # the table has rows: an optional field is added
            assert any("link `product.cover` to the stored files" in s for s in plan.steps), plan.steps
            data_png = png(2, 2)
            stored = await store_upload(project, Declared("image", "dot.png", "image/png", len(data_png), None), _once(data_png),
                                        account_id=None, role="admin")
            async with project.pool.connection() as conn:
                await conn.execute("UPDATE product SET cover = %s WHERE id = 1", (stored["id"],))
                with pytest.raises(psycopg.errors.ForeignKeyViolation):
                    await conn.execute("UPDATE product SET cover = 424242 WHERE id = 2")
            product["fields"][-1]["name"] = "picture"
            plan = await runtime.publish(SLUG, load_definition(data))
            assert not any("drop" in s for s in plan.steps), plan.steps
            async with project.pool.connection() as conn:
                row = await (await conn.execute("SELECT picture FROM product WHERE id = 1")).fetchone()
                assert row == (stored["id"],)
                links = await (await conn.execute(
                    "SELECT conname, confrelid::regclass::text FROM pg_constraint WHERE conrelid = 'public.product'::regclass AND contype = 'f'"
                )).fetchall()
            assert links == [("product_picture_fkey", "minimomen.asset")]
        finally:
            await runtime.stop()

    try:
        asyncio.run(main())
    finally:
        server.drop_database(server.database_name(SLUG))
