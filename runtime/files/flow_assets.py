"""Actionflow outputs that carry files: a query / insert / update node's image or file
field reads as the stored file's object (``{id, url, filename, content_type, size, width,
height}``), not as the bare asset id the flow works with inside (so a flow can copy an
image from one row to another by its id).

Applies to outputs that are ``node.<n>.<asset field>`` (the first row's field) and
``node.<n>.rows`` (each row's asset fields). URLs are signed like GraphQL's.
"""

from __future__ import annotations

from typing import Any

from builder.expressions import is_ref
from builder.flows import Actionflow, walk_nodes
from builder.resolved import ResolvedProject, ResolvedTable
from runtime.system_tables import SCHEMA

TABLE_NODES = ("query", "insert", "update")


def _asset_columns(table: ResolvedTable) -> list[str]:
    return [c.name for c in table.columns.values() if c.asset]


def asset_outputs(project: ResolvedProject, flow: Actionflow) -> dict[str, tuple[str, list[str]]]:
    """Output key → ("field" | "rows", asset column names) for outputs that carry files."""
    nodes = {n.id: n for n in walk_nodes(flow.nodes) if n.type in TABLE_NODES}
    found: dict[str, tuple[str, list[str]]] = {}
    for key, expression in flow.output.items():
        if not is_ref(expression):
            continue
        root, _, rest = expression["ref"].partition(".")
        node_id, _, field = rest.partition(".")
        node = nodes.get(node_id)
        if root != "node" or node is None or "." in field:
            continue
        try:
            columns = _asset_columns(project.table(getattr(node, "table", "")))
        except KeyError:
            continue
        if field == "rows" and columns:
            found[key] = ("rows", columns)
        elif field in columns:
            found[key] = ("field", [field])
    return found


async def with_asset_objects(project: Any, flow: Actionflow, output: dict[str, Any]) -> dict[str, Any]:
    """``output`` with asset ids replaced by asset objects where the output names an asset field."""
    shapes = asset_outputs(project.state.resolved, flow)
    if not shapes:
        return output
    ids: set[int] = set()
    for key, (shape, columns) in shapes.items():
        value = output.get(key)
        if shape == "field" and isinstance(value, int):
            ids.add(value)
        elif shape == "rows" and isinstance(value, list):
            ids.update(row[c] for row in value if isinstance(row, dict) for c in columns if isinstance(row.get(c), int))
    objects = await load_assets(project, ids)
    result = dict(output)
    for key, (shape, columns) in shapes.items():
        value = result.get(key)
        if shape == "field":
            result[key] = objects.get(value) if isinstance(value, int) else value
        elif isinstance(value, list):
            result[key] = [{**row, **{c: objects.get(row[c]) for c in columns if isinstance(row.get(c), int)}} if isinstance(row, dict) else row
                           for row in value]
    return result


async def load_assets(project: Any, ids: set[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    async with project.pool.connection() as conn:
        rows = await (await conn.execute(
            f"""SELECT id, filename, content_type, size, width, height, created_at, {SCHEMA}.file_url(id, '')
                FROM {SCHEMA}.asset WHERE id = ANY(%s)""", (sorted(ids),))).fetchall()
    keys = ("id", "filename", "content_type", "size", "width", "height", "created_at", "url")
    return {r[0]: {**dict(zip(keys, r, strict=True)), "created_at": r[6].isoformat()} for r in rows}
