"""Server rendering of pages: Jinja2 (autoescaped) over the component tree, plus the browser spec.

``PageRenderer`` owns one Jinja environment and the component registry. A page
renders with the data the visitor may see (``PageData``) and embeds, as inert
JSON, what the browser runtime needs to keep it live: component specs, list
operations, first-paint rows, globals and page variables.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from builder.definition import Settings
from builder.display_formats import Display, display_for
from builder.pages import ListComponent, Page, walk_components
from builder.resolved import ResolvedProject
from runtime.pages.components import component_kinds
from runtime.pages.components.base import PageData, RenderContext
from runtime.pages.nesting import Readable, alias_of, direct_lists, walk_nested
from runtime.pages.queries import ListQuery, list_query
from runtime.pages.scope import Scope
from runtime.pages.theme import theme_variables

RUNTIME_DIR = Path(__file__).resolve().parent.parent
TEMPLATES = RUNTIME_DIR / "templates"
STATIC = RUNTIME_DIR / "static"
STATIC_PREFIX = "/p/_static"
SCRIPTS = ("mm-expressions.js", "mm-format.js", "mm-inputs.js", "mm-files.js", "mm-live.js", "mm-components.js", "mm-actions.js", "mm-lists.js", "mm-records.js", "minimomen.js")


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def script_json(value: Any) -> Markup:
    """JSON safe to place inside ``<script type="application/json">``: no tag can be closed."""
    text = json.dumps(value, default=_json_default, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return Markup(text)


def top_level_lists(page: Page) -> list[ListComponent]:
    """Lists that load on their own: not inside another list's item template."""
    nested = {
        inner.id
        for outer in walk_components(page.components)
        if isinstance(outer, ListComponent)
        for inner in walk_components(outer.item)
    }
    return [c for c in walk_components(page.components) if isinstance(c, ListComponent) and c.id not in nested]


def page_queries(page: Page, resolved: ResolvedProject, readable: Readable | None = None) -> dict[str, ListQuery]:
    """The operation of every top-level list (nested lists ride along); ``readable``: the visitor's rights."""
    return {c.id: list_query(c, resolved, readable) for c in top_level_lists(page)}


def _children(component: ListComponent, loaded: set[str]) -> dict[str, str]:
    """Nested lists directly inside ``component``'s item that load with it: list id -> row field."""
    return {inner.id: alias_of(inner.id) for inner in direct_lists(component.item) if inner.id in loaded}


def display_of(settings: Settings) -> Display:
    """The locale, currency and time zone an app's pages show values in."""
    return display_for(settings.currency, settings.locale, settings.time_zone)


def page_url(slug: str, path: str) -> str:
    return f"/p/{slug}/{path}"


class PageRenderer:
    """Renders app pages, the login page and the not-found page."""

    def __init__(self) -> None:
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(static=self.static_url, scripts=SCRIPTS)
        self.env.filters["script_json"] = script_json
        self.kinds = component_kinds()

    @cached_property
    def _versions(self) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:12] for p in STATIC.iterdir() if p.is_file()}

    def static_url(self, name: str) -> str:
        """The address of a static file, versioned by its content so browsers may cache it."""
        return f"{STATIC_PREFIX}/{name}?v={self._versions.get(name, '0')}"

    def render_page(self, slug: str, resolved: ResolvedProject, page: Page, data: PageData, queries: Mapping[str, ListQuery],
                    records: Mapping[str, ListQuery] | None = None) -> str:
        display = display_of(resolved.definition.settings)
        ctx = RenderContext(env=self.env, kinds=self.kinds, resolved=resolved, slug=slug, page=page, data=data, queries=queries, display=display)
        scope = Scope(globals=data.globals, page=data.variables, params=data.params)
        body = ctx.render(page.components, scope)
        return self.env.get_template("pages/page.html").render(
            body=body,
            page=page,
            title=page.title or page.name,
            project=resolved.definition,
            theme=theme_variables(resolved.definition.settings.accent_color),
            spec=self.client_spec(slug, resolved, page, data, queries, records or {}),
            display=display.to_json(),
            slug=slug,
        )

    def client_spec(self, slug: str, resolved: ResolvedProject, page: Page, data: PageData, queries: Mapping[str, ListQuery],
                    records: Mapping[str, ListQuery] | None = None) -> dict[str, Any]:
        components = {c.id: self.kinds[c.type].client_spec(c) for c in walk_components(page.components)}
        by_id = {c.id: c for c in walk_components(page.components) if isinstance(c, ListComponent)}
        lists, nested = {}, {}
        for list_id, query in queries.items():
            spec = components[list_id]
            operation = spec["source"]["request"]
            listed = data.lists.get(list_id)
            loaded = {n.list_id for n in query.nested}
            lists[list_id] = {
                "root": query.root,
                "operation": operation,
                "query": query.text(operation),
                "fetch": query.text("query"),
                "filter": query.filter,
                "nested_filters": {n.variable: n.filter for n in query.nested if n.variable is not None},
                "children": _children(by_id[list_id], loaded),
                "rows": listed.rows if listed else [],
                "paging": query.paging.to_json() if query.paging else None,
                "total": listed.total if listed else None,
            }
            for inner in walk_nested(by_id[list_id].item):
                if inner.id in loaded:
                    nested[inner.id] = {"children": _children(inner, loaded)}
        by_container = {c.id: c for c in walk_components(page.components) if c.type == "container"}
        record_specs = {}
        for container_id, query in (records or {}).items():
            record = by_container[container_id].record
            found = data.records.get(container_id)
            record_specs[container_id] = {
                "root": query.root,
                "operation": record.request if record else "query",
                "query": query.text(record.request if record else "query"),
                "fetch": query.text("query"),
                "filter": query.filter,
                "row_id": record.row_id if record else None,
                "row": found.row if found else None,
            }
        return {
            "slug": slug,
            "page": page.id,
            "params": data.params,
            "records": record_specs,
            "home": page_url(slug, ""),
            "base": f"/p/{slug}",
            "pages": {p.id: page_url(slug, p.path) for p in resolved.pages.values()},
            "globals": data.globals,
            "variables": data.variables,
            "components": components,
            "lists": lists,
            "nested": nested,
        }

    def render_login(self, slug: str, resolved: ResolvedProject, next_path: str) -> str:
        return self.env.get_template("pages/login.html").render(
            slug=slug,
            title="Log in",
            project=resolved.definition,
            theme=theme_variables(resolved.definition.settings.accent_color),
            next_path=next_path,
        )

    def render_not_found(self, slug: str | None, resolved: ResolvedProject | None, message: str, *,
                         status: int = 404, title: str = "Page not found") -> str:
        """The page shown instead of an app page: not found (404), or an app that cannot be served (503)."""
        accent = resolved.definition.settings.accent_color if resolved else "#4f46e5"
        return self.env.get_template("pages/not_found.html").render(
            slug=slug,
            status=status,
            title=title,
            project=resolved.definition if resolved else None,
            theme=theme_variables(accent),
            message=message,
        )
