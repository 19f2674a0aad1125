"""``condition``: ordered branches; the first whose condition holds runs (null = otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from builder.flows import ConditionNode
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, Output, Step


@dataclass(frozen=True)
class CompiledBranch:
    branch_id: str
    condition: dict[str, Any] | None
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Condition:
    node_id: str
    name: str
    branches: tuple[CompiledBranch, ...]
    container: bool = True

    async def run(self, run: Run) -> Output:
        for branch in self.branches:
            if branch.condition is None or run.holds(branch.condition):
                await run.run_steps(branch.steps)
                return {"branch": branch.branch_id}
        return {"branch": None}


def compile_node(node: ConditionNode, ctx: CompileContext) -> Condition:
    branches = tuple(CompiledBranch(b.id, b.condition, ctx.compile_nodes(b.nodes)) for b in node.branches)
    return Condition(node.id, node.name, branches)
