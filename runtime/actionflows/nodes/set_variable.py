"""``set_variable``: assign flow variables (typed; the value is coerced to the variable's type)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from builder.flows import FlowVariable, SetVariableNode
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, NodeFailed, Output
from runtime.actionflows.values import coerce_variable


@dataclass(frozen=True)
class SetVariable:
    node_id: str
    name: str
    assignments: tuple[tuple[FlowVariable, Any], ...]
    container: bool = False

    async def run(self, run: Run) -> Output:
        # Evaluate every value first: assignments in one node see the old values.
        values = [(variable, coerce_variable(variable, run.evaluate(expr))) for variable, expr in self.assignments]
        for variable, value in values:
            run.scope["var"][variable.name] = value
        return None


def compile_node(node: SetVariableNode, ctx: CompileContext) -> SetVariable:
    declared = {v.name: v for v in ctx.flow.variables}
    assignments = []
    for name, expr in node.assignments.items():
        variable = declared.get(name)
        if variable is None:
            raise NodeFailed(f"variable `{name}` is not declared")
        assignments.append((variable, expr))
    return SetVariable(node.id, node.name, tuple(assignments))
