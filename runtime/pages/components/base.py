"""The contract of a component type: render on the server, describe itself to the browser.

A component kind renders its Jinja template (``runtime/templates/components/<type>.html``,
autoescaped) with variables it computes from the component and the binding scope,
and hands the browser runtime a JSON ``client_spec`` (its definition without child
trees), which ``runtime/static`` uses to keep it live.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from jinja2 import Environment
from markupsafe import Markup

from builder.display_formats import DEFAULT_DISPLAY, Display
from builder.pages import Page
from builder.resolved import ResolvedProject
from runtime.pages.queries import ListQuery
from runtime.pages.scope import Scope
from runtime.pages.styles import inline_style


@dataclass(frozen=True)
class ListData:
    """The first-paint rows of one list, or why they could not be loaded."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    total: int | None = None  # all matching rows, for numbered pages


@dataclass(frozen=True)
class RecordData:
    """The one row a container loads: found, missing (``row`` None), or why it could not load."""

    row: dict[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True)
class PageData:
    """Everything the visitor may see at first paint."""

    globals: Mapping[str, Any]
    variables: Mapping[str, Any]
    lists: Mapping[str, ListData]
    params: Mapping[str, Any] = field(default_factory=dict)  # page parameters from the URL, typed
    records: Mapping[str, RecordData] = field(default_factory=dict)  # container id -> its record
    options: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)  # select id -> option rows


@dataclass(frozen=True)
class RenderContext:
    env: Environment
    kinds: Mapping[str, ComponentKind]
    resolved: ResolvedProject
    slug: str
    page: Page
    data: PageData
    queries: Mapping[str, ListQuery]  # list component id -> its operation
    display: Display = DEFAULT_DISPLAY  # the app's locale, currency and time zone

    def render(self, components: list[Any], scope: Scope) -> Markup:
        return Markup("").join(self.kinds[c.type].render(c, self, scope) for c in components)


class ComponentKind:
    """One component type. Subclasses set ``type`` and add template variables."""

    type: ClassVar[str]
    tree_fields: ClassVar[frozenset[str]] = frozenset()  # fields holding child components
    base_style: ClassVar[Mapping[str, str]] = {}

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        return {}

    def style(self, component: Any) -> str:
        return inline_style(component.style, self.base_style_of(component))

    def base_style_of(self, component: Any) -> Mapping[str, str]:
        return self.base_style

    def render(self, component: Any, ctx: RenderContext, scope: Scope) -> Markup:
        template = ctx.env.get_template(f"components/{self.type}.html")
        html = template.render(
            c=component,
            ctx=ctx,
            scope=scope,
            style=self.style(component),
            children=lambda items, inner=scope: ctx.render(items, inner),
            **self.variables(component, ctx, scope),
        )
        return Markup(html)

    def client_spec(self, component: Any) -> dict[str, Any]:
        """What the browser needs to re-bind this component: its definition minus child trees."""
        return component.model_dump(mode="json", exclude=set(self.tree_fields) | {"name", "style"})
