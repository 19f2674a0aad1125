"""An operator a field's type does not have (``_contains`` on a text field), said so a person can act on.

graphql-core's own sentence names the operator and the comparison type only ("Expected
value of type 'String_comparison_exp' not to include unknown field '_contains'"; 3.2:
"Field '_contains' is not defined by type ..."). Here it becomes: which
field, of which table, its type, which field types have that operator and which
operators the field accepts; the path is Hasura's, down to the operator
(``$.selectionSet.product.args.where.product_name._contains``,
``$.variableValues.w.sku._cast``). Written inline the error stays ``validation-failed``
(``GRAPHQL_VALIDATION_FAILED``); in a variable, ``BAD_USER_INPUT``.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    BREAK,
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLSchema,
    ListValueNode,
    Node,
    ObjectFieldNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    Visitor,
    get_named_type,
    type_from_ast,
    visit,
)

from runtime.graphql.error_paths import variable_path
from runtime.graphql.errors import graphql_error
from runtime.graphql.scalars import FIELD_SCALARS

# graphql-core 3.3's wording, then 3.2's.
_UNKNOWN = (re.compile(r"Expected value of type '(?P<scalar>\w+)_comparison_exp' not to include unknown field '(?P<op>\w+)'"),
            re.compile(r"Field '(?P<op>\w+)' is not defined by type '(?P<scalar>\w+)_comparison_exp'"))
_VARIABLE = (re.compile(r"^Variable '\$(?P<name>\w+)' has invalid value at (?P<at>[.\[]\S*?): "),
             re.compile(r"^Variable '\$(?P<name>\w+)' got invalid value .* at '(?P=name)(?P<at>[.\[][^']*)'; "))
_FIELD_TYPES = {scalar: field_type for field_type, scalar in FIELD_SCALARS.items()}
_SUFFIX = "_comparison_exp"


def _first(patterns: tuple[re.Pattern[str], ...], message: str) -> re.Match[str] | None:
    return next((m for p in patterns if (m := p.search(message)) is not None), None)


def _kind(scalar: str) -> str:
    return _FIELD_TYPES.get(scalar, scalar)  # type: ignore[arg-type]


def _sentence(schema: GraphQLSchema, op: str, scalar: str, column: str, parent: str | None) -> str:
    owner = f" of {parent[: -len('_bool_exp')]}" if parent and parent.endswith("_bool_exp") else ""
    kind = _kind(scalar)
    comparison = schema.get_type(scalar + _SUFFIX)
    accepted = list(comparison.fields) if isinstance(comparison, GraphQLInputObjectType) else []
    having = sorted({_kind(name[: -len(_SUFFIX)]) for name, t in schema.type_map.items()
                     if name.endswith(_SUFFIX) and isinstance(t, GraphQLInputObjectType) and op in t.fields})
    where = f"`{op}` is an operator of {' and '.join(having)} fields" if having else f"no field type has an operator `{op}`"
    return (f"Field `{column}`{owner} is {kind} ({scalar}{_SUFFIX}): the operator `{op}` does not apply to it ({where}). "
            f"A {kind} field accepts: {', '.join(accepted)}.")


class _Find(Visitor):
    """Stops at ``target``; keeps its ancestors and the parent input type of every object field on the way."""

    def __init__(self, target: Node, type_info: TypeInfo):
        super().__init__()
        self.target = target
        self.type_info = type_info
        self.parents: dict[int, str] = {}
        self.chain: list[Node] | None = None

    def enter(self, node: Node, _key: Any, _parent: Any, _path: Any, ancestors: list[Any]) -> Any:
        if isinstance(node, ObjectFieldNode):
            parent = get_named_type(self.type_info.get_parent_input_type())
            if parent is not None:
                self.parents[id(node)] = parent.name
        if node is self.target:
            self.chain = [a for a in ancestors if isinstance(a, Node)] + [node]
            return BREAK
        return None


def _input_path(chain: list[Node]) -> str:
    """``.args.where.product_name._contains`` from the argument down (list items as ``[i]``)."""
    start = next((i for i, n in enumerate(chain) if isinstance(n, ArgumentNode)), None)
    if start is None:
        return ""
    argument = chain[start]
    assert isinstance(argument, ArgumentNode)
    out = f".args.{argument.name.value}"
    for node, below in zip(chain[start:], chain[start + 1:], strict=False):
        if isinstance(node, ListValueNode):
            out += f"[{next(i for i, v in enumerate(node.values) if v is below)}]"
        if isinstance(below, ObjectFieldNode):
            out += f".{below.name.value}"
    return out


def inline_operator_error(schema: GraphQLSchema, document: DocumentNode, error: GraphQLError,
                          field_path: str | None) -> tuple[str, str | None] | None:
    """(message, Hasura path) for an unknown comparison operator written in the document, else None."""
    found = _first(_UNKNOWN, error.message)
    target = error.nodes[0] if error.nodes else None
    if found is None or not isinstance(target, ObjectFieldNode):
        return None
    type_info = TypeInfo(schema)
    finder = _Find(target, type_info)
    visit(document, TypeInfoVisitor(type_info, finder))
    columns = [n for n in finder.chain or [] if isinstance(n, ObjectFieldNode)][:-1]
    if not columns:
        return None
    column = columns[-1]
    message = _sentence(schema, found["op"], found["scalar"], column.name.value, finder.parents.get(id(column)))
    return message, (field_path + _input_path(finder.chain or [])) if field_path else None


def variable_operator_error(schema: GraphQLSchema, definitions: Any, message: str) -> tuple[str, str] | None:
    """(message, Hasura path) for an unknown comparison operator inside a variable's value, else None."""
    head, found = _first(_VARIABLE, message), _first(_UNKNOWN, message)
    if head is None or found is None:
        return None
    keys = [k for k in re.split(r"\.|\[\d+\]", head["at"]) if k]  # '._and[0].sku' -> ['_and', 'sku']
    definition = next((d for d in definitions or () if isinstance(d, VariableDefinitionNode) and d.variable.name.value == head["name"]), None)
    if not keys or definition is None:
        return None
    parent: Any = get_named_type(type_from_ast(schema, definition.type))  # type: ignore[arg-type]
    for key in keys[:-1]:
        field = parent.fields.get(key) if isinstance(parent, GraphQLInputObjectType) else None
        parent = get_named_type(field.type) if field is not None else None
    name = parent.name if parent is not None else None
    path = f"$.variableValues.{head['name']}{head['at']}.{found['op']}"
    return _sentence(schema, found["op"], found["scalar"], keys[-1], name), path


def variable_errors(schema: GraphQLSchema, definitions: Any, errors: list[GraphQLError]) -> list[dict[str, Any]]:
    """``BAD_USER_INPUT`` error objects for variables that do not coerce, with Hasura's ``$.variableValues`` paths."""
    out = []
    for e in errors:
        message, path = variable_operator_error(schema, definitions, e.message) or (e.message, variable_path(e.message))
        out.append(graphql_error(message, "BAD_USER_INPUT", e.locations, request_path=path))
    return out
