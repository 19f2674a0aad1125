"""Typed values of a flow: coercion of inputs and variables, and JSON-safe output.

Inputs arrive as JSON (or GraphQL scalars) and are checked before anything runs,
so a wrong type never reaches the database half-way through a flow.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable, Mapping
from typing import Any

from builder.flows import Actionflow, FlowInput, FlowVariable, ValueType
from runtime.types import BadUserInput


def _bigint(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        value = int(value)
    if isinstance(value, decimal.Decimal):
        if value != value.to_integral_value():
            raise ValueError
        value = int(value)
    result = int(value.strip()) if isinstance(value, str) else int(value)
    if not -(2**63) <= result < 2**63:
        raise ValueError
    return result


def _decimal(value: Any) -> decimal.Decimal:
    if isinstance(value, bool):
        raise ValueError
    result = decimal.Decimal(str(value).strip())
    if not result.is_finite():
        raise ValueError
    return result


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise ValueError
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _timestamptz(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    text = _text(value)
    dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return text


def _date(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value)
    dt.date.fromisoformat(text)
    return text


def _jsonb(value: Any) -> Any:
    return value


COERCERS: dict[str, Callable[[Any], Any]] = {
    "bigint": _bigint,
    "decimal": _decimal,
    "boolean": _boolean,
    "text": _text,
    "timestamptz": _timestamptz,
    "date": _date,
    "jsonb": _jsonb,
}


def coerce(value: Any, type_: ValueType, is_list: bool, what: str) -> Any:
    """``value`` as a ``type_`` (or a list of them); ``what`` names it in the error."""
    if value is None:
        return None
    if is_list:
        if not isinstance(value, list):
            raise BadUserInput(f"{what} must be a list of {type_} values")
        return [coerce(item, type_, False, f"{what}[{i}]") for i, item in enumerate(value)]
    try:
        return COERCERS[type_](value)
    except (ValueError, TypeError, ArithmeticError):
        shown = json.dumps(value, default=str)[:80]
        raise BadUserInput(f"{what}: {shown} is not a valid {type_} value") from None


def coerce_inputs(flow: Actionflow, args: Mapping[str, Any] | None) -> dict[str, Any]:
    """The flow's inputs from ``args``: every declared input present (missing = None)."""
    if args is None:
        args = {}
    if not isinstance(args, Mapping):
        raise BadUserInput(f"the arguments of actionflow {flow.name} must be an object of input names to values")
    declared: dict[str, FlowInput] = {i.name: i for i in flow.inputs}
    unknown = sorted(set(args) - set(declared))
    if unknown:
        known = ", ".join(declared) or "none"
        raise BadUserInput(f"actionflow {flow.name} has no input `{unknown[0]}` (its inputs: {known})")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        value = coerce(args.get(name), spec.type, spec.list, f"input `{name}` of actionflow {flow.name}")
        if value is None and spec.required:
            raise BadUserInput(f"input `{name}` of actionflow {flow.name} is required")
        values[name] = value
    return values


def initial_variables(flow: Actionflow) -> dict[str, Any]:
    return {v.name: coerce(v.default, v.type, v.list, f"default of variable `{v.name}`") for v in flow.variables}


def coerce_variable(variable: FlowVariable, value: Any) -> Any:
    return coerce(value, variable.type, variable.list, f"variable `{variable.name}`")


def to_json(value: Any) -> Any:
    """A JSON-safe copy of a flow value (dates as ISO text, decimals as numbers)."""
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if hasattr(value, "obj"):  # psycopg Jsonb wrapper
        return to_json(value.obj)
    return value
