"""``raise_error``: stop the flow with the builder's message; every write rolls back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from builder.flows import RaiseErrorNode
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, FlowAborted, Output


@dataclass(frozen=True)
class RaiseError:
    node_id: str
    name: str
    message: Any
    container: bool = False

    async def run(self, run: Run) -> Output:
        value = run.evaluate(self.message)
        message = value if isinstance(value, str) else "" if value is None else json.dumps(value, default=str)
        raise FlowAborted(message or f"Actionflow {run.flow.name} stopped at node {self.name}")


def compile_node(node: RaiseErrorNode, ctx: CompileContext) -> RaiseError:
    return RaiseError(node.id, node.name, node.message)
