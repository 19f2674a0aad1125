"""The server's check of input values a row write reads: value type and rules, as in the browser.

``runtime/static/mm-inputs.js`` checks the same before an action runs; a request
sent by hand skips the browser, so ``runtime.pages.writes`` checks every
``component.<id>.value`` it is given here before writing anything.
``check_input(component, value)`` returns ``(typed value, None)`` or ``(None, message)``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any

from builder.page_inputs import value_type_of

EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
BIGINT_MAX = 9223372036854775807
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _typed(value: Any, value_type: str) -> tuple[Any, str | None]:
    """``value`` as ``value_type`` (JSON from the browser), or why it is not one."""
    if value_type == "text":
        return (value, None) if isinstance(value, str) else (None, "Enter text.")
    if value_type == "bigint":
        if isinstance(value, bool):
            return None, "Enter a whole number."
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            value = int(value)
        if not isinstance(value, int):
            return None, "Enter a whole number."
        return (value, None) if -BIGINT_MAX - 1 <= value <= BIGINT_MAX else (None, "This number is too large.")
    if value_type == "decimal":
        try:
            number = decimal.Decimal(str(value)) if not isinstance(value, bool) else None
        except decimal.InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            return None, "Enter a number."
        return str(number), None
    if value_type == "boolean":
        return (value, None) if isinstance(value, bool) else (None, "Choose yes or no.")
    if value_type == "date":
        try:
            if not isinstance(value, str) or not _DATE.match(value):
                raise ValueError(value)
            return dt.date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, "Enter a valid date."
    if value_type == "timestamptz":
        try:
            moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None, "Enter a valid date and time."
        if moment.tzinfo is None:
            return None, "Enter a valid date and time."
        return moment.isoformat(), None
    return value, None  # jsonb: any JSON


def _rules(component: Any, value: Any, value_type: str) -> str | None:
    minimum, maximum = getattr(component, "min", None), getattr(component, "max", None)
    if value_type in ("bigint", "decimal"):
        number = decimal.Decimal(str(value))
        if minimum is not None and number < decimal.Decimal(str(minimum)):
            return f"Enter a number of at least {_plain(minimum)}."
        if maximum is not None and number > decimal.Decimal(str(maximum)):
            return f"Enter a number of at most {_plain(maximum)}."
    if value_type == "date":
        if minimum is not None and value < minimum:
            return f"Enter a date on or after {minimum}."
        if maximum is not None and value > maximum:
            return f"Enter a date on or before {maximum}."
    if value_type == "text" and isinstance(value, str):
        length = len(value)
        min_length, max_length = getattr(component, "min_length", None), getattr(component, "max_length", None)
        if min_length is not None and length < min_length:
            return f"Enter at least {min_length} characters."
        if max_length is not None and length > max_length:
            return f"Enter at most {max_length} characters."
        if getattr(component, "email", False) and not EMAIL.match(value):
            return "Enter an e-mail address."
        pattern = getattr(component, "pattern", None)
        if pattern:
            try:
                matched = re.fullmatch(pattern, value) is not None
            except re.error:
                matched = True  # the validator reports a broken pattern; it does not block visitors
            if not matched:
                return component.pattern_message or "This value does not have the expected form."
    return None


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def check_input(component: Any, value: Any) -> tuple[Any, str | None]:
    """The value an input sent, typed and checked against its rules; or the message to show at it."""
    if component.type == "checkbox":
        return (value, None) if isinstance(value, bool) else (None, "Choose yes or no.")
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return (None, "This field is required.") if component.required else (None, None)
    value_type = value_type_of(component)
    typed, problem = _typed(value, value_type)
    if problem:
        return None, problem
    if component.type == "select" and component.options_source is None:
        allowed = {str(o.value) for o in component.options}
        if str(typed) not in allowed:
            return None, "Choose one of the options."
    problem = _rules(component, typed, value_type)
    return (None, problem) if problem else (typed, None)
