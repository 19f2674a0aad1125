"""Checks of page action chains, one per registered action type (``builder.page_actions``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from builder.errors import PathPart
from builder.page_actions import ACTION_TYPES
from builder.page_inputs import INPUT_TYPES
from builder.validation.actionflows import check_args
from builder.validation.catalog import suggestion
from builder.validation.expressions import check_columns, check_condition, check_expression, otherwise_last
from builder.validation.page_refs import PageContext, PageScope, ref_checker
from builder.validation.report import Issue

Parts = tuple[PathPart, ...]
ActionCheck = Callable[[Any, Parts, PageScope, PageContext], Iterator[Issue]]


def check_actions(actions: list[Any], parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    for index, action in enumerate(actions):
        yield from ACTION_CHECKS[action.type](action, (*parts, index), scope, ctx)


def _chains(action: Any, parts: Parts, scope: PageScope, ctx: PageContext, *, flow: Any = None, table: str | None = None) -> Iterator[Issue]:
    success = replace(scope, result_flow=flow, result_table=table, in_failure=False)
    failure = replace(scope, result_flow=None, result_table=None, in_failure=True)
    yield from check_actions(action.on_success, (*parts, "on_success"), success, ctx)
    yield from check_actions(action.on_failure, (*parts, "on_failure"), failure, ctx)


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
    yield from _chains(action, parts, scope, ctx, flow=target)


def _check_set_variable(action: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    names = [v.name for v in ctx.page.variables]
    if action.variable not in names:
        yield Issue((*parts, "variable"), f"page variable `{action.variable}` is not declared on page {ctx.page.name}.{suggestion(action.variable, names)}")
    yield from check_expression(action.value, (*parts, "value"), ref_checker(scope, ctx))


def _check_navigate(action: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    target = ctx.pages.get(action.page)
    if target is None:
        yield Issue((*parts, "page"), f"page `{action.page}` does not exist.{suggestion(action.page, ctx.pages)}")
        return
    declared = {p.name: p for p in target.params}
    check = ref_checker(scope, ctx)
    for name, value in action.params.items():
        if name not in declared:
            yield Issue((*parts, "params", name), f"page {target.name} has no parameter `{name}`.{suggestion(name, declared)}")
        yield from check_expression(value, (*parts, "params", name), check)
    for name, param in declared.items():
        if param.required and name not in action.params:
            yield Issue((*parts, "params"), f"page {target.name} needs its parameter `{name}`; bind it here.")


def _check_refresh(action: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    if action.component is not None and ctx.components.get(action.component, ("",))[0] not in ("list", "container"):
        yield Issue((*parts, "component"), f"`{action.component}` is not a list or a container on page {ctx.page.name}.")


def _check_row_write(action: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    check = ref_checker(scope, ctx)
    table = ctx.catalog.table(action.table)
    if table is None:
        yield Issue((*parts, "table"), f"table `{action.table}` does not exist.{suggestion(action.table, ctx.catalog.tables)}")
    values = getattr(action, "values", {})
    if table is not None:
        yield from check_columns(values, (*parts, "values"), table, "field", writable=True)
        if action.type == "insert_row":
            missing = sorted(table.required - set(values))
            if missing:
                yield Issue((*parts, "values"), f"table {table.name} needs a value for {', '.join(f'`{m}`' for m in missing)}.")
    for key, value in values.items():
        yield from check_expression(value, (*parts, "values", key), check)
    if action.type != "insert_row":
        if action.row_id is None:
            yield Issue((*parts, "row_id"), "bind the id of the row to write, e.g. a page parameter or `record.<container>.id`.")
        yield from check_expression(action.row_id, (*parts, "row_id"), check)
    yield from _chains(action, parts, scope, ctx, table=action.table if table is not None else None)


def _input_problem(component_id: str, ctx: PageContext) -> str | None:
    found = ctx.components.get(component_id)
    if found is None:
        return f"component `{component_id}` does not exist on page {ctx.page.name}.{suggestion(component_id, ctx.components)}"
    if found[0] not in INPUT_TYPES:
        return f"component `{component_id}` is a {found[0].replace('_', ' ')}, not an input."
    return None


def _check_set_input(action: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    problem = _input_problem(action.component, ctx)
    if problem:
        yield Issue((*parts, "component"), problem)
    yield from check_expression(action.value, (*parts, "value"), ref_checker(scope, ctx))


def _check_reset(action: Any, parts: Parts, scope: PageScope, ctx: PageContext) -> Iterator[Issue]:
    for index, component_id in enumerate(action.components):
        problem = _input_problem(component_id, ctx)
        if problem:
            yield Issue((*parts, "components", index), problem)


def _no_check(item: Any, parts: Parts, scope: Any, ctx: Any) -> Iterator[Issue]:
    return iter(())


ACTION_CHECKS: dict[str, ActionCheck] = {
    "condition": _check_condition_action,
    "show_toast": lambda a, parts, scope, ctx: check_expression(a.message, (*parts, "message"), ref_checker(scope, ctx)),
    "call_actionflow": _check_call,
    "set_variable": _check_set_variable,
    "navigate": _check_navigate,
    "go_back": _no_check,
    "login": _no_check,
    "logout": _no_check,
    "refresh": _check_refresh,
    "insert_row": _check_row_write,
    "update_row": _check_row_write,
    "delete_row": _check_row_write,
    "set_input_value": _check_set_input,
    "reset_inputs": _check_reset,
}
assert set(ACTION_CHECKS) == set(ACTION_TYPES), "every action type needs a check"
