"""Checks of the parts that reach the world: Call API / Run Code nodes, change and webhook triggers.

Node checks get a reference checker from ``builder.validation.actionflows`` (which
registers them); trigger checks run over the whole definition like schedules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from builder.definition import Definition
from builder.errors import PathPart
from builder.integrations import CallApiNode, RunCodeNode
from builder.validation.catalog import Catalog, suggestion
from builder.validation.expressions import check_condition, check_expression
from builder.validation.report import Issue

Parts = tuple[PathPart, ...]
RefCheck = Callable[[str], str | None]
RESPONSE_KEYS = frozenset({"status", "ok", "headers", "body"})
CHANGE_INPUTS = frozenset({"event", "new", "old"})


def host_allowed(host: str, allowed: list[str]) -> bool:
    """``host`` is listed, or matches a ``*.domain`` entry (case-insensitive)."""
    host = host.lower().rstrip(".")
    for entry in allowed:
        entry = entry.lower().strip()
        if entry == host or (entry.startswith("*.") and host.endswith(entry[1:])):
            return True
    return False


def call_api_outputs(node: CallApiNode) -> frozenset[str]:
    if node.mode == "after_commit":
        return frozenset({"outbox_id"})
    return RESPONSE_KEYS | frozenset(node.response_schema)


def check_call_api(node: CallApiNode, parts: Parts, check: RefCheck, definition_hosts: list[str]) -> Iterator[Issue]:
    for key in ("headers", "query", "body"):
        for name, value in getattr(node, key).items():
            yield from check_expression(value, (*parts, key, name), check)
    yield from check_expression(node.url, (*parts, "url"), check)
    if isinstance(node.url, str) and "{{" not in node.url:
        url = urlsplit(node.url)
        if url.scheme not in ("http", "https") or not url.hostname:
            yield Issue((*parts, "url"), f"`{node.url}` is not an http(s) URL such as `https://api.example.com/orders`.")
        elif not host_allowed(url.hostname, definition_hosts):
            yield Issue((*parts, "url"), f"host `{url.hostname}` is not in the project's outbound hosts (Settings); calls to it are refused until it is added.", "warning")
    if node.body and node.body_type == "none":
        yield Issue((*parts, "body_type"), "the node has a body but sends none; choose JSON or form.")
    if node.method == "GET" and node.body_type != "none":
        yield Issue((*parts, "body_type"), "a GET request carries no body; put the values in the query instead.")
    if node.mode == "inline":
        yield Issue((*parts, "mode"), "an inline call keeps the flow's transaction open (and the rows it locked locked) while it waits "
                    "for the answer; on busy tables prefer after commit.", "warning")


def check_run_code(node: RunCodeNode, parts: Parts, check: RefCheck) -> Iterator[Issue]:
    for name, value in node.args.items():
        yield from check_expression(value, (*parts, "args", name), check)


def _change_ref(catalog_columns: dict[str, str]) -> RefCheck:
    def check(path: str) -> str | None:
        root, *rest = path.split(".")
        if root not in ("new", "old"):
            return f"a change condition reads `new.<field>` or `old.<field>`, not `{path}`."
        if not rest or rest[0] not in catalog_columns:
            name = rest[0] if rest else ""
            return f"field `{name}` does not exist on the table.{suggestion(name, catalog_columns)}"
        return None

    return check


def _check_change(flow: Any, catalog: Catalog) -> Iterator[tuple[tuple[PathPart, ...], str]]:
    trigger = flow.on_change
    table = catalog.table(trigger.table)
    if table is None:
        yield ("table",), f"table `{trigger.table}` does not exist.{suggestion(trigger.table, catalog.tables)}"
        return
    if trigger.condition:
        for issue in check_condition(trigger.condition, ("condition",), _change_ref(table.columns)):
            yield issue.parts, issue.sentence
    for item in flow.inputs:
        if item.name not in CHANGE_INPUTS and item.required:
            yield ("table",), f"a change passes only `event`, `new` and `old`, but input `{item.name}` is required; make it optional."


def check_triggers(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    """Change triggers on existing tables with conditions over ``new``/``old``; one trigger kind per flow."""
    for index, flow in enumerate(definition.actionflows):
        if flow.on_change is not None:
            for tail, sentence in _check_change(flow, catalog):
                yield Issue(("actionflows", index, "on_change", *tail), sentence)
        kinds = [k for k in ("schedule", "on_change", "webhook") if getattr(flow, k) is not None]
        if len(kinds) > 1:
            yield Issue(("actionflows", index, kinds[1]), f"actionflow {flow.name} already starts by {kinds[0].replace('_', ' ')}; give it one trigger.")
