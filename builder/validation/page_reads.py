"""Warnings for page data a page's audience may not read.

A list, a record container or a select's options whose filter or sort goes through
a relationship, a total (``<rel>_aggregate``) or a field the visitor's role may not
read fails at run time for that visitor: the field is absent from the role's
GraphQL schema, so the whole list shows "You don't have access to these rows."
The audience follows the page's access setting: a page open to anyone is read by
anonymous visitors and logged-in users (role ``user``), ``logged_in`` by ``user``,
``roles`` by ``user`` plus each listed role. A branch shown only when
``global.is_logged_in`` is true (or false) narrows it. A visitor who may not read
the source's own table is not reported (that list is meant to say "no access").
These are warnings: the builder may mean it, and the rest of the page works.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from builder.definition import Definition, SelectRule
from builder.errors import PathPart
from builder.expressions import AGGREGATE_SUFFIX
from builder.pages import PageAccess
from builder.validation.catalog import Catalog, TableInfo
from builder.validation.report import Issue

Parts = tuple[PathPart, ...]
Rules = dict[tuple[str, str], SelectRule]  # (role, table id) -> select rule


@dataclass(frozen=True)
class Audience:
    label: str  # "anonymous visitors", "role staff"
    roles: frozenset[str]  # the rule roles whose union the visitor gets
    grant_to: str  # the role to grant select to, in the advice


ANONYMOUS = Audience("visitors who are not logged in (role anonymous)", frozenset({"anonymous"}), "anonymous")
USER = Audience("logged-in users (role user)", frozenset({"user"}), "user")


def audiences(access: PageAccess) -> tuple[Audience, ...]:
    if access.allow == "anyone":
        return (ANONYMOUS, USER)
    if access.allow == "logged_in":
        return (USER,)
    return tuple(Audience(f"accounts with role {r}", frozenset({"user", r}), r) for r in access.roles if r not in ("admin", "anonymous", "user")) + (
        (USER,) if "user" in access.roles else ()
    )


def _narrow(condition: Any, current: tuple[Audience, ...]) -> tuple[Audience, ...]:
    """A branch shown only to logged-in (or only to anonymous) visitors."""
    if condition == {"global.is_logged_in": {"_eq": True}}:
        return tuple(a for a in current if a is not ANONYMOUS)
    if condition == {"global.is_logged_in": {"_eq": False}}:
        return tuple(a for a in current if a is ANONYMOUS)
    return current


@dataclass(frozen=True)
class _Reads:
    rules: Rules

    def grants(self, audience: Audience, table: str) -> list[SelectRule]:
        return [rule for role in audience.roles if (rule := self.rules.get((role, table))) is not None]

    def why_not(self, audience: Audience, table: TableInfo, column: str | None = None, total: bool = False) -> str | None:
        grants = self.grants(audience, table.id)
        if not grants:
            return f"{audience.label} may not read table {table.name}"
        if total and not any(g.aggregate for g in grants):
            return f"{audience.label} may read table {table.name} but not its totals"
        if column is not None and column != "id" and not any(g.columns == "*" or column in g.columns for g in grants):
            return f"{audience.label} may not read field `{column}` of table {table.name}"
        return None


def _advice(audience: Audience, table: TableInfo, reason: str, what: str) -> str:
    if "totals" in reason:
        fix = f"turn on totals in role {audience.grant_to}'s select rule on {table.name}"
    elif "field" in reason:
        fix = f"add the field to role {audience.grant_to}'s readable fields of {table.name}"
    else:
        fix = f"grant role {audience.grant_to} select on {table.name} (Permissions)"
    return (f"{reason}, which this {what} uses, so they will see \u201cYou don't have access\u201d instead of it. "
            f"To fix it, {fix}, or let only roles that may read it open this page (page access).")


def _filter_reads(condition: Any, parts: Parts, table: TableInfo, catalog: Catalog) -> Iterator[tuple[Parts, TableInfo, str | None, bool]]:
    """(path, table, column or None, is a total) for everything a filter reads, at any depth."""
    if isinstance(condition, list):
        for index, part in enumerate(condition):
            yield from _filter_reads(part, (*parts, index), table, catalog)
        return
    if not isinstance(condition, dict):
        return
    for key, value in condition.items():
        here = (*parts, key)
        if key in ("_and", "_or", "_not"):
            yield from _filter_reads(value, here, table, catalog)
            continue
        relationship = table.relationships.get(key.removesuffix(AGGREGATE_SUFFIX))
        target = catalog.table(relationship.target) if relationship is not None else None
        if key.endswith(AGGREGATE_SUFFIX) and relationship is not None and target is not None and isinstance(value, dict):
            yield here, target, None, True
            for body in value.values():
                if isinstance(body, dict):
                    arguments = body.get("arguments")
                    for name in [arguments] if isinstance(arguments, str) else arguments or []:
                        yield here, target, str(name), False
                    yield from _filter_reads(body.get("filter") or {}, (*here, "filter"), target, catalog)
        elif key in table.relationships and target is not None:
            yield here, target, None, False
            yield from _filter_reads(value, here, target, catalog)
        elif key in table.columns:
            yield here, table, key, False


def _source_reads(source: Any, parts: Parts, catalog: Catalog) -> Iterator[tuple[Parts, TableInfo, str | None, bool]]:
    table = catalog.table(source.table)
    if table is None:
        return
    yield from _filter_reads(source.filter, (*parts, "filter"), table, catalog)
    for index, order in enumerate(source.order_by):
        yield (*parts, "order_by", index, "field"), table, order.field, False
    label = getattr(source, "label_field", None)
    if label:
        yield (*parts, "label_field"), table, label, False


def _sources(component: Any, parts: Parts) -> Iterator[tuple[Any, Parts, str]]:
    if component.type == "list":
        yield component.source, (*parts, "source"), "list"
    elif component.type == "container" and component.record is not None:
        yield component.record, (*parts, "record"), "record"
    elif component.type == "select" and component.options_source is not None:
        yield component.options_source, (*parts, "options_source"), "select's option list"


def _walk(components: list[Any], parts: Parts, who: tuple[Audience, ...]) -> Iterator[tuple[Any, Parts, tuple[Audience, ...]]]:
    for index, component in enumerate(components):
        here = (*parts, index)
        yield component, here, who
        if component.type == "container":
            yield from _walk(component.children, (*here, "children"), who)
            yield from _walk(component.not_found, (*here, "not_found"), who)
        elif component.type == "list":
            yield from _walk(component.item, (*here, "item"), who)
        elif component.type == "conditional_view":
            for b_index, branch in enumerate(component.branches):
                yield from _walk(branch.children, (*here, "branches", b_index, "children"), _narrow(branch.condition, who))


def check_page_reads(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    reads = _Reads({(p.role, p.table): p.select for p in definition.permissions.tables if p.select is not None})
    for p_index, page in enumerate(definition.pages):
        for component, parts, who in _walk(page.components, ("pages", p_index, "components"), audiences(page.access)):
            for source, source_parts, what in _sources(component, parts):
                # who may not read the source's own table sees the friendly state anyway: not reported
                readers = [a for a in who if reads.grants(a, source.table)]
                blocked: set[tuple[str, str]] = set()  # (audience, table) already reported as unreadable
                for path, table, column, total in _source_reads(source, source_parts, catalog):
                    for audience in readers:
                        reason = reads.why_not(audience, table, column, total)
                        if reason is None or (audience.label, table.id) in blocked:
                            continue
                        if reason.endswith(f"may not read table {table.name}"):
                            blocked.add((audience.label, table.id))
                        yield Issue(path, _advice(audience, table, reason, what), "warning")
