"""``/api/registry``: node, component and action types with their JSON schemas.

The designer generates its property forms from these schemas, so a type added to
``builder.flows.NODE_TYPES`` or ``builder.pages.COMPONENT_TYPES`` shows up in the
palette without touching the designer. Labels and output keys are the only
designer-specific facts kept here.
"""

from __future__ import annotations

import importlib
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from builder.api.errors import ApiError, DesignerRoute
from builder.definition import FIELD_TYPES, json_schema
from builder.display_formats import display_options
from builder.expressions import COMPARISONS, OPERATORS, SEARCH_COMPARISONS
from builder.flows import NODE_TYPES
from builder.pages import ACTION_TYPES, COMPONENT_TYPES
from builder.validation.schedules import preview_schedule

NODE_LABELS: dict[str, str] = {
    "get_current_account": "Get current account (Get ID)",
    "condition": "Condition branch",
    "query": "Query data",
    "insert": "Insert data",
    "update": "Update data",
    "delete": "Delete data",
    "set_variable": "Set actionflow variable",
    "loop": "Loop (for each)",
    "run_actionflow": "Run another actionflow",
    "raise_error": "Raise error (roll back)",
    "call_api": "Call API",
    "run_code": "Run code (JavaScript)",
}

# Output keys each node type offers to later nodes as node.<id>.<key>;
# "*fields" stands for the fields of the node's table, "*output" for the called flow's output.
NODE_OUTPUTS: dict[str, list[str]] = {
    "get_current_account": ["account_id", "username"],
    "query": ["rows", "found", "*fields"],
    "insert": ["id", "affected_rows", "*fields"],
    "update": ["affected_rows", "returning", "id", "*fields"],
    "delete": ["affected_rows"],
    "run_actionflow": ["*output"],
    # "*schema": the keys of the node's response_schema / outputs (typed for later pickers)
    "call_api": ["status", "ok", "headers", "body", "outbox_id", "*schema"],
    "run_code": ["result", "logs", "*schema"],
}

COMPONENT_LABELS: dict[str, str] = {
    "container": "Container",
    "list": "List",
    "text": "Text",
    "image": "Image",
    "text_input": "Text input",
    "textarea": "Multi-line text",
    "number_input": "Number input",
    "date_input": "Date input",
    "datetime_input": "Date-time input",
    "select": "Select (dropdown)",
    "checkbox": "Checkbox / switch",
    "file_input": "File / image picker",
    "button": "Button",
    "conditional_view": "Conditional view",
}

ACTION_LABELS: dict[str, str] = {
    "condition": "Condition",
    "show_toast": "Show toast",
    "call_actionflow": "Call actionflow",
    "set_variable": "Set page variable",
    "navigate": "Go to page",
    "login": "Log in",
    "logout": "Log out",
    "refresh": "Refresh data",
    "go_back": "Go back",
    "insert_row": "Insert row",
    "update_row": "Update row",
    "delete_row": "Delete row",
    "set_input_value": "Set input value",
    "reset_inputs": "Reset inputs",
}

COMPARISON_LABELS: dict[str, str] = {
    "_eq": "is equal to",
    "_neq": "is not equal to",
    "_gt": "is greater than",
    "_gte": "is greater than or equal to",
    "_lt": "is less than",
    "_lte": "is less than or equal to",
    "_in": "is one of",
    "_nin": "is none of",
    "_is_null": "is null",
    "_like": "matches (like)",
    "_ilike": "matches, any case (ilike)",
    "_nlike": "does not match (like)",
    "_nilike": "does not match, any case",
    "_contains": "contains (any case)",
    "_starts_with": "starts with (any case)",
    "_ends_with": "ends with (any case)",
}


def flat_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its own properties at the top (recursive models come as a ``$ref``)."""
    schema = model.model_json_schema()
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        defs = schema.get("$defs", {})
        schema = {**defs.get(ref.split("/")[-1], {}), "$defs": defs}
    return schema


def _entries(registry: dict[str, type[BaseModel]], labels: dict[str, str], extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    entries = []
    for kind, model in registry.items():
        entry: dict[str, Any] = {
            "type": kind,
            "label": labels.get(kind, kind.replace("_", " ").capitalize()),
            "description": (model.__doc__ or "").strip().split("\n\n")[0],
            "schema": flat_schema(model),
        }
        if extra and kind in extra:
            entry["outputs"] = extra[kind]
        entries.append(entry)
    return entries


def list_presets() -> list[Any]:
    """The "Common UI Presets" of ``builder.presets`` when that module is there."""
    try:
        presets = importlib.import_module("builder.presets")
    except ImportError:
        return []
    return [p.model_dump(mode="json") if isinstance(p, BaseModel) else p for p in presets.list_presets()]


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


def load_preset(preset_id: str) -> Any:
    """The components of one preset, as JSON; ``ApiError`` 404 when there is no such preset."""
    try:
        presets = importlib.import_module("builder.presets")
        return _dump(presets.load_preset(preset_id))
    except (ImportError, LookupError) as exc:
        raise ApiError(404, "NOT_FOUND", str(exc) or f"There is no preset called `{preset_id}`.") from exc


def registry() -> dict[str, Any]:
    return {
        "node_types": _entries(NODE_TYPES, NODE_LABELS, NODE_OUTPUTS),  # type: ignore[arg-type]
        "component_types": _entries(COMPONENT_TYPES, COMPONENT_LABELS),  # type: ignore[arg-type]
        "action_types": _entries(ACTION_TYPES, ACTION_LABELS),  # type: ignore[arg-type]
        "field_types": list(FIELD_TYPES),
        # page_only: offered in page list filters only (the runtime turns them into escaped _ilike)
        "comparisons": [
            {"op": op, "label": COMPARISON_LABELS.get(op, op), "page_only": op in SEARCH_COMPARISONS}
            for op in (*COMPARISONS, *SEARCH_COMPARISONS)
        ],
        "operators": sorted(OPERATORS),
        "definition_schema": json_schema(),
        "display": display_options(),  # the Settings tab's locale, currency and time zone choices
    }


def build_registry_router() -> APIRouter:
    router = APIRouter(route_class=DesignerRoute)
    cached: dict[str, Any] = {}

    @router.get("/api/registry")
    async def get_registry() -> dict[str, Any]:
        if not cached:
            cached.update(registry())
        return cached

    @router.get("/api/schedule-preview")
    async def schedule_preview(cron: str = "", time_zone: str = "") -> dict[str, Any]:
        """The next three fire times of an actionflow schedule, for the designer's hint."""
        return preview_schedule(cron, time_zone)

    @router.get("/api/presets")
    async def presets() -> dict[str, Any]:
        return {"presets": list_presets()}

    @router.get("/api/presets/{preset_id}")
    async def preset(preset_id: str) -> dict[str, Any]:
        return {"preset": load_preset(preset_id)}

    return router
