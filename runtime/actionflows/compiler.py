"""Compile a published version's actionflows once; run them many times.

``compiled_flows(state)`` returns the ``FlowSet`` of a ``PublishedState``, built on
first use and kept in ``state.cache["actionflows"]`` (a new publish brings a new
state, so nothing is ever invalidated by hand).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from builder.expressions import is_ref
from builder.flows import Actionflow
from builder.resolved import ResolvedProject
from runtime.actionflows.nodes import NODE_COMPILERS
from runtime.actionflows.types import Step

CACHE_KEY = "actionflows"


@dataclass(frozen=True)
class CompiledFlow:
    flow: Actionflow
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class FlowSet:
    """Every compiled flow of one published version, by id."""

    version: int
    flows: Mapping[str, CompiledFlow]

    def get(self, flow_id: str) -> CompiledFlow | None:
        return self.flows.get(flow_id)


def _paths(value: Any) -> Iterator[str]:
    """Every reference path in a dumped flow: ``{"ref": p}`` values and condition keys."""
    if isinstance(value, dict):
        if is_ref(value):
            yield value["ref"]
            return
        for key, item in value.items():
            if isinstance(key, str) and "." in key:
                yield key
            yield from _paths(item)
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item)


class _Context:
    """The ``CompileContext`` of one flow."""

    def __init__(self, project: ResolvedProject, flow: Actionflow):
        self.project = project
        self.flow = flow
        self._keys: dict[str, set[str]] = {}
        for path in _paths(flow.model_dump(mode="json")):
            parts = path.split(".")
            if parts[0] == "node" and len(parts) >= 2:
                self._keys.setdefault(parts[1], set()).add(parts[2] if len(parts) > 2 else "*")

    def compile_nodes(self, nodes: list[Any]) -> tuple[Step, ...]:
        return tuple(NODE_COMPILERS[node.type](node, self) for node in nodes)

    def referenced_keys(self, node_id: str) -> frozenset[str]:
        return frozenset(self._keys.get(node_id, ()))


def compile_flow(project: ResolvedProject, flow: Actionflow) -> CompiledFlow:
    context = _Context(project, flow)
    return CompiledFlow(flow, context.compile_nodes(flow.nodes))


def compile_flows(project: ResolvedProject, version: int) -> FlowSet:
    flows = {flow_id: compile_flow(project, flow) for flow_id, flow in project.actionflows.items()}
    return FlowSet(version, MappingProxyType(flows))


def compiled_flows(state: Any) -> FlowSet:
    """The compiled flows of a ``PublishedState`` (compiled on first use)."""
    found = state.cache.get(CACHE_KEY)
    if found is None:
        found = state.cache.setdefault(CACHE_KEY, compile_flows(state.resolved, state.version))
    return found
