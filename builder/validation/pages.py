"""Checks of pages: component trees, their bindings and their action chains.

The scope of a binding: ``item.*`` inside a list's item template (the innermost
list's table), ``page.*`` page variables, ``component.<id>.value`` input
components outside any list or in the same item template, ``global.*``, and
inside a ``call_actionflow``'s ``on_success`` / ``on_failure`` chains
``result.*`` / ``error.message``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from builder.definition import Definition
from builder.errors import PathPart
from builder.flows import Actionflow
from builder.pages import ACTION_TYPES, COMPONENT_TYPES, Page
from builder.validation.actionflows import check_args
from builder.validation.catalog import Catalog, suggestion
from builder.validation.expressions import (
    check_condition,
    check_expression,
    check_table_filter,
    otherwise_last,
)
from builder.validation.report import Issue

Parts = tuple[PathPart, ...]
INPUT_TYPES = frozenset({"text_input", "number_input"})
GLOBAL_KEYS = ("is_logged_in", "current_account")


@dataclass(frozen=True)
class PageContext:
    catalog: Catalog
    page: Page
    flows: Mapping[str, Actionflow]
    page_ids: frozenset[str]
    components: Mapping[str, tuple[str, tuple[str, ...]]]  # id -> (type, enclosing list ids)


@dataclass(frozen=True)
class PageScope:
    lists: tuple[tuple[str, str], ...] = ()  # (list component id, table id), outermost first
    result_flow: Actionflow | None = None
    in_failure: bool = False

    @property
    def list_ids(self) -> tuple[str, ...]:
        return tuple(list_id for list_id, _ in self.lists)


# ------------------------------------------------------------------ references


def _item_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    if not scope.lists:
        return "`item.*` can only be used inside the item template of a list."
    table = ctx.catalog.table(scope.lists[-1][1])
    if table is None:
        return None
    if not rest:
        return "name a field after `item.`, e.g. `item.id`."
    for segment in rest:
        relationship = table.relationships.get(segment)
        if segment in table.columns or (relationship is not None and relationship.kind == "array"):
            return None
        if relationship is None:
            choices = [*table.columns, *table.relationships]
            return f"field `{segment}` does not exist on table {table.name}.{suggestion(segment, choices)}"
        target = ctx.catalog.table(relationship.target)
        if target is None:
            return None
        table = target
    return None


def _page_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    names = [v.name for v in ctx.page.variables]
    if not rest or rest[0] not in names:
        name = rest[0] if rest else ""
        return f"page variable `{name}` is not declared on page {ctx.page.name}.{suggestion(name, names)}"
    return None


def _component_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    component_id = rest[0] if rest else ""
    found = ctx.components.get(component_id)
    if found is None:
        return f"component `{component_id}` does not exist on page {ctx.page.name}.{suggestion(component_id, ctx.components)}"
    kind, lists = found
    if kind not in INPUT_TYPES:
        return f"component `{component_id}` is a {kind.replace('_', ' ')}, not an input; only inputs have a value."
    if len(rest) != 2 or rest[1] != "value":
        return f"use `component.{component_id}.value`."
    if scope.list_ids[: len(lists)] != lists:
        return f"input `{component_id}` is inside a list's item template; it can only be used from the same item template."
    return None


def _global_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    if rest == ["is_logged_in"]:
        return None
    if len(rest) == 2 and rest[0] == "current_account":
        account = ctx.catalog.account()
        if account is not None and rest[1] not in account.columns:
            return f"field `{rest[1]}` does not exist on table account.{suggestion(rest[1], account.columns)}"
        return None
    return "use `global.is_logged_in` or `global.current_account.<field>`."


def _result_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    flow = scope.result_flow
    if flow is None:
        return "`result.*` can only be used in the on-success actions of Call Actionflow."
    if not rest or rest[0] not in flow.output:
        name = rest[0] if rest else ""
        return f"actionflow {flow.name} has no output `{name}`.{suggestion(name, flow.output)}"
    return None


def _error_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    if not scope.in_failure:
        return "`error.message` can only be used in the on-failure actions of Call Actionflow."
    if rest != ["message"]:
        return "use `error.message`."
    return None


PAGE_REFS: dict[str, Callable[[list[str], PageScope, PageContext], str | None]] = {
    "item": _item_ref,
    "page": _page_ref,
    "component": _component_ref,
    "global": _global_ref,
    "result": _result_ref,
    "error": _error_ref,
}


def ref_checker(scope: PageScope, ctx: PageContext) -> Callable[[str], str | None]:
    def check(path: str) -> str | None:
        root, *rest = path.split(".")
        handler = PAGE_REFS.get(root)
        if handler is None:
            return f"`{path}` is not a reference a page knows; start with {', '.join(f'{r}.' for r in PAGE_REFS)}."
        return handler(rest, scope, ctx)

    return check


# ------------------------------------------------------------------ actions

ActionCheck = Callable[[Any, Parts, PageScope, PageContext], Iterator[Issue]]


def check_actions(actions: list[Any], parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    for index, action in enumerate(actions):
        yield from ACTION_CHECKS[action.type](action, (*parts, index), scope, ctx)


def _check_condition_action(action: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    yield from otherwise_last([b.condition for b in action.branches], (*parts, "branches"))
    for index, branch in enumerate(action.branches):
        here = (*parts, "branches", index)
        if branch.condition is not None:
            yield from check_condition(branch.condition, (*here, "condition"), ref_checker(scope, ctx))
        yield from check_actions(branch.actions, (*here, "actions"), scope, ctx)


def _check_call(action: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    check = ref_checker(scope, ctx)
    for key, value in action.args.items():
        yield from check_expression(value, (*parts, "args", key), check)
    target = ctx.flows.get(action.actionflow)
    if target is None:
        yield Issue((*parts, "actionflow"), f"actionflow `{action.actionflow}` does not exist.{suggestion(action.actionflow, ctx.flows)}")
    else:
        yield from check_args(action.args, (*parts, "args"), target)
    yield from check_actions(action.on_success, (*parts, "on_success"), replace(scope, result_flow=target, in_failure=False), ctx)
    yield from check_actions(action.on_failure, (*parts, "on_failure"), replace(scope, result_flow=None, in_failure=True), ctx)


def _check_set_variable(action: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    names = [v.name for v in ctx.page.variables]
    if action.variable not in names:
        yield Issue((*parts, "variable"), f"page variable `{action.variable}` is not declared on page {ctx.page.name}.{suggestion(action.variable, names)}")
    yield from check_expression(action.value, (*parts, "value"), ref_checker(scope, ctx))


def _check_navigate(action: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    if action.page not in ctx.page_ids:
        yield Issue((*parts, "page"), f"page `{action.page}` does not exist.{suggestion(action.page, ctx.page_ids)}")


def _check_refresh(action: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    if action.component is not None and ctx.components.get(action.component, ("",))[0] != "list":
        yield Issue((*parts, "component"), f"`{action.component}` is not a list on page {ctx.page.name}.")


def _no_check(item: Any, parts: Parts, scope: Any, ctx: Any) -> Iterator[Issue]:
    return iter(())


ACTION_CHECKS: dict[str, ActionCheck] = {
    "condition": _check_condition_action,
    "show_toast": lambda a, parts, scope, ctx: check_expression(a.message, (*parts, "message"), ref_checker(scope, ctx)),
    "call_actionflow": _check_call,
    "set_variable": _check_set_variable,
    "navigate": _check_navigate,
    "login": _no_check,
    "logout": _no_check,
    "refresh": _check_refresh,
}
assert set(ACTION_CHECKS) == set(ACTION_TYPES), "every action type needs a check"

# ------------------------------------------------------------------ components

ComponentCheck = Callable[[Any, Parts, PageScope, PageContext], Iterator[Issue]]
# Attributes holding a bound expression, per component type.
BOUND_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "container": (),
    "list": (),
    "text": ("value",),
    "image": ("src", "alt"),
    "text_input": ("default",),
    "number_input": ("default",),
    "button": ("label",),
    "conditional_view": (),
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


def _check_container(component: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    yield from check_components(component.children, (*parts, "children"), scope, ctx)


def _check_list(component: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    source = component.source
    table = ctx.catalog.table(source.table)
    here = (*parts, "source")
    if table is None:
        yield Issue((*here, "table"), f"table `{source.table}` does not exist.{suggestion(source.table, ctx.catalog.tables)}")
    else:
        yield from check_table_filter(source.filter, (*here, "filter"), table, ctx.catalog, ref_checker(scope, ctx))
        for index, order in enumerate(source.order_by):
            if order.field not in table.columns:
                yield Issue((*here, "order_by", index, "field"), f"field `{order.field}` does not exist on table {table.name}.{suggestion(order.field, table.columns)}")
    inner = replace(scope, lists=(*scope.lists, (component.id, source.table)))
    yield from check_components(component.item, (*parts, "item"), inner, ctx)


def _check_conditional_view(component: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    yield from otherwise_last([b.condition for b in component.branches], (*parts, "branches"))
    for index, branch in enumerate(component.branches):
        here = (*parts, "branches", index)
        if branch.condition is not None:
            yield from check_condition(branch.condition, (*here, "condition"), ref_checker(scope, ctx))
        yield from check_components(branch.children, (*here, "children"), scope, ctx)


COMPONENT_CHECKS: dict[str, ComponentCheck] = {
    "container": _check_container,
    "list": _check_list,
    "conditional_view": _check_conditional_view,
    "text": _no_check,
    "image": _no_check,
    "text_input": _no_check,
    "number_input": _no_check,
    "button": _no_check,
}
assert set(COMPONENT_CHECKS) == set(COMPONENT_TYPES) == set(BOUND_ATTRIBUTES), "every component type needs a check"


def _component_index(components: list[Any], lists: tuple[str, ...] = ()) -> Iterator[tuple[str, tuple[str, tuple[str, ...]]]]:
    for component in components:
        yield component.id, (component.type, lists)
        if component.type == "container":
            yield from _component_index(component.children, lists)
        elif component.type == "list":
            yield from _component_index(component.item, (*lists, component.id))
        elif component.type == "conditional_view":
            for branch in component.branches:
                yield from _component_index(branch.children, lists)


def check_pages(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    flows = {f.id: f for f in definition.actionflows}
    page_ids = frozenset(p.id for p in definition.pages)
    paths: dict[str, str] = {}
    for index, page in enumerate(definition.pages):
        parts: Parts = ("pages", index)
        if page.path in paths:
            shown = f"`{page.path}`" if page.path else "'' (the home page)"
            yield Issue((*parts, "path"), f"path {shown} is already used by page {paths[page.path]}.")
        paths.setdefault(page.path, page.name)
        seen: set[str] = set()
        for v_index, variable in enumerate(page.variables):
            if variable.name in seen:
                yield Issue((*parts, "variables", v_index, "name"), f"`{variable.name}` is declared twice.")
            seen.add(variable.name)
        ctx = PageContext(catalog, page, flows, page_ids, dict(_component_index(page.components)))
        yield from check_components(page.components, (*parts, "components"), PageScope(), ctx)
    home = definition.settings.home_page
    if home is not None and home not in page_ids:
        yield Issue(("settings", "home_page"), f"home page `{home}` does not exist.{suggestion(home, page_ids)}")
