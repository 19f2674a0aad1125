"""The race linter: warns about read-then-write patterns that oversell under concurrency.

A flow that queries a row and then writes a value computed from what it read
(``set stock = node.q.stock - input.quantity``) lets two concurrent runs read the
same value. Safe shapes: the query locks the row (``lock: for_update``), or the
write is an increment/decrement whose filter guards the same column
(``stock >= quantity``) and the flow branches on the update's result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from builder.definition import Definition
from builder.errors import PathPart, Problem, format_path
from builder.expressions import iter_bool_exp_keys, iter_refs
from builder.flows import Actionflow, QueryNode

Parts = tuple[PathPart, ...]
Source = tuple[str, str]  # (query node id, column read)


@dataclass
class _Flow:
    """What the linter knows while walking one flow in execution order."""

    flow: Actionflow
    index: int
    queries: dict[str, QueryNode] = field(default_factory=dict)
    tainted: dict[str, set[Source]] = field(default_factory=dict)  # "var.x" / "loop.l.item" -> sources
    locking: list[Any] = field(default_factory=list)  # nodes before this point that hold row locks until commit

    def sources(self, expression: Any) -> set[Source]:
        found: set[Source] = set()
        for ref in iter_refs(expression):
            segments = ref.split(".")
            if segments[0] == "node" and len(segments) > 1 and segments[1] in self.queries:
                found.add((segments[1], segments[2] if len(segments) > 2 else "rows"))
            for key, taint in self.tainted.items():
                if ref == key or ref.startswith(key + "."):
                    found |= taint
        return found

    def warn(self, parts: Parts, node: Any, sentence: str) -> Problem:
        return Problem(
            path=format_path(parts),
            message=f"Actionflow {self.flow.name}, node {node.name}: {sentence}",
            severity="warning",
            location={"actionflow": self.flow.id, "node": node.id},
        )


def _amount(expression: Any, state: _Flow) -> str:
    """A readable name for the amount in the advice (``quantity`` for ``input.quantity``)."""
    for ref in iter_refs(expression):
        if not state.sources({"ref": ref}):
            return ref.split(".")[-1]
    return "quantity"


def _race(state: _Flow, node: Any, parts: Parts, column: str, sources: set[Source], expression: Any) -> Problem:
    query_id, read = sorted(sources)[0]
    query = state.queries[query_id]
    return state.warn(
        parts,
        node,
        f"reads `{read}` in node {query.name} and writes a value computed from it; two concurrent runs can both "
        f"read the same value and oversell. Use Update with Decrease by and a filter `{column} >= {_amount(expression, state)}`, "
        f"then branch on the update's result. Alternatively, set node {query.name}'s lock to for_update.",
    )


def _unsafe(state: _Flow, expression: Any, table: str) -> set[Source]:
    """Sources of ``expression`` read without a lock from ``table``."""
    return {
        (qid, column)
        for qid, column in state.sources(expression)
        if state.queries[qid].table == table and state.queries[qid].lock != "for_update"
    }


def _lint_update(state: _Flow, node: Any, parts: Parts) -> Iterator[Problem]:
    state.locking.append(node)
    yield from _lint_update_values(state, node, parts)


def _lint_update_values(state: _Flow, node: Any, parts: Parts) -> Iterator[Problem]:
    guarded = {key for key, _ in iter_bool_exp_keys(node.filter)}
    for kind in ("set", "increment", "decrement"):
        for column, expression in getattr(node, kind).items():
            sources = _unsafe(state, expression, node.table)
            safe = kind != "set" and column in guarded
            if sources and not safe:
                yield _race(state, node, (*parts, kind, column), column, sources, expression)
            elif kind == "decrement" and column not in guarded:
                yield state.warn(
                    (*parts, kind, column),
                    node,
                    f"decreases `{column}` without a filter on `{column}`, so concurrent runs can take it below zero. "
                    f"Add a filter `{column} >= {_amount(expression, state)}`, then branch on the update's result.",
                )


def _lint_call_api(state: _Flow, node: Any, parts: Parts) -> Iterator[Problem]:
    """An inline call waits for a remote server while the rows written or locked so far stay locked."""
    if node.mode != "inline" or not state.locking:
        return
    holders = ", ".join(dict.fromkeys(n.name for n in state.locking))
    yield state.warn(
        (*parts, "mode"),
        node,
        f"calls an API inline after {holders} locked rows; they stay locked (and concurrent runs wait) until the answer "
        "arrives. Use after commit, or move the call before the writes.",
    )


def _lint_delete(state: _Flow, node: Any, parts: Parts) -> Iterator[Problem]:
    state.locking.append(node)
    return iter(())


def _lint_insert(state: _Flow, node: Any, parts: Parts) -> Iterator[Problem]:
    state.locking.append(node)
    for column, expression in node.values.items():
        sources = _unsafe(state, expression, node.table)
        if sources:
            yield _race(state, node, (*parts, "values", column), column, sources, expression)


def _lint_query(state: _Flow, node: Any, parts: Parts) -> Iterator[Problem]:
    state.queries[node.id] = node
    if node.lock != "none":
        state.locking.append(node)
    return iter(())


def _lint_set_variable(state: _Flow, node: Any, parts: Parts) -> Iterator[Problem]:
    for name, expression in node.assignments.items():
        state.tainted.setdefault(f"var.{name}", set()).update(state.sources(expression))
    return iter(())


def _lint_condition(state: _Flow, node: Any, parts: Parts) -> Iterator[Problem]:
    for index, branch in enumerate(node.branches):
        yield from _lint_nodes(state, branch.nodes, (*parts, "branches", index, "nodes"))


def _lint_loop(state: _Flow, node: Any, parts: Parts) -> Iterator[Problem]:
    state.tainted[f"loop.{node.id}.item"] = state.sources(node.over)
    yield from _lint_nodes(state, node.nodes, (*parts, "nodes"))


# Node types the linter follows; others neither read nor write table data it tracks.
LINTERS: dict[str, Callable[[_Flow, Any, Parts], Iterator[Problem]]] = {
    "query": _lint_query,
    "update": _lint_update,
    "insert": _lint_insert,
    "set_variable": _lint_set_variable,
    "condition": _lint_condition,
    "loop": _lint_loop,
    "delete": _lint_delete,
    "call_api": _lint_call_api,
}


def _lint_nodes(state: _Flow, nodes: list[Any], parts: Parts) -> Iterator[Problem]:
    for index, node in enumerate(nodes):
        linter = LINTERS.get(node.type)
        if linter is not None:
            yield from linter(state, node, (*parts, index))


def lint_actionflow(flow: Actionflow, index: int) -> list[Problem]:
    """Race warnings for one flow (``index``: its position in ``definition.actionflows``)."""
    return list(_lint_nodes(_Flow(flow, index), flow.nodes, ("actionflows", index, "nodes")))


def lint_definition(definition: Definition) -> list[Problem]:
    """Race warnings for every flow of a definition."""
    return [problem for index, flow in enumerate(definition.actionflows) for problem in lint_actionflow(flow, index)]
