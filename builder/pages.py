"""Page models: a tree of components; events run chains of actions.

Component types and action types are registered in ``COMPONENT_TYPES`` and
``ACTION_TYPES``; the designer palette, the validator and the page renderer read
these registries. Bindings are expressions (``builder.expressions``) over the
scope ``item.*`` (inside a list), ``page.*`` (page variables),
``component.<component id>.value``, ``global.is_logged_in``,
``global.current_account.*`` and, inside ``on_success``/``on_failure``,
``result.*`` / ``error.message``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from builder.expressions import BoolExp, Expression
from builder.flows import Ident, Model, OrderBy, ValueType

# ---------------------------------------------------------------- actions


class ActionBase(Model):
    id: Ident


class ActionBranch(Model):
    id: Ident
    name: str = ""
    condition: BoolExp | None = Field(default=None, description="null means otherwise (last branch only)")
    actions: list[Action] = Field(default_factory=list)


class ConditionAction(ActionBase):
    type: Literal["condition"] = "condition"
    branches: list[ActionBranch] = Field(min_length=1)


class ShowToastAction(ActionBase):
    type: Literal["show_toast"] = "show_toast"
    message: Expression
    level: Literal["info", "success", "error"] = "info"


class CallActionflowAction(ActionBase):
    type: Literal["call_actionflow"] = "call_actionflow"
    actionflow: str = Field(description="actionflow id")
    args: dict[str, Expression] = Field(default_factory=dict)
    on_success: list[Action] = Field(default_factory=list)
    on_failure: list[Action] = Field(default_factory=list)


class SetVariableAction(ActionBase):
    type: Literal["set_variable"] = "set_variable"
    variable: str = Field(description="page variable name")
    value: Expression


class NavigateAction(ActionBase):
    type: Literal["navigate"] = "navigate"
    page: str = Field(description="page id")


class LoginAction(ActionBase):
    """Go to the login page and come back afterwards."""

    type: Literal["login"] = "login"


class LogoutAction(ActionBase):
    type: Literal["logout"] = "logout"


class RefreshAction(ActionBase):
    """Reload the data of the page's lists (or of one list)."""

    type: Literal["refresh"] = "refresh"
    component: str | None = None


Action = Annotated[
    ConditionAction | ShowToastAction | CallActionflowAction | SetVariableAction | NavigateAction | LoginAction | LogoutAction | RefreshAction,
    Field(discriminator="type"),
]

ACTION_TYPES: dict[str, type[ActionBase]] = {
    m.model_fields["type"].default: m
    for m in (
        ConditionAction,
        ShowToastAction,
        CallActionflowAction,
        SetVariableAction,
        NavigateAction,
        LoginAction,
        LogoutAction,
        RefreshAction,
    )
}

# ---------------------------------------------------------------- components

Events = dict[Literal["onClick", "onChange"], list[Action]]


class ComponentBase(Model):
    id: Ident
    name: str = Field(min_length=1, max_length=120)
    style: dict[str, str] = Field(default_factory=dict, description="a small allow-listed set of CSS properties")
    events: Events = Field(default_factory=dict)


class ContainerComponent(ComponentBase):
    type: Literal["container"] = "container"
    direction: Literal["row", "column"] = "column"
    gap: int = Field(default=12, ge=0, le=200)
    padding: int = Field(default=0, ge=0, le=200)
    variant: Literal["plain", "card", "header"] = "plain"
    children: list[Component] = Field(default_factory=list)


class DataSource(Model):
    table: str = Field(description="table id")
    request: Literal["query", "subscription"] = "query"
    filter: BoolExp = Field(default_factory=dict)
    order_by: list[OrderBy] = Field(default_factory=list)
    limit: int | None = Field(default=None, ge=1, le=1000)


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
    type: Literal["image"] = "image"
    src: Expression = ""
    alt: Expression = ""


class TextInputComponent(ComponentBase):
    type: Literal["text_input"] = "text_input"
    label: str = ""
    value_type: ValueType = "text"
    placeholder: str = ""
    default: Expression = None
    min: float | None = None
    max: float | None = None
    required: bool = False


class NumberInputComponent(ComponentBase):
    type: Literal["number_input"] = "number_input"
    label: str = ""
    value_type: Literal["bigint", "decimal"] = "bigint"
    placeholder: str = ""
    default: Expression = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    required: bool = False


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
    ContainerComponent | ListComponent | TextComponent | ImageComponent | TextInputComponent | NumberInputComponent | ButtonComponent | ConditionalViewComponent,
    Field(discriminator="type"),
]

COMPONENT_TYPES: dict[str, type[ComponentBase]] = {
    m.model_fields["type"].default: m
    for m in (
        ContainerComponent,
        ListComponent,
        TextComponent,
        ImageComponent,
        TextInputComponent,
        NumberInputComponent,
        ButtonComponent,
        ConditionalViewComponent,
    )
}


class PageVariable(Model):
    name: Ident
    type: ValueType
    default: Any = None


class Page(Model):
    id: Ident
    name: str = Field(min_length=1, max_length=120)
    path: str = Field(default="", pattern=r"^$|^[a-z0-9][a-z0-9\-]{0,62}$", description="'' is the home page")
    title: str = ""
    variables: list[PageVariable] = Field(default_factory=list)
    components: list[Component] = Field(default_factory=list)


_REBUILD: tuple[type[Model], ...] = (ActionBranch, ConditionAction, CallActionflowAction, ComponentBase, *COMPONENT_TYPES.values(), ConditionalBranch, Page)
for _model in _REBUILD:
    _model.model_rebuild()


def walk_components(components: list[Any]) -> Any:
    """Yield every component of a component tree, depth first."""
    for component in components:
        yield component
        if isinstance(component, ContainerComponent):
            yield from walk_components(component.children)
        elif isinstance(component, ListComponent):
            yield from walk_components(component.item)
        elif isinstance(component, ConditionalViewComponent):
            for branch in component.branches:
                yield from walk_components(branch.children)


def walk_actions(actions: list[Any]) -> Any:
    """Yield every action of an action chain, depth first."""
    for action in actions:
        yield action
        if isinstance(action, ConditionAction):
            for branch in action.branches:
                yield from walk_actions(branch.actions)
        elif isinstance(action, CallActionflowAction):
            yield from walk_actions(action.on_success)
            yield from walk_actions(action.on_failure)
