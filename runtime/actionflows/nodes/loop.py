"""``loop``: run the inner nodes for each element of a list, as ``loop.<id>.item`` / ``.index``.

Bounded by ``max_iterations``: a longer list fails the flow before the first
iteration, so a loop never half-runs because it was too long.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from builder.flows import LoopNode
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, NodeFailed, Output, Step

YIELD_EVERY = 100


@dataclass(frozen=True)
class Loop:
    node_id: str
    name: str
    over: Any
    max_iterations: int
    steps: tuple[Step, ...]
    container: bool = True

    async def run(self, run: Run) -> Output:
        items = run.evaluate(self.over)
        if items is None:
            items = []
        if not isinstance(items, list):
            raise NodeFailed(f"the loop needs a list to go through, got {type(items).__name__}")
        if len(items) > self.max_iterations:
            raise NodeFailed(f"the list has {len(items)} items, more than the loop's limit of {self.max_iterations} iterations")
        loops = run.scope["loop"]
        try:
            for index, item in enumerate(items):
                loops[self.node_id] = {"item": item, "index": index}
                await run.run_steps(self.steps)
                if index % YIELD_EVERY == YIELD_EVERY - 1:
                    # Let other requests run, and the flow's timeout fire, in long Python-only loops.
                    await asyncio.sleep(0)
        finally:
            loops.pop(self.node_id, None)
        return {"count": len(items)}


def compile_node(node: LoopNode, ctx: CompileContext) -> Loop:
    return Loop(node.id, node.name, node.over, node.max_iterations, ctx.compile_nodes(node.nodes))
