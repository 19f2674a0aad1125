"""Actionflow models: typed inputs, variables, a tree of nodes, an output.

Each node type is one pydantic model registered in ``NODE_TYPES``; the designer's
palette, the validator and the runtime engine all read this registry. A node's
output is referenced in later nodes as ``node.<node id>.<key>``. A flow may carry a
``Schedule`` (cron, time zone, start/end) to run on its own (``runtime.actionflows.schedules``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from croniter import croniter  # type: ignore[import-untyped]  # no stubs shipped
from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from builder.expressions import BoolExp, Expression
from builder.flows_base import Ident, Model, NodeBase, ValueType
from builder.integrations import CallApiNode, ChangeTrigger, RunCodeNode, WebhookTrigger

__all__ = ["CallApiNode", "ChangeTrigger", "Ident", "Model", "NodeBase", "RunCodeNode", "ValueType", "WebhookTrigger"]


class FlowInput(Model):
    name: Ident
    type: ValueType
    required: bool = False
    list: bool = False
    description: str = ""


class FlowVariable(Model):
    name: Ident
    type: ValueType
    list: bool = False
    default: Any = None


class OrderBy(Model):
    field: str
    direction: Literal["asc", "desc"] = "asc"


class GetCurrentAccountNode(NodeBase):
    """Get the logged-in account of the caller. Outputs account_id (empty for visitors who are not logged in) and username."""

    type: Literal["get_current_account"] = "get_current_account"


class Branch(Model):
    id: Ident
    name: str = Field(min_length=1, max_length=120)
    condition: BoolExp | None = Field(default=None, description="null means otherwise; only the last branch may be otherwise")
    nodes: list[Node] = Field(default_factory=list)


class ConditionNode(NodeBase):
    """Branch: the first branch whose condition holds runs; an "otherwise" branch (no condition) goes last."""

    type: Literal["condition"] = "condition"
    branches: list[Branch] = Field(min_length=1)


class QueryNode(NodeBase):
    """Read rows of a table matching a filter. Outputs rows; with "one", also the first row's fields and found."""

    type: Literal["query"] = "query"
    table: str = Field(description="table id")
    filter: BoolExp = Field(default_factory=dict)
    order_by: list[OrderBy] = Field(default_factory=list)
    limit: int | None = Field(default=None, ge=1, le=1000)
    one: bool = False
    lock: Literal["none", "for_update", "for_share"] = "none"


class OnConflict(Model):
    constraint: str = Field(description="unique constraint id, or 'field:<field name>' for a unique field")
    action: Literal["nothing", "update"] = "nothing"
    update_fields: list[str] = Field(default_factory=list)


class InsertNode(NodeBase):
    """Insert a row into a table. Outputs the new row's fields (id, ...) and affected_rows."""

    type: Literal["insert"] = "insert"
    table: str
    values: dict[str, Expression] = Field(default_factory=dict)
    on_conflict: OnConflict | None = None


class UpdateNode(NodeBase):
    """Update the rows matching a filter: set values, or increase / decrease numbers.

    Put the guard in the filter (stock >= quantity) and decrease by the quantity: the
    database then never oversells. Outputs affected_rows, the changed rows and the first
    changed row's fields, so its id is empty when nothing matched.
    """

    type: Literal["update"] = "update"
    table: str
    filter: BoolExp = Field(default_factory=dict)
    set: dict[str, Expression] = Field(default_factory=dict)
    increment: dict[str, Expression] = Field(default_factory=dict)
    decrement: dict[str, Expression] = Field(default_factory=dict)


class DeleteNode(NodeBase):
    """Delete the rows of a table matching a filter. Outputs affected_rows."""

    type: Literal["delete"] = "delete"
    table: str
    filter: BoolExp = Field(default_factory=dict)


class SetVariableNode(NodeBase):
    """Set actionflow variables (the way to carry a value out of a branch or a loop)."""

    type: Literal["set_variable"] = "set_variable"
    assignments: dict[str, Expression] = Field(min_length=1, description="variable name -> value")


class LoopNode(NodeBase):
    """For each item of a list, run the nodes inside the loop (each sees the current item)."""

    type: Literal["loop"] = "loop"
    over: Expression
    max_iterations: int = Field(default=1000, ge=1, le=100000)
    nodes: list[Node] = Field(default_factory=list)


class RunActionflowNode(NodeBase):
    """Run another actionflow in the same transaction; outputs its output."""

    type: Literal["run_actionflow"] = "run_actionflow"
    actionflow: str = Field(description="actionflow id")
    args: dict[str, Expression] = Field(default_factory=dict)


class RaiseErrorNode(NodeBase):
    """Stop with an error message: every change made so far is rolled back."""

    type: Literal["raise_error"] = "raise_error"
    message: Expression


Node = Annotated[
    GetCurrentAccountNode | ConditionNode | QueryNode | InsertNode | UpdateNode | DeleteNode | SetVariableNode | LoopNode | RunActionflowNode | RaiseErrorNode
    | CallApiNode | RunCodeNode,
    Field(discriminator="type"),
]

NODE_TYPES: dict[str, type[NodeBase]] = {
    model.model_fields["type"].default: model
    for model in (
        GetCurrentAccountNode,
        ConditionNode,
        QueryNode,
        InsertNode,
        UpdateNode,
        DeleteNode,
        SetVariableNode,
        LoopNode,
        RunActionflowNode,
        RaiseErrorNode,
        CallApiNode,
        RunCodeNode,
    )
}


class Schedule(Model):
    """Run the flow on a cron schedule, as admin, with no inputs (Momen's "Scheduled" trigger).

    ``cron`` has 5 fields (minute hour day month weekday) or 6 with seconds first
    (``*/2 * * * * *`` is every two seconds). Times are read in ``time_zone``
    (None: the project's ``settings.time_zone``); a ``start_at``/``end_at``
    without an offset is a wall-clock time in that zone.
    """

    cron: str = Field(min_length=1, max_length=200, description="5-field cron, or 6 with seconds first")
    time_zone: str | None = Field(default=None, description="IANA time zone; empty: the project's time zone")
    start_at: datetime.datetime | None = None
    end_at: datetime.datetime | None = None
    enabled: bool = True

    @property
    def has_seconds(self) -> bool:
        return len(self.cron.split()) == 6

    def cron_problem(self) -> str | None:
        """Why ``cron`` is not a schedule (a sentence ending with a period), or None."""
        if len(self.cron.split()) not in (5, 6):
            return "a cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first."
        if not croniter.is_valid(self.cron, second_at_beginning=self.has_seconds):
            return "one of its fields is out of range or misspelled."
        return None

    def bound(self, moment: datetime.datetime | None, zone: ZoneInfo) -> datetime.datetime | None:
        """``start_at``/``end_at`` as an aware instant (a naive one is read in ``zone``)."""
        if moment is None or moment.tzinfo is not None:
            return moment
        return moment.replace(tzinfo=zone)

    def times_after(self, after: datetime.datetime, zone: ZoneInfo) -> Iterator[datetime.datetime]:
        """Fire times strictly after ``after`` (aware), within start and end, in order; endless without an end."""
        start, end = self.bound(self.start_at, zone), self.bound(self.end_at, zone)
        if start is not None and start > after:
            after = start - datetime.timedelta(microseconds=1)  # a fire time equal to start counts
        times = croniter(self.cron, after.astimezone(zone), second_at_beginning=self.has_seconds)
        while True:
            moment: datetime.datetime = times.get_next(datetime.datetime)
            if end is not None and moment > end:
                return
            yield moment

    def latest_until(self, until: datetime.datetime, zone: ZoneInfo) -> datetime.datetime | None:
        """The last fire time at or before ``until`` (aware) within start and end, or None."""
        start, end = self.bound(self.start_at, zone), self.bound(self.end_at, zone)
        if end is not None and end < until:
            until = end
        times = croniter(self.cron, (until + datetime.timedelta(microseconds=1)).astimezone(zone), second_at_beginning=self.has_seconds)
        moment: datetime.datetime = times.get_prev(datetime.datetime)
        return None if start is not None and moment < start else moment


class Actionflow(Model):
    id: Ident
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    mode: Literal["sync", "async"] = "sync"
    inputs: list[FlowInput] = Field(default_factory=list)
    variables: list[FlowVariable] = Field(default_factory=list)
    nodes: list[Node] = Field(default_factory=list)
    output: dict[str, Expression] = Field(default_factory=dict, description="output key -> value")
    timeout_ms: int = Field(default=15000, ge=100, le=600000)
    schedule: Schedule | None = Field(default=None, description="run on a cron schedule (no inputs, as admin)")
    on_change: ChangeTrigger | None = Field(default=None, description="run when rows of a table change")
    webhook: WebhookTrigger | None = Field(default=None, description="run on a signed request to /p/<slug>/webhooks/<flow id>")

    @model_serializer(mode="wrap")
    def _drop_empty_triggers(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Flows without these triggers save exactly as before the fields existed.
        data: dict[str, Any] = handler(self)
        for key in ("schedule", "on_change", "webhook"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


Branch.model_rebuild()
ConditionNode.model_rebuild()
LoopNode.model_rebuild()
Actionflow.model_rebuild()


def walk_nodes(nodes: list[Any]) -> Any:
    """Yield every node of a node tree, depth first, in execution order."""
    for node in nodes:
        yield node
        if isinstance(node, ConditionNode):
            for branch in node.branches:
                yield from walk_nodes(branch.nodes)
        elif isinstance(node, LoopNode):
            yield from walk_nodes(node.nodes)
