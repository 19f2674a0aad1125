"""Page models: a tree of components; events run chains of actions.

Component types and action types are registered in ``COMPONENT_TYPES`` and
``ACTION_TYPES``; the designer palette, the validator and the page renderer read
these registries. Bindings are expressions (``builder.expressions``) over the
scope ``item.*`` (inside a list), ``page.*`` (page variables), ``param.*``
(page parameters, from the URL), ``record.<container id>.*`` (the row a container
loads, inside it), ``component.<component id>.value``, ``global.is_logged_in``,
``global.current_account.*`` and, inside ``on_success``/``on_failure``,
``result.*`` / ``error.message``. ``docs/pages.md`` describes the format.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from builder.expressions import BoolExp, Expression
from builder.flows import Ident, Model, OrderBy, ValueType
from builder.page_actions import (
    ACTION_TYPES,
    Action,
    ActionBase,
    ActionBranch,
    CallActionflowAction,
    ComponentBase,
    ConditionAction,
    Events,
    NavigateAction,
    SavesQuietly,
    walk_actions,
)
from builder.page_inputs import (
    INPUT_MODELS,
    INPUT_TYPES,
    CheckboxComponent,
    DateInputComponent,
    DateTimeInputComponent,
    FileInputComponent,
    NumberInputComponent,
    SelectComponent,
    TextAreaComponent,
    TextInputComponent,
)

# Actions and the component base live in builder.page_actions, inputs in builder.page_inputs;
# they are re-exported here so that one module names every page unit.
__all__ = [
    "ACTION_TYPES", "COMPONENT_TYPES", "INPUT_TYPES", "Action", "ActionBase", "ActionBranch", "CallActionflowAction",
    "ComponentBase", "ConditionAction", "Events", "NavigateAction", "walk_actions",
]

# ---------------------------------------------------------------- components


class RecordSource(Model):
    """One row loaded by a container: by id (``row_id``) or the first row of a filtered query."""

    table: str = Field(description="table id")
    request: Literal["query", "subscription"] = "query"
    row_id: Expression = Field(default=None, description="the row's id, e.g. {\"ref\": \"param.ticket_id\"}; null: first row of the filter")
    filter: BoolExp = Field(default_factory=dict)
    order_by: list[OrderBy] = Field(default_factory=list)


class ContainerComponent(ComponentBase, SavesQuietly):
    quiet_fields = ("record", "not_found")
    type: Literal["container"] = "container"
    direction: Literal["row", "column"] = "column"
    gap: int = Field(default=12, ge=0, le=200)
    padding: int = Field(default=0, ge=0, le=200)
    variant: Literal["plain", "card", "header"] = "plain"
    children: list[Component] = Field(default_factory=list)
    record: RecordSource | None = Field(default=None, description="one row its children bind as record.<container id>.<field>")
    not_found: list[Component] = Field(default_factory=list, description="shown instead of the children when the record is missing")


class DataSource(SavesQuietly):
    quiet_fields = ("page_size", "pager", "sort_variable")
    table: str = Field(description="table id")
    request: Literal["query", "subscription"] = "query"
    filter: BoolExp = Field(default_factory=dict)
    order_by: list[OrderBy] = Field(default_factory=list)
    limit: int | None = Field(default=None, ge=1, le=1000)
    page_size: int | None = Field(default=None, ge=1, le=200, description="rows per page; the pager shows the rest")
    pager: Literal["load_more", "numbered"] = "load_more"
    sort_variable: str | None = Field(default=None, description="page variable holding \"<field>:asc\" or \"<field>:desc\"; overrides order_by")


class ListComponent(ComponentBase):
    type: Literal["list"] = "list"
    source: DataSource
    direction: Literal["row", "column", "grid"] = "column"
    gap: int = Field(default=12, ge=0, le=200)
    empty_text: str = "Nothing here yet."
    item: list[Component] = Field(default_factory=list, description="template rendered once per row")


class TextComponent(ComponentBase):
    type: Literal["text"] = "text"
    value: Expression = ""
    prefix: str = ""
    suffix: str = ""
    format: Literal["plain", "number", "currency", "date", "datetime"] = "plain"
    variant: Literal["body", "title", "subtitle", "caption"] = "body"


class ImageComponent(ComponentBase):
    """An image: a web address, or an image field (``item.cover``, ``record.<c>.cover``).

    Bound to an image field, ``width`` / ``height`` (pixels; one may be left out to keep
    the proportions) load a resized copy made by the server, cropped (``cover``), fitted
    inside (``contain``) or stretched (``fill``); without them, the full image."""

    type: Literal["image"] = "image"
    src: Expression = ""
    alt: Expression = ""
    width: int | None = Field(default=None, ge=1, le=4096)
    height: int | None = Field(default=None, ge=1, le=4096)
    fit: Literal["cover", "contain", "fill"] = "cover"


class ButtonComponent(ComponentBase):
    type: Literal["button"] = "button"
    label: Expression = "Button"
    variant: Literal["primary", "secondary", "danger"] = "primary"


class ConditionalBranch(Model):
    id: Ident
    name: str = ""
    condition: BoolExp | None = None
    children: list[Component] = Field(default_factory=list)


class ConditionalViewComponent(ComponentBase):
    """Shows the children of the first branch whose condition holds."""

    type: Literal["conditional_view"] = "conditional_view"
    branches: list[ConditionalBranch] = Field(min_length=1)


Component = Annotated[
    ContainerComponent | ListComponent | TextComponent | ImageComponent | ButtonComponent | ConditionalViewComponent
    | TextInputComponent | TextAreaComponent | NumberInputComponent | DateInputComponent | DateTimeInputComponent
    | SelectComponent | CheckboxComponent | FileInputComponent,
    Field(discriminator="type"),
]

COMPONENT_TYPES: dict[str, type[ComponentBase]] = {
    m.model_fields["type"].default: m
    for m in (
        (ContainerComponent, ListComponent, TextComponent, ImageComponent, ButtonComponent, ConditionalViewComponent)
        + INPUT_MODELS
    )
}


class PageVariable(Model):
    name: Ident
    type: ValueType
    default: Any = None


class PageParam(Model):
    """A typed parameter of a page, carried in its URL's query string (``?ticket_id=7``): shareable."""

    name: Ident
    type: Literal["text", "bigint", "decimal", "boolean", "date", "timestamptz"] = "bigint"
    required: bool = Field(default=False, description="a visit without it shows the page's not-found message")


class PageAccess(Model):
    """Who may open a page; others go to the login page (and back) or see ``message``."""

    allow: Literal["anyone", "logged_in", "roles"] = "anyone"
    roles: list[str] = Field(default_factory=list, description="role names allowed when allow is 'roles' (admin always is)")
    denied: Literal["login", "message"] = "login"
    message: str = Field(default="You do not have access to this page.", max_length=500)


class Page(SavesQuietly):
    quiet_fields = ("params", "access")
    id: Ident
    name: str = Field(min_length=1, max_length=120)
    path: str = Field(default="", pattern=r"^$|^[a-z0-9][a-z0-9\-]{0,62}$", description="'' is the home page")
    title: str = ""
    variables: list[PageVariable] = Field(default_factory=list)
    params: list[PageParam] = Field(default_factory=list)
    access: PageAccess = Field(default_factory=PageAccess)
    components: list[Component] = Field(default_factory=list)


_REBUILD: tuple[type[Model], ...] = (*COMPONENT_TYPES.values(), ConditionalBranch, Page)
for _model in _REBUILD:
    _model.model_rebuild()


def walk_components(components: list[Any]) -> Any:
    """Yield every component of a component tree, depth first."""
    for component in components:
        yield component
        if isinstance(component, ContainerComponent):
            yield from walk_components(component.children)
            yield from walk_components(component.not_found)
        elif isinstance(component, ListComponent):
            yield from walk_components(component.item)
        elif isinstance(component, ConditionalViewComponent):
            for branch in component.branches:
                yield from walk_components(branch.children)
