"""Parsing, validating and bounding GraphQL documents; cached per schema by query text.

Limits protect the server from hostile documents: nesting depth, root fields per
operation, and total fields (alias or fragment bombs), each refused with a sentence
saying which limit was hit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    validate,
)

from runtime.graphql.denials import AccessDenied, find_denials
from runtime.graphql.error_paths import field_path
from runtime.graphql.errors import DocumentErrors, RequestError, graphql_error
from runtime.graphql.operator_errors import inline_operator_error
from runtime.graphql.schema import ROOT_TYPE_NAMES, RootField, SchemaBundle

MAX_DEPTH = 15
MAX_ROOT_FIELDS = 25
MAX_FIELDS = 2000
MAX_TOKENS = 20000


@dataclass(frozen=True)
class Document:
    node: DocumentNode
    operations: Mapping[str | None, OperationDefinitionNode]
    fragments: Mapping[str, FragmentDefinitionNode]

    def operation(self, name: str | None) -> OperationDefinitionNode:
        if name:
            found = self.operations.get(name)
            if found is None:
                raise DocumentErrors([graphql_error(f'Unknown operation named "{name}".', "BAD_USER_INPUT")])
            return found
        if len(self.operations) != 1:
            raise DocumentErrors([graphql_error("Must provide operation name if query contains multiple operations.", "BAD_USER_INPUT")])
        return next(iter(self.operations.values()))


def _validation_errors(errors: list[GraphQLError], code: str, node: DocumentNode | None = None,
                       schema: GraphQLSchema | None = None) -> DocumentErrors:
    out = []
    for e in errors:
        message, path = e.message, field_path(node, e) if node else None
        better = inline_operator_error(schema, node, e, path) if schema is not None and node is not None else None
        if better is not None:
            message, path = better
        out.append(graphql_error(message, code, e.locations, request_path=path))
    return DocumentErrors(out)


def _measure(selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode],
             memo: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """(depth, number of fields) of a selection set with fragments expanded (memoised per fragment)."""
    if selection_set is None:
        return 0, 0
    depth, count = 0, 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            sub_depth, sub_count = _measure(selection.selection_set, fragments, memo)
            depth, count = max(depth, sub_depth + 1), count + sub_count + 1
        elif isinstance(selection, InlineFragmentNode):
            sub_depth, sub_count = _measure(selection.selection_set, fragments, memo)
            depth, count = max(depth, sub_depth), count + sub_count
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in memo:
                memo[name] = (0, 0)  # cycles are rejected by validation; this only stops recursion
                fragment = fragments.get(name)
                memo[name] = _measure(fragment.selection_set if fragment else None, fragments, memo)
            sub_depth, sub_count = memo[name]
            depth, count = max(depth, sub_depth), count + sub_count
        if count > MAX_FIELDS:
            break
    return depth, count


def _root_count(selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode], seen: set[str]) -> int:
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            count += 1
        elif isinstance(selection, InlineFragmentNode):
            count += _root_count(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                count += _root_count(fragment.selection_set, fragments, seen | {selection.name.value})
    return count


def check_limits(document: Document) -> None:
    memo: dict[str, tuple[int, int]] = {}
    for operation in document.operations.values():
        roots = _root_count(operation.selection_set, document.fragments, set())
        if roots > MAX_ROOT_FIELDS:
            raise RequestError(f"The operation has {roots} root fields; the limit is {MAX_ROOT_FIELDS}. Split it into several requests.",
                               code="TOO_MANY_ROOT_FIELDS")
        depth, count = _measure(operation.selection_set, document.fragments, memo)
        if depth > MAX_DEPTH:
            raise RequestError(f"The query is nested too deeply ({depth} levels); the limit is {MAX_DEPTH}.", code="QUERY_TOO_DEEP")
        if count > MAX_FIELDS:
            raise RequestError(f"The query selects too many fields (more than {MAX_FIELDS}, fragments expanded).", code="QUERY_TOO_LARGE")


def parse_document(bundle: SchemaBundle, query: str) -> Document:
    """The parsed, validated and bounded document for ``query``; raises DocumentErrors or RequestError."""
    cached = bundle.documents.get(query)
    if cached is None:
        cached = bundle.documents.put(query, _build(bundle, query))
    if isinstance(cached, Exception):
        raise cached
    return cached


def _build(bundle: SchemaBundle, query: str) -> Document | Exception:
    try:
        node = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as exc:
        return _validation_errors([exc], "GRAPHQL_PARSE_FAILED")
    fragments = {d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = {d.name.value if d.name else None: d for d in node.definitions if isinstance(d, OperationDefinitionNode)}
    document = Document(node, operations, fragments)
    try:
        # Limits first: validation itself costs time on a hostile document.
        check_limits(document)
    except RequestError as exc:
        return exc
    errors = validate(bundle.schema, node)
    if errors:
        return _denied(bundle, node) or _validation_errors(errors, "GRAPHQL_VALIDATION_FAILED", node, bundle.schema)
    return document


def _denied(bundle: SchemaBundle, node: DocumentNode) -> AccessDenied | None:
    """``AccessDenied`` when the document is valid for the admin schema (it only names hidden things)."""
    if bundle.admin is None:
        return None
    admin = bundle.admin()
    if validate(admin.schema, node):
        return None
    operations = {name: operation for operation, name in ROOT_TYPE_NAMES.items()}

    def root_of(type_name: str, field: str) -> RootField | None:
        operation = operations.get(type_name)  # type: ignore[call-overload]
        return admin.root(operation, field) if operation is not None else None

    return find_denials(admin.schema, bundle.schema, node, {name: a.table for name, a in admin.access.items()}, root_of)
