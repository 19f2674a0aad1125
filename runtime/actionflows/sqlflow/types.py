"""The contracts of the flow-to-SQL compiler: slots, the compiled function, errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from runtime.data.sql import VarRef

# Where a row list (``rows``, ``returning``) lives in the function: JSON text.
ROWS = "rows"


class NotCompilable(Exception):
    """The flow (or one of its values) has no exact SQL form; it runs interpreted."""


@dataclass(frozen=True)
class Slot:
    """One PL/pgSQL variable or parameter holding a flow value.

    ``type`` is a field type (``bigint``, ``text`` ...) or ``ROWS``; ``nullable``
    is False only where the interpreter guarantees a value (required inputs).
    """

    name: str
    type: str
    nullable: bool = True

    @property
    def sql(self) -> sql.Composable:
        return sql.Identifier(self.name)


@dataclass(frozen=True)
class SlotRef(VarRef):
    """A flow value inside a statement built by ``runtime.data.crud``: renders as ``expr``."""

    type: str = "text"
    expr: Any = None  # sql.Composable


# How the runner gets one call argument: from the inputs, the session, or a constant.
ArgSource = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Returned:
    """One OUT value of the function and where it goes in the scope (``var.x`` / ``node.n.k``)."""

    path: tuple[str, ...]
    type: str
    table: str | None = None  # ROWS values: the table whose columns they hold


@dataclass(frozen=True)
class SqlFlow:
    """A flow compiled to a function: its DDL, how to call it, how to read the answer."""

    flow_id: str
    function: str  # name in the minimomen schema
    ddl: str
    call: bytes  # SELECT * FROM minimomen."af_..."(%s::bigint, ...)
    args: tuple[ArgSource, ...]
    returned: tuple[Returned, ...]  # after the first OUT value, the index of the last node that started
    nodes: tuple[str, ...]  # node ids by index
    node_lines: tuple[tuple[int, int], ...]  # (first body line, node index), ascending
    raise_nodes: frozenset[int] = field(default_factory=frozenset)  # indexes of raise_error nodes
    arg_types: tuple[str, ...] = ()  # SQL type of each argument, in call order
    outs: tuple[tuple[str, str], ...] = ()  # (name, SQL type) of the OUT values after _last
