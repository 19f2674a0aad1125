"""The orphan sweep on a real database and disk: replaced, deleted and never attached files go
after the grace period; files committed rows point to — even rows committed while the sweep
runs — stay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg

from runtime.files.store import LocalStore, store_for
from runtime.files.sweep import sweep
from runtime.files.uploads import Declared, store_upload
from tests.runtime.auth.project_harness import run_with_project
from tests.runtime.files.harness import files_workspace


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _asset(project: Any, name: str) -> int:
    data = f"file {name}\n".encode()
    stored = await store_upload(project, Declared("file", name, "text/plain", len(data), None), _once(data), account_id=None, role="admin")
    return int(stored["id"])


async def _existing(project: Any) -> set[int]:
    async with project.pool.connection() as conn:
        return {r[0] for r in await (await conn.execute("SELECT id FROM minimomen.asset")).fetchall()}


def test_sweep_keeps_what_committed_rows_point_to(tmp_path: Path, db_server: Any) -> None:
    workspace = files_workspace(tmp_path)

    async def scenario(project: Any) -> None:
        kept, replaced, replacement, _never_attached, racing, rolled_back = [await _asset(project, n) for n in "abcdef"]
        async with project.pool.connection() as conn:
            await conn.execute('INSERT INTO "order" (quantity, product_id, receipt) VALUES (1, 1, %s)', (kept,))
            await conn.execute('INSERT INTO "order" (quantity, product_id, receipt) VALUES (1, 1, %s) ', (replaced,))
            await conn.execute('UPDATE "order" SET receipt = %s WHERE receipt = %s', (replacement, replaced))
        store = store_for(project)
        assert isinstance(store, LocalStore)
        files_before = {p for p in store.root.rglob("*") if p.is_file()}
        assert len(files_before) == 6

        # A row pointing to `racing` is being inserted (not committed) while the sweep runs;
        # one pointing to `rolled_back` is inserted and rolled back.
        async with await psycopg.AsyncConnection.connect(project.conninfo) as other:
            await other.execute('INSERT INTO "order" (quantity, product_id, receipt) VALUES (1, 1, %s)', (rolled_back,))
            await other.rollback()
            await other.execute('INSERT INTO "order" (quantity, product_id, receipt) VALUES (1, 1, %s)', (racing,))
            first = await sweep(project, grace_seconds=0)
            await other.commit()
        assert first.kept == 1  # `racing`: its row held the asset while the sweep tried to delete it
        assert await _existing(project) == {kept, replacement, racing}
        second = await sweep(project, grace_seconds=0)
        assert (second.deleted, second.kept) == (0, 0)
        assert await _existing(project) == {kept, replacement, racing}
        files_after = {p for p in store.root.rglob("*") if p.is_file()}
        assert len(files_after) == 3 and files_after < files_before

        # Within the grace period nothing is deleted, not even a fresh orphan.
        late = await _asset(project, "g")
        waiting = await sweep(project, grace_seconds=3600)
        assert waiting.deleted == 0 and late in await _existing(project)

    run_with_project(db_server, workspace, scenario)
