"""The contracts of the actionflow engine: compiled steps, the compile context, errors.

A definition node is compiled once per published version into a ``Step`` (a small
object holding everything precomputed: resolved tables, compiled children). A step
runs many times against a ``Run`` (``runtime.actionflows.run``), the state of one
execution. Node types register a ``NodeCompiler`` in ``runtime.actionflows.nodes``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from builder.flows import Actionflow
from builder.resolved import ResolvedProject

if TYPE_CHECKING:
    from runtime.actionflows.run import Run

Output = Mapping[str, Any] | None


class Step(Protocol):
    """One compiled node. ``container`` steps (condition, loop) run other steps;
    in per-node transaction mode (async flows) only non-container steps get a
    transaction of their own."""

    @property
    def node_id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def container(self) -> bool: ...

    async def run(self, run: Run) -> Output: ...


class CompileContext(Protocol):
    """What a node compiler may ask for while compiling one flow."""

    project: ResolvedProject
    flow: Actionflow

    def compile_nodes(self, nodes: list[Any]) -> tuple[Step, ...]: ...

    def referenced_keys(self, node_id: str) -> frozenset[str]:
        """Output keys of ``node_id`` that the flow references (``*`` = the whole output)."""
        ...

    def referenced_paths(self, node_id: str) -> frozenset[tuple[str, ...]]:
        """The whole paths the flow reads below ``node_id`` (``("event", "title")``)."""
        ...


NodeCompiler = Callable[[Any, CompileContext], Step]


class FlowAborted(Exception):
    """A ``raise_error`` node stopped the flow with a message of the builder's own."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NodeFailed(Exception):
    """A node could not do its work (bad value, empty loop source, too many iterations)."""

    def __init__(self, message: str, *, cause: str = "ACTION_FLOW_FAILED"):
        super().__init__(message)
        self.message = message
        self.cause = cause
