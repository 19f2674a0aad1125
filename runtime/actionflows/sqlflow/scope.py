"""Where each value of a flow's scope lives in its function.

Inputs, session values and constants become parameters (``_a1`` ...), in the
order the runner passes them; variables and node outputs become local
variables (``_v1``, ``_n1`` ...), or OUT parameters (``_r1`` ...) when the flow's
output reads them. Names start with ``_``, which no field name can, so a slot
never shadows a column. ``SlotParams`` lets the statement builders of
``runtime.data.crud`` render flow values as slots and constants as parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from psycopg import sql

from builder.flows import Actionflow
from builder.resolved import ResolvedProject
from runtime.actionflows.sqlflow.types import (
    ROWS,
    ArgSource,
    NotCompilable,
    Returned,
    Slot,
    SlotRef,
)
from runtime.data.sql import PG_TYPES, Params, has_var
from runtime.types import BadUserInput

SESSION_TYPES = {"account_id": ("bigint", True), "username": ("text", True), "role": ("text", False)}
SQL_TYPES = {**PG_TYPES, ROWS: "text"}
FIELD_TYPES = {pg: field_type for field_type, pg in PG_TYPES.items()}
# Variables and inputs whose Python value (as the interpreter holds it) a slot reproduces exactly.
VALUE_TYPES = frozenset({"bigint", "decimal", "text", "boolean"})


def _arg_of_input(name: str) -> ArgSource:
    return lambda inputs, session: inputs[name]


def _arg_of_session(key: str) -> ArgSource:
    return lambda inputs, session: session[key]


def _arg_constant(value: Any) -> ArgSource:
    return lambda inputs, session: value


class Scope:
    """Slots of one flow, allocated on first use."""

    def __init__(self, project: ResolvedProject, flow: Actionflow, node_keys: Mapping[str, Mapping[str, str]], node_tables: Mapping[str, str], returned: set[str]):
        self.project = project
        self.flow = flow
        self.node_keys = node_keys  # node id -> output key -> type
        self.node_tables = node_tables  # node id -> table name (for row lists)
        self.returned_paths = returned  # "var.x" / "node.n.k" paths the output reads
        self.args: list[tuple[str, ArgSource]] = []  # (SQL type, source), in call order
        self.locals: list[tuple[str, str]] = []  # (name, SQL type)
        self.outs: list[tuple[str, str, Returned]] = []  # (name, SQL type, where it goes)
        self._slots: dict[str, Slot] = {}
        self._inputs = {i.name: i for i in flow.inputs}
        self._variables = {v.name: v for v in flow.variables}

    # -- references -----------------------------------------------------------

    def resolve(self, path: str) -> Slot:
        """The slot of a reference path (``input.x``, ``var.x``, ``session.x``, ``node.n.k``)."""
        found = self._slots.get(path)
        if found is not None:
            return found
        parts = path.split(".")
        root = parts[0]
        if root == "input" and len(parts) == 2 and parts[1] in self._inputs:
            spec = self._inputs[parts[1]]
            if spec.list or spec.type not in VALUE_TYPES:
                raise NotCompilable(f"input `{spec.name}` has no exact SQL form")
            slot = self._arg(path, spec.type, not spec.required, _arg_of_input(spec.name))
        elif root == "session" and len(parts) == 2 and parts[1] in SESSION_TYPES:
            type_, nullable = SESSION_TYPES[parts[1]]
            slot = self._arg(path, type_, nullable, _arg_of_session(parts[1]))
        elif root == "var" and len(parts) == 2 and parts[1] in self._variables:
            spec_v = self._variables[parts[1]]
            if spec_v.list or spec_v.type not in VALUE_TYPES:
                raise NotCompilable(f"variable `{spec_v.name}` has no exact SQL form")
            slot = self._local(path, "_v", spec_v.type, ("var", spec_v.name))
        elif root == "node" and len(parts) == 3 and parts[2] in self.node_keys.get(parts[1], {}):
            slot = self._local(path, "_n", self.node_keys[parts[1]][parts[2]], ("node", parts[1], parts[2]))
        else:
            raise NotCompilable(f"reference `{path}` has no SQL form")
        self._slots[path] = slot
        return slot

    def ref(self, path: str) -> SlotRef:
        slot = self.resolve(path)
        return SlotRef(slot.name, slot.type, slot.sql)

    def constant(self, value: Any, sql_type: str) -> sql.Composable:
        """A parameter holding ``value`` (never SQL text), cast to ``sql_type``."""
        if value is None:
            return sql.SQL("NULL::{}").format(sql.SQL(sql_type))
        name = f"_a{len(self.args) + 1}"
        self.args.append((sql_type, _arg_constant(value)))
        return sql.Identifier(name)

    # -- allocation -----------------------------------------------------------

    def _arg(self, path: str, type_: str, nullable: bool, source: ArgSource) -> Slot:
        self.args.append((SQL_TYPES[type_], source))
        return Slot(f"_a{len(self.args)}", type_, nullable)

    def _local(self, path: str, prefix: str, type_: str, where: tuple[str, ...]) -> Slot:
        if path in self.returned_paths:
            table = self.node_tables.get(where[1]) if type_ == ROWS else None
            self.outs.append((f"_r{len(self.outs) + 1}", SQL_TYPES[type_], Returned(where, type_, table)))
            return Slot(self.outs[-1][0], type_)
        self.locals.append((f"{prefix}{len(self.locals) + 1}", SQL_TYPES[type_]))
        return Slot(self.locals[-1][0], type_)


class SlotParams(Params):
    """``Params`` for the statement builders: slots render as themselves, constants as parameters."""

    def __init__(self, scope: Scope):
        super().__init__()
        self.scope = scope

    def add(self, value: Any, pg_type: str | None = None) -> sql.Composable:
        if pg_type is None:
            raise NotCompilable("a value of unknown type")
        return sql.SQL("{}::{}").format(self.scope.constant(value, pg_type), sql.SQL(pg_type))

    def add_input(self, raw: Any, convert: Callable[[Any], Any], pg_type: str | None = None) -> sql.Composable:
        if isinstance(raw, SlotRef):
            return _cast(raw, pg_type)
        if has_var(raw):
            raise NotCompilable("a list of flow values in a statement")
        try:
            value = convert(raw)
        except BadUserInput as exc:
            raise NotCompilable(exc.message) from None
        return self.add(value, pg_type)


def _cast(ref: SlotRef, pg_type: str | None) -> sql.Composable:
    """``ref`` as a value of a column of ``pg_type``, where that conversion is the interpreter's."""
    target = FIELD_TYPES.get(pg_type or "")
    if target is None:
        raise NotCompilable(f"a flow value as {pg_type}")
    same = ref.type == target
    widening = (ref.type, target) in {("bigint", "decimal"), ("bigint", "text"), ("decimal", "text")}
    if not (same or widening):
        raise NotCompilable(f"a {ref.type} value for a {target} field")
    return sql.SQL("({})::{}").format(ref.expr, sql.SQL(pg_type))  # type: ignore[arg-type]
