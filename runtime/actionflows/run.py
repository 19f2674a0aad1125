"""The state of one flow execution: its scope, its connection, and running steps.

Scope roots are ``input``, ``var``, ``node``, ``session`` and ``loop``; a
reference such as ``node.update_product_stock.id`` is a path through them
(a node that has not run gives null). Every step runs through ``run_steps``,
which names the failing node in the error and, for async flows, gives each
leaf node a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg import AsyncConnection, errors

from builder.flows import Actionflow
from builder.resolved import ResolvedProject
from runtime.actionflows.types import FlowAborted, NodeFailed, Step
from runtime.expressions import ExpressionError, evaluate, holds, lookup
from runtime.types import ActionflowFailed, RuntimeError_, Session

# Compiled sub-flows by id, supplied by the compiler's cache (lazy: flows may call each other).
SubflowSource = Callable[[str], Awaitable[Any]]


class FlowError(ActionflowFailed):
    """A flow failed; ``node`` is the id of the node that failed (or None)."""

    def __init__(self, message: str, *, flow: str, node: str | None, cause: str = "ACTION_FLOW_FAILED", code: str | None = None):
        extra = {"actionflow": flow, "node": node}
        if cause != "ACTION_FLOW_FAILED":
            extra["cause"] = cause
        super().__init__(message, code=code, extra=extra)
        self.node = node


@dataclass
class Run:
    project: ResolvedProject
    flow: Actionflow
    session: Session
    conn: AsyncConnection
    scope: dict[str, Any]
    subflow: Callable[[str], Any]  # flow id -> CompiledFlow
    per_node_transactions: bool = False
    depth: int = 0
    reached: list[str] = field(default_factory=list)  # node ids, in the order they started
    state: Any = None  # the PublishedState (GraphQL of Run Code); None in tests that run bare flows
    calls: list[dict[str, Any]] = field(default_factory=list)  # outbound calls, for the run log

    # -- values -------------------------------------------------------------

    def resolve(self, path: str) -> Any:
        return lookup(self.scope, path)

    def evaluate(self, expression: Any) -> Any:
        return evaluate(expression, self.resolve)

    def holds(self, condition: Mapping[str, Any] | None) -> bool:
        return holds(condition, self.resolve)

    # -- steps --------------------------------------------------------------

    async def run_steps(self, steps: Sequence[Step]) -> None:
        for step in steps:
            self.reached.append(step.node_id)
            try:
                if self.per_node_transactions and not step.container:
                    async with self.conn.transaction():
                        output = await step.run(self)
                else:
                    output = await step.run(self)
            except FlowError:
                raise
            except errors.TransactionRollback:
                raise  # serialization failure / deadlock: the request executor retries
            except FlowAborted as exc:
                raise FlowError(exc.message, flow=self.flow.id, node=step.node_id) from None
            except errors.QueryCanceled as exc:
                raise self._failed(step, _canceled_message(exc, self.flow), "TIMEOUT") from None
            except errors.IntegrityError as exc:
                raise self._failed(step, db_message(exc), "CONSTRAINT_VIOLATION") from None
            except errors.DataError as exc:
                raise self._failed(step, db_message(exc), "BAD_USER_INPUT") from None
            except NodeFailed as exc:
                raise self._failed(step, exc.message, exc.cause) from None
            except RuntimeError_ as exc:
                raise self._failed(step, exc.message, exc.code) from None
            except ExpressionError as exc:
                raise self._failed(step, str(exc), "BAD_USER_INPUT") from None
            if output is not None:
                self.scope["node"][step.node_id] = output

    def _failed(self, step: Step, message: str, cause: str) -> FlowError:
        return FlowError(f"Actionflow {self.flow.name}, node {step.name}: {message}", flow=self.flow.id, node=step.node_id, cause=cause)


def db_message(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    primary = diag.message_primary if diag is not None and diag.message_primary else str(exc).splitlines()[0]
    detail = diag.message_detail if diag is not None else None
    return f"{primary} ({detail})" if detail else primary


def _canceled_message(exc: Exception, flow: Actionflow) -> str:
    if "statement timeout" in str(exc):
        return f"timed out after {flow.timeout_ms} ms"
    return db_message(exc)
