"""The GraphQL arguments of Hasura's jsonb update operators, for the JSON columns a role may update.

``T_append_input`` / ``T_prepend_input`` (jsonb), ``T_delete_key_input`` (String),
``T_delete_elem_input`` (Int), ``T_delete_at_path_input`` ([String!]), each with one
field per updatable JSON column; none when the role may update no JSON column. The SQL
is ``runtime.data.jsonb_updates``.
"""

from __future__ import annotations

from graphql import GraphQLArgument, GraphQLInputField, GraphQLInputObjectType, GraphQLInputType, GraphQLInt, GraphQLList, GraphQLNonNull

from runtime.graphql.registry import TableAccess, Types

DESCRIPTIONS = {
    "_append": ("append_input", "append the given JSON value to the column (arrays grow, objects merge)"),
    "_prepend": ("prepend_input", "prepend the given JSON value to the column"),
    "_delete_key": ("delete_key_input", "delete the key (or string element) from the JSON column"),
    "_delete_elem": ("delete_elem_input", "delete the array element at the index (negative counts from the end)"),
    "_delete_at_path": ("delete_at_path_input", "delete the field or element at the path"),
}


def _field_type(types: Types, op: str) -> GraphQLInputType:
    if op in ("_append", "_prepend"):
        return types.scalar("jsonb")  # type: ignore[return-value]
    if op == "_delete_key":
        return types.scalar("String")  # type: ignore[return-value]
    if op == "_delete_elem":
        return GraphQLInt
    return GraphQLList(GraphQLNonNull(types.scalar("String")))  # type: ignore[arg-type,type-var]


def jsonb_arguments(types: Types, access: TableAccess) -> dict[str, GraphQLArgument]:
    columns = [c for c in access.update_columns() if access.table.columns[c].type == "jsonb"]
    if not columns:
        return {}
    out: dict[str, GraphQLArgument] = {}
    for op, (suffix, description) in DESCRIPTIONS.items():
        name = f"{access.name}_{suffix}"
        found = types.get(name)
        if found is None:
            found = types.add(GraphQLInputObjectType(name, {c: GraphQLInputField(_field_type(types, op)) for c in columns}, description=description))
        assert isinstance(found, GraphQLInputObjectType)
        out[op] = GraphQLArgument(found, description=description)
    return out
