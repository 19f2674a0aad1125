"""``T_stream``: the rows after a cursor, in batches, each batch one SQL statement.

A batch is at most ``batch_size`` rows after the cursor, in cursor order, read with
the role's select rule, columns and row cap (the ``SelectCompiler`` of ``T``). The
first batch starts after ``cursor.initial_value``; every later one after the last
row sent. The cursor is the chosen column with ``id`` as tie-breaker, so rows sharing
a cursor value are neither skipped nor sent twice when a batch ends among them.

``stream_root`` is the one-shot form (over HTTP, a subscription runs once): the
first batch as a JSON array. ``stream_statements`` is what a running stream
(``runtime.subscriptions.stream``) executes: the first batch, and the batch after a
given row, both answering the rows and where they end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psycopg import sql

from builder.resolved import ResolvedTable
from runtime.data.order_by import OrderTerm
from runtime.data.select import RowsQuery, SelectCompiler
from runtime.data.sql import Params, VarRef, ident
from runtime.graphql.selection import Selected
from runtime.types import BadUserInput

if TYPE_CHECKING:
    from runtime.graphql.compile import QueryBuilder

BoolExp = dict[str, Any]
MAX_BATCH_SIZE = 1000
# The last row sent, bound anew for every batch (names no GraphQL variable can have).
AFTER_VALUE = VarRef("cursor:value")
AFTER_ID = VarRef("cursor:id")


@dataclass(frozen=True)
class StreamCursor:
    column: str
    descending: bool
    initial: Any


@dataclass(frozen=True)
class StreamStatements:
    """A running stream's SQL. Each statement answers (rows JSON text, row count, last cursor value, last id)."""

    key: str  # the response key of the root field
    first: str
    first_params: Params
    after: str  # binds AFTER_VALUE and AFTER_ID
    after_params: Params
    batch_size: int  # rows of a full batch (the role's row cap may make it smaller than asked)

    def bind_after(self, value: str, row_id: int) -> dict[str, Any]:
        return self.after_params.bind({AFTER_VALUE.name: value, AFTER_ID.name: row_id})


def stream_cursor(field: str, args: Mapping[str, Any]) -> StreamCursor:
    """The one cursor of ``args`` (Hasura streams by one column); BadUserInput when it is unusable."""
    cursors = args.get("cursor")
    example = "cursor: {initial_value: {id: 0}, ordering: ASC}"
    if not isinstance(cursors, list) or len(cursors) != 1 or not isinstance(cursors[0], Mapping):
        raise BadUserInput(f"{field}: give exactly one cursor, e.g. {example}")
    initial = cursors[0].get("initial_value")
    if not isinstance(initial, Mapping) or len(initial) != 1:
        raise BadUserInput(f"{field}: cursor.initial_value names exactly one field to stream by, e.g. {example}")
    ((column, value),) = initial.items()
    if value is None:
        raise BadUserInput(f"{field}: cursor.initial_value.{column} must not be null; the stream starts after this value")
    ordering = cursors[0].get("ordering") or "ASC"
    if ordering not in ("ASC", "DESC"):
        raise BadUserInput(f"{field}: cursor.ordering is ASC or DESC")
    return StreamCursor(column, ordering == "DESC", value)


def _batch_size_check(field: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_BATCH_SIZE:
            raise BadUserInput(f"{field}: batch_size must be a whole number from 1 to {MAX_BATCH_SIZE} (got {value!r})")
        return value

    return check


@dataclass
class BatchQuery(RowsQuery):
    """The rows of one batch: its ``limit`` is the stream's ``batch_size``."""


class StreamCompiler(SelectCompiler):
    """A ``SelectCompiler`` whose batch LIMIT is checked as a batch size, with the batch statement."""

    def __init__(self, builder: QueryBuilder, field: str):
        super().__init__(builder.project, builder.params, builder.rule_for, builder.columns_allowed, builder.cap_for)
        self.field = field

    def _limit(self, query: RowsQuery) -> sql.Composable | None:
        if not isinstance(query, BatchQuery):
            return super()._limit(query)
        value = self.params.add_input(query.limit, _batch_size_check(self.field), "bigint")
        cap = self.cap_for(query.table)
        return value if cap is None else sql.SQL("LEAST({}, {})").format(value, sql.Literal(cap))

    def batch(self, query: BatchQuery, column: str) -> sql.Composable:
        """``SELECT rows, count, last cursor value, last id``; the cursor value as JSON text (ISO dates, exact numbers)."""
        alias = self.alias()
        return sql.SQL(
            "SELECT coalesce(json_agg(o.j), '[]')::text, count(*)::int, (array_agg(o.c))[count(*)::int], (array_agg(o.i))[count(*)::int] "
            "FROM (SELECT {row} AS j, to_jsonb({c}) #>> '{{}}' AS c, {i} AS i FROM {source}) AS o"
        ).format(row=self.row_object(query.table, alias, query.fields), c=ident(alias, column), i=ident(alias, "id"),
                 source=self._source(query, alias, None))


def _cursor_filter(cursor: StreamCursor, after: bool) -> BoolExp:
    past = "_lt" if cursor.descending else "_gt"
    if not after:
        return {cursor.column: {past: cursor.initial}}
    if cursor.column == "id":
        return {"id": {past: AFTER_ID}}
    return {"_or": [{cursor.column: {past: AFTER_VALUE}}, {cursor.column: {"_eq": AFTER_VALUE}, "id": {past: AFTER_ID}}]}


def _batch_query(builder: QueryBuilder, table: ResolvedTable, selected: Selected, after: bool) -> tuple[BatchQuery, StreamCursor]:
    args = builder.args(selected)
    cursor = stream_cursor(selected.name, args)
    direction = "desc" if cursor.descending else "asc"
    order = [OrderTerm((), cursor.column, direction)]
    if cursor.column != "id":
        order.append(OrderTerm((), "id", direction))
    where = _cursor_filter(cursor, after)
    if args.get("where"):
        where = {"_and": [args["where"], where]}
    query = BatchQuery(table, builder.row_outputs(table, selected.children), where=where, order_by=order, limit=args.get("batch_size"))
    return query, cursor


def stream_root(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable:
    """The first batch as a JSON array: a stream run once (a subscription sent over HTTP)."""
    query, _ = _batch_query(builder, table, selected, after=False)
    return StreamCompiler(builder, selected.name).rows(query)


def stream_statements(builder_for: Callable[[Params], QueryBuilder], table: ResolvedTable, selected: Selected) -> StreamStatements:
    """The statements of a running stream; ``builder_for`` gives a builder with argument values bound (no late variables)."""
    first = builder_for(Params())
    first_query, cursor = _batch_query(first, table, selected, after=False)
    first_sql = StreamCompiler(first, selected.name).batch(first_query, cursor.column)
    # compiled once with placeholder cursor values; every batch binds the last row sent
    after = builder_for(Params({AFTER_VALUE.name: cursor.initial, AFTER_ID.name: 0}))
    after_query, _ = _batch_query(after, table, selected, after=True)
    after_sql = StreamCompiler(after, selected.name).batch(after_query, cursor.column)
    size = _batch_size_check(selected.name)(first_query.limit)
    cap = first.cap_for(table)
    return StreamStatements(selected.key, first_sql.as_string(None), first.params, after_sql.as_string(None), after.params,
                            min(size, cap) if cap is not None else size)
