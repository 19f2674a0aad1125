"""Compile a published version's actionflows once; run them many times.

``compiled_flows(state)`` returns the ``FlowSet`` of a ``PublishedState``, built on
first use and kept in ``state.cache["actionflows"]`` (a new publish brings a new
state, so nothing is ever invalidated by hand). Each flow gets its node steps
(the interpreter) and, when every node has an exact SQL form, its PL/pgSQL
function (``runtime.actionflows.sqlflow``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from builder.flows import Actionflow
from builder.resolved import ResolvedProject
from runtime.actionflows.nodes import NODE_COMPILERS
from runtime.actionflows.refs import node_keys, node_paths, reference_paths
from runtime.actionflows.sqlflow.batch import BatchFunction, batch_of
from runtime.actionflows.sqlflow.function import compile_sql_flow
from runtime.actionflows.sqlflow.install import Installed
from runtime.actionflows.sqlflow.types import NotCompilable, SqlFlow
from runtime.actionflows.types import Step

log = logging.getLogger("minimomen.actionflows")

CACHE_KEY = "actionflows"


@dataclass(frozen=True)
class CompiledFlow:
    flow: Actionflow
    steps: tuple[Step, ...]
    sql: SqlFlow | None = None
    not_sql: str | None = None  # why the flow has no SQL function
    batch: BatchFunction | None = None  # the batch form of ``sql`` (group commit), when it has one


@dataclass(frozen=True)
class FlowSet:
    """Every compiled flow of one published version, by id."""

    version: int
    flows: Mapping[str, CompiledFlow]
    functions: Installed = field(default_factory=lambda: Installed(()))
    state: Any = field(default=None, compare=False)  # the PublishedState compiled (set by compiled_flows)

    def get(self, flow_id: str) -> CompiledFlow | None:
        return self.flows.get(flow_id)


class _Context:
    """The ``CompileContext`` of one flow."""

    def __init__(self, project: ResolvedProject, flow: Actionflow):
        self.project = project
        self.flow = flow
        paths = list(reference_paths(flow.model_dump(mode="json")))
        self._keys = node_keys(paths)
        self._paths = node_paths(paths)

    def compile_nodes(self, nodes: list[Any]) -> tuple[Step, ...]:
        return tuple(NODE_COMPILERS[node.type](node, self) for node in nodes)

    def referenced_keys(self, node_id: str) -> frozenset[str]:
        return frozenset(self._keys.get(node_id, ()))

    def referenced_paths(self, node_id: str) -> frozenset[tuple[str, ...]]:
        return frozenset(self._paths.get(node_id, ()))


def compile_flow(project: ResolvedProject, flow: Actionflow) -> CompiledFlow:
    context = _Context(project, flow)
    steps = context.compile_nodes(flow.nodes)
    try:
        function = compile_sql_flow(project, flow)
        return CompiledFlow(flow, steps, function, batch=batch_of(function))
    except NotCompilable as exc:
        return CompiledFlow(flow, steps, None, str(exc))
    except Exception as exc:  # a compiler bug must not stop the flow: it runs node by node
        log.exception("actionflow %s could not be compiled to SQL", flow.id)
        return CompiledFlow(flow, steps, None, f"internal error ({type(exc).__name__})")


def compile_flows(project: ResolvedProject, version: int) -> FlowSet:
    flows = {flow_id: compile_flow(project, flow) for flow_id, flow in project.actionflows.items()}
    functions = Installed(name for c in flows.values() if c.sql is not None
                          for name in (c.sql.function, *((c.batch.function,) if c.batch is not None else ())))
    return FlowSet(version, MappingProxyType(flows), functions)


def compiled_flows(state: Any) -> FlowSet:
    """The compiled flows of a ``PublishedState`` (compiled on first use)."""
    found = state.cache.get(CACHE_KEY)
    if found is None:
        compiled = compile_flows(state.resolved, state.version)
        found = state.cache.setdefault(CACHE_KEY, FlowSet(compiled.version, compiled.flows, compiled.functions, state))
    return found
