"""Display formats of bound text: plain, number, currency, date, datetime.

The page runtime has a JavaScript twin (``runtime/static/mm-format.js``); both
work on the decimal *text* of a number so that first paint and live updates
show the same characters (a test runs both on one table of cases).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Callable
from typing import Any

_NUMBER = re.compile(r"^\s*([+-]?)(\d+)(?:\.(\d*))?\s*$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def plain_text(value: Any) -> str:
    """The text of a value as a visitor sees it; floats print like JavaScript prints them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _parts(value: Any) -> tuple[str, str, str] | None:
    """(sign, integer digits, fraction digits) of a number or numeric text."""
    if isinstance(value, bool) or value is None:
        return None
    match = _NUMBER.match(plain_text(value))
    if not match:
        return None
    sign, whole, fraction = match.group(1), match.group(2).lstrip("0") or "0", match.group(3) or ""
    return ("-" if sign == "-" else ""), whole, fraction


def _group(whole: str) -> str:
    head = len(whole) % 3 or 3
    groups = [whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)]
    return ",".join(groups)


def _round2(whole: str, fraction: str) -> tuple[str, str]:
    """Round half away from zero to two fraction digits, on the digits themselves."""
    digits = whole + (fraction + "00")[:2]
    if len(fraction) > 2 and fraction[2] >= "5":
        digits = str(int(digits) + 1).rjust(len(digits), "0")
    return digits[:-2].lstrip("0") or "0", digits[-2:]


def format_number(value: Any) -> str:
    parts = _parts(value)
    if parts is None:
        return plain_text(value)
    sign, whole, fraction = parts
    if int(whole) == 0 and not fraction.strip("0"):
        sign = ""
    return f"{sign}{_group(whole)}" + (f".{fraction}" if fraction else "")


def format_currency(value: Any) -> str:
    parts = _parts(value)
    if parts is None:
        return plain_text(value)
    sign, whole, fraction = parts
    whole, cents = _round2(whole, fraction)
    if int(whole) == 0 and cents == "00":
        sign = ""
    return f"{sign}${_group(whole)}.{cents}"


def _moment(value: Any) -> dt.datetime | dt.date | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text)  # 3.11 reads "Z" and most ISO 8601 forms
    except ValueError:
        return None
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment


def format_date(value: Any) -> str:
    moment = _moment(value)
    if moment is None:
        return plain_text(value)
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def format_datetime(value: Any) -> str:
    moment = _moment(value)
    if moment is None:
        return plain_text(value)
    if not isinstance(moment, dt.datetime):
        return format_date(moment)
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year}, {moment.hour:02d}:{moment.minute:02d} UTC"


FORMATS: dict[str, Callable[[Any], str]] = {
    "plain": plain_text,
    "number": format_number,
    "currency": format_currency,
    "date": format_date,
    "datetime": format_datetime,
}


def format_value(value: Any, fmt: str = "plain") -> str:
    """``value`` as display text in format ``fmt`` (unknown formats print plainly)."""
    return FORMATS.get(fmt, plain_text)(value)
