"""``<Scalar>_comparison_exp``: the operators a column of each scalar accepts in ``where``."""

from __future__ import annotations

from graphql import GraphQLBoolean, GraphQLInputField, GraphQLInputObjectType, GraphQLList, GraphQLNonNull

from runtime.graphql.registry import Types

_COMPARISONS = ("_eq", "_neq", "_gt", "_gte", "_lt", "_lte")
_TEXT_ONLY = ("_like", "_nlike", "_ilike", "_nilike", "_similar", "_nsimilar", "_regex", "_nregex", "_iregex", "_niregex")


def _jsonb_operators(types: Types) -> dict[str, GraphQLInputField]:
    jsonb, text = types.scalar("jsonb"), types.scalar("String")
    keys = GraphQLList(GraphQLNonNull(text))  # type: ignore[arg-type,type-var]
    return {
        "_contains": GraphQLInputField(jsonb, description="does the column contain the given JSON value at the top level"),  # type: ignore[arg-type]
        "_contained_in": GraphQLInputField(jsonb, description="is the column contained in the given JSON value"),  # type: ignore[arg-type]
        "_has_key": GraphQLInputField(text, description="does the string exist as a top-level key in the column"),  # type: ignore[arg-type]
        "_has_keys_any": GraphQLInputField(keys, description="do any of these strings exist as top-level keys in the column"),
        "_has_keys_all": GraphQLInputField(keys, description="do all of these strings exist as top-level keys in the column"),
    }


def comparison_exp(types: Types, scalar_name: str) -> GraphQLInputObjectType:
    """``<Scalar>_comparison_exp``: the operators a column of that scalar accepts."""
    name = f"{scalar_name}_comparison_exp"
    existing = types.get(name)
    if isinstance(existing, GraphQLInputObjectType):
        return existing
    scalar = types.scalar(scalar_name)
    ops = ("_eq", "_neq") if scalar_name in ("jsonb", "Boolean") else _COMPARISONS
    fields: dict[str, GraphQLInputField] = {op: GraphQLInputField(scalar) for op in ops}  # type: ignore[arg-type]
    fields["_in"] = GraphQLInputField(GraphQLList(GraphQLNonNull(scalar)))  # type: ignore[arg-type]
    fields["_nin"] = GraphQLInputField(GraphQLList(GraphQLNonNull(scalar)))  # type: ignore[arg-type]
    fields["_is_null"] = GraphQLInputField(GraphQLBoolean)
    fields["_is_not_null"] = GraphQLInputField(GraphQLBoolean, description="Momen's: is the column set")
    if scalar_name == "String":
        fields.update({op: GraphQLInputField(scalar) for op in _TEXT_ONLY})  # type: ignore[arg-type]
    if scalar_name == "jsonb":
        fields.update(_jsonb_operators(types))
        cast = types.add(GraphQLInputObjectType("jsonb_cast_exp", lambda: {"String": GraphQLInputField(comparison_exp(types, "String"))}))
        fields["_cast"] = GraphQLInputField(cast, description="compare the JSON value as text")  # type: ignore[arg-type]
    created = types.add(GraphQLInputObjectType(name, fields, description=f"Boolean expression to compare columns of type {scalar_name}"))
    assert isinstance(created, GraphQLInputObjectType)
    return created
