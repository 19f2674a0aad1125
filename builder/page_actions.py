"""Page actions: what an event (onClick, onChange) runs, as a chain of registered units.

``ACTION_TYPES`` is the registry read by the designer palette, the validator
(``builder.validation.pages``) and the browser runtime (``runtime/static/mm-actions.js``).
Actions that call the server (``call_actionflow`` and the row writes) have
``on_success`` / ``on_failure`` chains; inside them ``result.*`` is the flow's output
or the written row and ``error.message`` the failure.

``ComponentBase`` lives here too: every component carries event chains, so the
component modules build on this one (and not the other way round).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from builder.expressions import BoolExp, Expression
from builder.flows import Ident, Model


class SavesQuietly(Model):
    """Fields added after a model first shipped (``quiet_fields``) are left out of ``app.json``
    while they hold their default, so existing projects save exactly as before."""

    quiet_fields: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _drop_quiet_defaults(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in self.quiet_fields:
            if name in data and data[name] == _default_json(type(self), name):
                data.pop(name)
        return data


def _default_json(model: type[BaseModel], name: str) -> Any:
    default = model.model_fields[name].get_default(call_default_factory=True)
    return default.model_dump(mode="json") if isinstance(default, BaseModel) else default


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


class NavigateAction(ActionBase, SavesQuietly):
    """Go to a page; ``params`` binds the target page's parameters (they travel in its URL)."""

    quiet_fields = ("params",)
    type: Literal["navigate"] = "navigate"
    page: str = Field(description="page id")
    params: dict[str, Expression] = Field(default_factory=dict, description="target page parameter name -> value")


class GoBackAction(ActionBase):
    """Go to the previous page of the visitor's history (the home page when there is none)."""

    type: Literal["go_back"] = "go_back"


class LoginAction(ActionBase):
    """Go to the login page and come back afterwards."""

    type: Literal["login"] = "login"


class LogoutAction(ActionBase):
    type: Literal["logout"] = "logout"


class RefreshAction(ActionBase):
    """Reload the data of the page's lists and records (or of one of them)."""

    type: Literal["refresh"] = "refresh"
    component: str | None = None


class InsertRowAction(ActionBase):
    """Insert one row with the visitor's permissions; ``result.*`` is the written row."""

    type: Literal["insert_row"] = "insert_row"
    table: str = Field(description="table id")
    values: dict[str, Expression] = Field(default_factory=dict, description="field name -> value")
    on_success: list[Action] = Field(default_factory=list)
    on_failure: list[Action] = Field(default_factory=list)


class UpdateRowAction(ActionBase):
    """Update the row ``row_id`` with the visitor's permissions; ``result.*`` is the written row."""

    type: Literal["update_row"] = "update_row"
    table: str = Field(description="table id")
    row_id: Expression = Field(description="the id of the row to update")
    values: dict[str, Expression] = Field(default_factory=dict, description="field name -> value")
    on_success: list[Action] = Field(default_factory=list)
    on_failure: list[Action] = Field(default_factory=list)


class DeleteRowAction(ActionBase):
    """Delete the row ``row_id`` with the visitor's permissions; ``result.id`` is its id."""

    type: Literal["delete_row"] = "delete_row"
    table: str = Field(description="table id")
    row_id: Expression = Field(description="the id of the row to delete")
    on_success: list[Action] = Field(default_factory=list)
    on_failure: list[Action] = Field(default_factory=list)


class SetInputValueAction(ActionBase):
    """Put a value into an input, as if the visitor had typed it (no onChange runs)."""

    type: Literal["set_input_value"] = "set_input_value"
    component: str = Field(description="input component id")
    value: Expression = None


class ResetInputsAction(ActionBase):
    """Give inputs back their default value and clear their messages (all inputs when empty)."""

    type: Literal["reset_inputs"] = "reset_inputs"
    components: list[str] = Field(default_factory=list, description="input component ids; empty means every input of the page")


Action = Annotated[
    ConditionAction | ShowToastAction | CallActionflowAction | SetVariableAction | NavigateAction | GoBackAction
    | LoginAction | LogoutAction | RefreshAction | InsertRowAction | UpdateRowAction | DeleteRowAction
    | SetInputValueAction | ResetInputsAction,
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
        GoBackAction,
        LoginAction,
        LogoutAction,
        RefreshAction,
        InsertRowAction,
        UpdateRowAction,
        DeleteRowAction,
        SetInputValueAction,
        ResetInputsAction,
    )
}

# Actions that write rows through the page's action endpoint (``runtime.pages.writes``).
ROW_WRITE_TYPES: frozenset[str] = frozenset({"insert_row", "update_row", "delete_row"})
# Actions with on_success / on_failure chains.
CHAINED_TYPES: frozenset[str] = frozenset({"call_actionflow", *ROW_WRITE_TYPES})

Events = dict[Literal["onClick", "onChange"], list[Action]]


class ComponentBase(Model):
    id: Ident
    name: str = Field(min_length=1, max_length=120)
    style: dict[str, str] = Field(default_factory=dict, description="a small allow-listed set of CSS properties")
    events: Events = Field(default_factory=dict)


for _model in (ActionBranch, ConditionAction, CallActionflowAction, InsertRowAction, UpdateRowAction, DeleteRowAction, ComponentBase):
    _model.model_rebuild()


def walk_actions(actions: list[Any]) -> Any:
    """Yield every action of an action chain, depth first."""
    for action in actions:
        yield action
        if isinstance(action, ConditionAction):
            for branch in action.branches:
                yield from walk_actions(branch.actions)
        elif action.type in CHAINED_TYPES:
            yield from walk_actions(action.on_success)
            yield from walk_actions(action.on_failure)
