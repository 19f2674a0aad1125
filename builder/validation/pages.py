"""Checks of pages: component trees, their bindings, data sources and access.

References are checked by ``builder.validation.page_refs`` (what a binding may read
where it stands) and action chains by ``builder.validation.page_actions``; a binding
that could not be resolved at run time (an input inside another list's items, a
record outside its container, ``result.*`` outside on-success) is a problem on the
component that holds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from builder.definition import BUILTIN_ROLES, Definition
from builder.errors import PathPart
from builder.expressions import PAGE_COMPARISONS
from builder.page_inputs import INPUT_TYPES
from builder.pages import COMPONENT_TYPES, Page
from builder.validation.catalog import Catalog, TableInfo, suggestion
from builder.validation.expressions import check_condition, check_expression, check_table_filter, otherwise_last
from builder.validation.page_actions import ACTION_CHECKS, check_actions
from builder.validation.page_refs import PageContext, PageScope, ref_checker
from builder.validation.report import Issue

__all__ = ["ACTION_CHECKS", "COMPONENT_CHECKS", "check_pages"]

Parts = tuple[PathPart, ...]
ComponentCheck = Callable[[Any, Parts, PageScope, PageContext], Iterator[Issue]]
# Attributes holding a bound expression, per component type.
BOUND_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "container": (),
    "list": (),
    "text": ("value",),
    "image": ("src", "alt"),
    "button": ("label",),
    "conditional_view": (),
    **{kind: ("default",) for kind in INPUT_TYPES},
}


def check_components(components: list[Any], parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    for index, component in enumerate(components):
        here = (*parts, index)
        check = ref_checker(scope, ctx)
        for attribute in BOUND_ATTRIBUTES[component.type]:
            yield from check_expression(getattr(component, attribute), (*here, attribute), check)
        for event, actions in component.events.items():
            yield from check_actions(actions, (*here, "events", event), scope, ctx)
        yield from COMPONENT_CHECKS[component.type](component, here, scope, ctx)


def _table(table_id: str, parts: Parts, ctx: PageContext) -> tuple[TableInfo | None, list[Issue]]:
    table = ctx.catalog.table(table_id)
    if table is None:
        return None, [Issue(parts, f"table `{table_id}` does not exist.{suggestion(table_id, ctx.catalog.tables)}")]
    return table, []


def _check_order(order_by: list[Any], parts: Parts, table: TableInfo) -> Iterator[Issue]:
    for index, order in enumerate(order_by):
        if order.field not in table.columns:
            yield Issue((*parts, index, "field"), f"field `{order.field}` does not exist on table {table.name}.{suggestion(order.field, table.columns)}")


def _check_container(component: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    inner = scope
    record = component.record
    if record is not None and scope.lists:
        yield Issue((*parts, "record"), "a container inside a list's items cannot load a record; bind the row's fields with `item.*`.")
    elif record is not None:
        here = (*parts, "record")
        table, issues = _table(record.table, (*here, "table"), ctx)
        yield from issues
        check = ref_checker(scope, ctx)
        yield from check_expression(record.row_id, (*here, "row_id"), check)
        if table is not None:
            yield from check_table_filter(record.filter, (*here, "filter"), table, ctx.catalog, check, PAGE_COMPARISONS)
            yield from _check_order(record.order_by, (*here, "order_by"), table)
        if record.row_id is None and not record.filter:
            yield Issue(here, "say which row to load: bind its id (e.g. a page parameter) or give a filter.")
        inner = replace(scope, records=(*scope.records, (component.id, record.table)))
    elif component.not_found:
        yield Issue((*parts, "not_found"), "only a container that loads a record shows a not-found state.")
    yield from check_components(component.children, (*parts, "children"), inner, ctx)
    yield from check_components(component.not_found, (*parts, "not_found"), scope, ctx)


def _check_list(component: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    source = component.source
    here = (*parts, "source")
    table, issues = _table(source.table, (*here, "table"), ctx)
    yield from issues
    if table is not None:
        yield from check_table_filter(source.filter, (*here, "filter"), table, ctx.catalog, ref_checker(scope, ctx), PAGE_COMPARISONS)
        yield from _check_order(source.order_by, (*here, "order_by"), table)
    if source.sort_variable is not None:
        variable = next((v for v in ctx.page.variables if v.name == source.sort_variable), None)
        if variable is None:
            names = [v.name for v in ctx.page.variables]
            yield Issue((*here, "sort_variable"), f"page variable `{source.sort_variable}` is not declared on page {ctx.page.name}.{suggestion(source.sort_variable, names)}")
        elif variable.type != "text":
            yield Issue((*here, "sort_variable"), f"page variable `{variable.name}` must be text such as \"title:asc\".")
    if source.page_size is not None and scope.lists:
        yield Issue((*here, "page_size"), "a list inside another list's items cannot have pages; give it a limit instead.")
    inner = replace(scope, lists=(*scope.lists, (component.id, source.table)))
    yield from check_components(component.item, (*parts, "item"), inner, ctx)


def _check_conditional_view(component: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    yield from otherwise_last([b.condition for b in component.branches], (*parts, "branches"))
    for index, branch in enumerate(component.branches):
        here = (*parts, "branches", index)
        if branch.condition is not None:
            yield from check_condition(branch.condition, (*here, "condition"), ref_checker(scope, ctx))
        yield from check_components(branch.children, (*here, "children"), scope, ctx)


def _check_select(component: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    source = component.options_source
    if source is None:
        if not component.options:
            yield Issue((*parts, "options"), "give the select its options, or take them from a table.")
        return
    here = (*parts, "options_source")
    table, issues = _table(source.table, (*here, "table"), ctx)
    yield from issues
    if table is None:
        return
    if source.label_field not in table.columns:
        yield Issue((*here, "label_field"), f"field `{source.label_field}` does not exist on table {table.name}.{suggestion(source.label_field, table.columns)}")
    yield from check_table_filter(source.filter, (*here, "filter"), table, ctx.catalog, ref_checker(scope, ctx), PAGE_COMPARISONS)
    yield from _check_order(source.order_by, (*here, "order_by"), table)


def _check_text_rules(component: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    if component.pattern:
        try:
            re.compile(component.pattern)
        except re.error as exc:
            yield Issue((*parts, "pattern"), f"the pattern is not a valid regular expression: {exc}.")
    if component.min_length is not None and component.max_length is not None and component.min_length > component.max_length:
        yield Issue((*parts, "min_length"), "the minimum length is larger than the maximum length.")


def _no_check(item: Any, parts: Parts, scope: Any, ctx: Any) -> Iterator[Issue]:
    return iter(())


COMPONENT_CHECKS: dict[str, ComponentCheck] = {
    "container": _check_container,
    "list": _check_list,
    "conditional_view": _check_conditional_view,
    "text": _no_check,
    "image": _no_check,
    "button": _no_check,
    "text_input": _check_text_rules,
    "textarea": _check_text_rules,
    "number_input": _no_check,
    "date_input": _no_check,
    "datetime_input": _no_check,
    "select": _check_select,
    "checkbox": _no_check,
    "file_input": _no_check,
}
assert set(COMPONENT_CHECKS) == set(COMPONENT_TYPES) == set(BOUND_ATTRIBUTES), "every component type needs a check"


def _component_index(components: list[Any], lists: tuple[str, ...] = ()) -> Iterator[tuple[str, tuple[str, tuple[str, ...]]]]:
    for component in components:
        yield component.id, (component.type, lists)
        if component.type == "container":
            yield from _component_index(component.children, lists)
            yield from _component_index(component.not_found, lists)
        elif component.type == "list":
            yield from _component_index(component.item, (*lists, component.id))
        elif component.type == "conditional_view":
            for branch in component.branches:
                yield from _component_index(branch.children, lists)


def _check_page_header(page: Page, parts: Parts, roles: frozenset[str]) -> Iterator[Issue]:
    seen: set[str] = set()
    for v_index, variable in enumerate(page.variables):
        if variable.name in seen:
            yield Issue((*parts, "variables", v_index, "name"), f"`{variable.name}` is declared twice.")
        seen.add(variable.name)
    params: set[str] = set()
    for p_index, param in enumerate(page.params):
        if param.name in params:
            yield Issue((*parts, "params", p_index, "name"), f"parameter `{param.name}` is declared twice.")
        params.add(param.name)
    access = page.access
    if access.allow == "roles":
        if not access.roles:
            yield Issue((*parts, "access", "roles"), "name the roles that may open this page.")
        for r_index, role in enumerate(access.roles):
            if role not in roles:
                yield Issue((*parts, "access", "roles", r_index), f"role `{role}` does not exist.{suggestion(role, roles)}")


def check_pages(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    flows = {f.id: f for f in definition.actionflows}
    pages = {p.id: p for p in definition.pages}
    roles = frozenset((*BUILTIN_ROLES, *(r.name for r in definition.roles)))
    paths: dict[str, str] = {}
    for index, page in enumerate(definition.pages):
        parts: Parts = ("pages", index)
        if page.path in paths:
            shown = f"`{page.path}`" if page.path else "'' (the home page)"
            yield Issue((*parts, "path"), f"path {shown} is already used by page {paths[page.path]}.")
        paths.setdefault(page.path, page.name)
        yield from _check_page_header(page, parts, roles)
        ctx = PageContext(catalog, page, flows, pages, dict(_component_index(page.components)), roles)
        yield from check_components(page.components, (*parts, "components"), PageScope(), ctx)
    home = definition.settings.home_page
    if home is not None and home not in pages:
        yield Issue(("settings", "home_page"), f"home page `{home}` does not exist.{suggestion(home, pages)}")
