"""Input components: what a visitor types or picks, with its value type and validation rules.

Every input has a ``label``, a bound ``default`` (an edit form binds it to the
record it edits) and ``required``. Rules (``min`` / ``max``, ``min_length`` /
``max_length``, ``email``, ``pattern``) are checked in the browser before an action
reads the input and again on the server when a row write reads it
(``runtime.pages.input_rules``); a failed rule shows its message at the input and
nothing is written. The value an input yields keeps its type end to end:
``VALUE_TYPES`` says which value type each input kind produces.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from builder.expressions import BoolExp, Expression
from builder.flows import Model, OrderBy, ValueType
from builder.page_actions import ComponentBase, SavesQuietly


class InputBase(ComponentBase):
    label: str = ""
    default: Expression = Field(default=None, description="the value shown at first (bound: edit forms bind it to data)")
    required: bool = False


class _TextInputBase(InputBase):
    placeholder: str = ""
    min_length: int | None = Field(default=None, ge=0, le=100_000)
    max_length: int | None = Field(default=None, ge=1, le=100_000)
    email: bool = Field(default=False, description="the text must look like an e-mail address")
    pattern: str | None = Field(default=None, max_length=500, description="a regular expression the whole text must match")
    pattern_message: str = Field(default="", max_length=200, description="shown when the pattern does not match")


class TextInputComponent(_TextInputBase, SavesQuietly):
    quiet_fields = ("min_length", "max_length", "email", "pattern", "pattern_message")
    type: Literal["text_input"] = "text_input"
    value_type: ValueType = "text"
    min: float | None = None
    max: float | None = None


class TextAreaComponent(_TextInputBase):
    """Multi-line text."""

    type: Literal["textarea"] = "textarea"
    rows: int = Field(default=4, ge=2, le=40)


class NumberInputComponent(InputBase):
    type: Literal["number_input"] = "number_input"
    value_type: Literal["bigint", "decimal"] = "bigint"
    placeholder: str = ""
    min: float | None = None
    max: float | None = None
    step: float | None = None


class DateInputComponent(InputBase):
    """A calendar date; yields ``YYYY-MM-DD`` (a ``date`` value)."""

    type: Literal["date_input"] = "date_input"
    min: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    max: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class DateTimeInputComponent(InputBase):
    """A date and time typed in the app's time zone (Settings); yields an ISO timestamp with offset."""

    type: Literal["datetime_input"] = "datetime_input"


class SelectOption(Model):
    label: str = Field(min_length=1, max_length=200)
    value: Any = Field(description="a JSON value of the select's value type")


class OptionsSource(Model):
    """The rows of a table as options: ``label_field`` is shown, the row's ``id`` is the value."""

    table: str = Field(description="table id")
    label_field: str = Field(description="field name shown for each row")
    filter: BoolExp = Field(default_factory=dict)
    order_by: list[OrderBy] = Field(default_factory=list)
    limit: int = Field(default=200, ge=1, le=1000)


class SelectComponent(InputBase):
    """A dropdown: static ``options``, or the rows of a table (``options_source``, yielding the id)."""

    type: Literal["select"] = "select"
    value_type: Literal["text", "bigint", "decimal", "boolean", "date"] = "text"
    placeholder: str = Field(default="Choose…", description="the empty choice")
    options: list[SelectOption] = Field(default_factory=list)
    options_source: OptionsSource | None = None


class CheckboxComponent(InputBase):
    """Yes / no; yields true or false (never null)."""

    type: Literal["checkbox"] = "checkbox"
    variant: Literal["checkbox", "switch"] = "checkbox"


class FileInputComponent(InputBase):
    """A file / image picker: uploads the chosen file at once (with progress and a preview)
    and yields the stored file's id (bigint), for an image or file field."""

    type: Literal["file_input"] = "file_input"
    kind: Literal["image", "file"] = "image"


INPUT_MODELS: tuple[type[InputBase], ...] = (
    TextInputComponent,
    TextAreaComponent,
    NumberInputComponent,
    DateInputComponent,
    DateTimeInputComponent,
    SelectComponent,
    CheckboxComponent,
    FileInputComponent,
)
INPUT_TYPES: frozenset[str] = frozenset(m.model_fields["type"].default for m in INPUT_MODELS)


def value_type_of(component: Any) -> str:
    """The value type an input yields (``bigint`` for a select fed by table rows)."""
    if component.type == "select" and component.options_source is not None:
        return "bigint"
    fixed = {"textarea": "text", "date_input": "date", "datetime_input": "timestamptz", "checkbox": "boolean", "file_input": "bigint"}
    return str(fixed.get(component.type) or getattr(component, "value_type", "text"))
