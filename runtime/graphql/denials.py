"""Why a document fails for a role: a hidden table, column or relationship, said as Momen says it.

A role's schema simply lacks what the role may not use, so graphql-core reports a
hidden field as if it did not exist. When a document fails validation for a role
but passes against the admin schema, every failure is a permission problem: this
module walks the document with the admin schema's type information and names
each hidden thing the way Momen does ("User 3 has no permission for SELECT on
order"). It names only what the caller wrote (a table reached through a
relationship called differently is named by the relationship), so nothing leaks
beyond "this exists and is not yours".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    EnumValueNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLSchema,
    NamedTypeNode,
    Node,
    ObjectFieldNode,
    ObjectValueNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    visit,
)
from graphql.language.visitor import SKIP

from runtime.graphql.aggregates import AGGREGATE_FUNCTIONS
from runtime.graphql.error_paths import field_path
from runtime.graphql.errors import DocumentErrors, graphql_error
from runtime.types import Session

# Suffix of a generated type name -> what using it needs (the longest suffix wins).
TYPE_SUFFIXES: dict[str, str] = {
    "": "SELECT", "_bool_exp": "SELECT", "_order_by": "SELECT", "_select_column": "SELECT",
    "_aggregate": "AGGREGATE", "_aggregate_fields": "AGGREGATE", "_aggregate_order_by": "AGGREGATE",
    **{f"_{function}_{kind}": "AGGREGATE" for function in AGGREGATE_FUNCTIONS for kind in ("fields", "order_by")},
    "_insert_input": "INSERT", "_arr_rel_insert_input": "INSERT", "_obj_rel_insert_input": "INSERT", "_mutation_response": "INSERT",
    "_set_input": "UPDATE", "_inc_input": "UPDATE", "_pk_columns_input": "UPDATE", "_on_conflict": "UPDATE",
    "_constraint": "UPDATE", "_update_column": "UPDATE", "_updates": "UPDATE",
    "_stream_cursor_input": "SELECT", "_stream_cursor_value_input": "SELECT",
}
ROOT_VERBS: dict[str, str] = {
    "select": "SELECT", "select_by_pk": "SELECT", "select_aggregate": "AGGREGATE",
    "insert": "INSERT", "insert_one": "INSERT", "update": "UPDATE", "update_by_pk": "UPDATE", "update_many": "UPDATE",
    "stream": "SELECT",
    "delete": "DELETE", "delete_by_pk": "DELETE",
}
ARGUMENT_VERBS: dict[str, str] = {"on_conflict": "UPDATE", "_set": "UPDATE", "_inc": "UPDATE", "_append": "UPDATE", "_prepend": "UPDATE",
                                  "_delete_key": "UPDATE", "_delete_elem": "UPDATE", "_delete_at_path": "UPDATE"}


@dataclass(frozen=True)
class Denial:
    """``verb`` on ``what``: a table name, or a column / relationship of ``table``."""

    verb: str
    table: str
    column: str | None = None
    relationship: str | None = None

    def sentence(self, who: str) -> str:
        if self.column is not None:
            return f"{who} has no permission for {self.verb} on column `{self.column}` of {self.table}"
        if self.relationship is not None:
            return f"{who} has no permission for {self.verb} on relationship `{self.relationship}` of {self.table}"
        return f"{who} has no permission for {self.verb} on {self.table}"


class AccessDenied(DocumentErrors):
    """The document is valid for the admin schema: it only names things hidden from the role.

    Cached with the parsed documents of a role (so without any session detail);
    ``for_session`` words it for one caller.
    """

    code = "TABLE_ACCESS"
    http_status = 403

    def __init__(self, denials: list[tuple[Denial, list[Any], str | None]]):
        self.denials = denials  # (denial, locations, Hasura's request path of the field that names it)
        super().__init__([graphql_error(d.sentence("The caller"), "TABLE_ACCESS", locations, request_path=path)
                          for d, locations, path in denials])

    def for_session(self, session: Session) -> DocumentErrors:
        who = "Anonymous user" if session.account_id is None else f"User {session.account_id}"
        worded = DocumentErrors([graphql_error(d.sentence(who), "TABLE_ACCESS", locations, request_path=path)
                                 for d, locations, path in self.denials])
        worded.http_status = self.http_status
        return worded


class Finder(Visitor):
    """Collects denials; a subtree under a denial is skipped (its names would say more than the caller wrote)."""

    def __init__(self, info: TypeInfo, role: GraphQLSchema, tables: dict[str, Any], root_of: Callable[[str, str], Any],
                 document: Any):
        super().__init__()
        self.document = document
        self.info = info
        self.role = role
        self.tables = tables  # table name -> ResolvedTable
        self.root_of = root_of
        self.found: list[tuple[Denial, list[Any], str | None]] = []

    def deny(self, denial: Denial, node: Node) -> Any:
        if all(d != denial for d, _, _ in self.found):
            error = GraphQLError("", node)
            self.found.append((denial, error.locations or [], field_path(self.document, error)))
        return SKIP

    def table_of(self, type_name: str) -> tuple[str, str] | None:
        """(table, verb) of a generated type name, by the longest table name it starts with."""
        for table in sorted(self.tables, key=len, reverse=True):
            if type_name == table or type_name.startswith(table + "_"):
                verb = TYPE_SUFFIXES.get(type_name[len(table):])
                if verb is not None:
                    return table, verb
        return None

    def through(self, table: str, name: str, verb: str) -> Denial | None:
        """The denial for ``name`` (a column or relationship key) of ``table``."""
        resolved = self.tables.get(table)
        if resolved is None:
            return None
        if name in resolved.columns:
            return Denial(verb, table, column=name)
        base = name.removesuffix("_aggregate")
        rel = resolved.relationships.get(base)
        if rel is None:
            return None
        visible = isinstance(self.role.get_type(rel.target), GraphQLObjectType)
        if verb == "SELECT" and base != name and visible:
            verb = "AGGREGATE"
        elif verb not in ("INSERT",) and not visible:
            verb = "SELECT"
        if rel.name == rel.target:
            return Denial(verb, rel.target)
        return Denial(verb, table, relationship=rel.name)

    def enter_named_type(self, node: NamedTypeNode, *_: Any) -> Any:
        name = node.name.value
        if self.role.get_type(name) is None and (found := self.table_of(name)) is not None:
            return self.deny(Denial(found[1], found[0]), node)
        return None

    def enter_field(self, node: FieldNode, *_: Any) -> Any:
        parent = self.info.get_parent_type()
        name = node.name.value
        if not isinstance(parent, GraphQLObjectType) or name.startswith("__"):
            return None
        mine = self.role.get_type(parent.name)
        if isinstance(mine, GraphQLObjectType) and name in mine.fields:
            return None
        root = self.root_of(parent.name, name)
        if root is not None:
            if root.table is None:
                return None
            verb = ROOT_VERBS.get(root.kind, "SELECT")
            if verb == "AGGREGATE" and not isinstance(self.role.get_type(root.table), GraphQLObjectType):
                verb = "SELECT"
            return self.deny(Denial(verb, root.table), node)
        found = self.table_of(parent.name)
        if found is None:
            return None
        table, verb = found
        if name in AGGREGATE_FUNCTIONS and node.selection_set is not None:  # `sum { price }` without a visible numeric column
            for child in node.selection_set.selections:
                if isinstance(child, FieldNode) and child.name.value in self.tables[table].columns:
                    return self.deny(Denial("SELECT", table, column=child.name.value), child)
        denial = self.through(table, name, "SELECT" if verb == "AGGREGATE" and parent.name.endswith("_fields") else verb)
        return self.deny(denial, node) if denial is not None else None

    def enter_argument(self, node: ArgumentNode, _key: Any, _parent: Any, _path: Any, ancestors: list[Any]) -> Any:
        parent = self.info.get_parent_type()
        field_node = next((a for a in reversed(ancestors) if isinstance(a, FieldNode)), None)
        if self.info.get_directive() is not None or not isinstance(parent, GraphQLObjectType) or field_node is None:
            return None
        mine = self.role.get_type(parent.name)
        own = mine.fields.get(field_node.name.value) if isinstance(mine, GraphQLObjectType) else None
        name = node.name.value
        if own is None or name in own.args:
            return None
        verb = ARGUMENT_VERBS.get(name)
        root = self.root_of(parent.name, field_node.name.value)
        if verb is None or root is None or root.table is None:
            return None
        if isinstance(node.value, ObjectValueNode) and name != "on_conflict":  # `_inc: {note: 1}`: name the column
            for item in node.value.fields:
                if item.name.value in self.tables[root.table].columns:
                    return self.deny(Denial(verb, root.table, column=item.name.value), item)
        return self.deny(Denial(verb, root.table), node)

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> Any:
        parent = self.info.get_parent_input_type()
        named = get_named_type(parent) if parent is not None else None
        if not isinstance(named, GraphQLInputObjectType):
            return None
        mine = self.role.get_type(named.name)
        name = node.name.value
        if isinstance(mine, GraphQLInputObjectType) and name in mine.fields:
            return None
        found = self.table_of(named.name)
        if found is None:
            return None
        table, verb = found
        denial = self.through(table, name, "SELECT" if verb == "AGGREGATE" else verb)
        return self.deny(denial, node) if denial is not None else None

    def enter_enum_value(self, node: EnumValueNode, *_: Any) -> Any:
        named = get_named_type(self.info.get_input_type())
        if not isinstance(named, GraphQLEnumType):
            return None
        mine = self.role.get_type(named.name)
        if isinstance(mine, GraphQLEnumType) and node.value in mine.values:
            return None
        found = self.table_of(named.name)
        if found is None or node.value not in self.tables[found[0]].columns:
            return None
        return self.deny(Denial(found[1], found[0], column=node.value), node)


def find_denials(admin: GraphQLSchema, role: GraphQLSchema, document: Any, tables: dict[str, Any],
                 root_of: Callable[[str, str], Any]) -> AccessDenied | None:
    """An ``AccessDenied`` when ``document`` (valid for ``admin``) only names things hidden from ``role``."""
    info = TypeInfo(admin)
    finder = Finder(info, role, tables, root_of, document)
    visit(document, TypeInfoVisitor(info, finder))
    return AccessDenied(finder.found) if finder.found else None
