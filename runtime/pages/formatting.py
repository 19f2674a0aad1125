"""Display formats of bound text: plain, number, currency, date, datetime, in the app's conventions.

``format_value(value, fmt, display)`` writes a value the way the app's locale,
currency and time zone say (``builder.display_formats``: one table, no
``if locale == ...``). The page runtime has a JavaScript twin
(``runtime/static/mm-format.js``) that receives the same table entries from the
page; both work on the decimal *text* of a number so that first paint and live
updates show the same characters (a browser test runs both on one table of cases).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import zoneinfo
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from builder.display_formats import (
    DEFAULT_DISPLAY,
    DEFAULT_TIME_ZONE,
    Display,
    LocaleFormat,
)

_NUMBER = re.compile(r"^\s*([+-]?)(\d+)(?:\.(\d*))?\s*$")
_TOKEN = re.compile(r"\{([A-Za-z]+)\}")


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


def fill(pattern: str, values: Mapping[str, str]) -> str:
    """``pattern`` with each ``{token}`` replaced in one pass; unknown tokens stay as written."""
    return _TOKEN.sub(lambda m: values.get(m.group(1), m.group(0)), pattern)


# ------------------------------------------------------------------ numbers


def _parts(value: Any) -> tuple[str, str, str] | None:
    """(sign, integer digits, fraction digits) of a number or numeric text."""
    if isinstance(value, bool) or value is None:
        return None
    match = _NUMBER.match(plain_text(value))
    if not match:
        return None
    sign, whole, fraction = match.group(1), match.group(2).lstrip("0") or "0", match.group(3) or ""
    return ("-" if sign == "-" else ""), whole, fraction


def _group(whole: str, locale: LocaleFormat) -> str:
    if len(whole) < 3 + locale.min_grouping:
        return whole
    head = len(whole) % 3 or 3
    groups = [whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)]
    return locale.group.join(groups)


def _round(whole: str, fraction: str, digits: int) -> tuple[str, str]:
    """Round half away from zero to ``digits`` fraction digits, on the digits themselves."""
    kept = whole + (fraction + "0" * digits)[:digits]
    if len(fraction) > digits and fraction[digits] >= "5":
        kept = str(int(kept) + 1).rjust(len(kept), "0")
    cut = len(kept) - digits
    return kept[:cut].lstrip("0") or "0", kept[cut:]


def _number_text(whole: str, fraction: str, locale: LocaleFormat) -> str:
    return _group(whole, locale) + (f"{locale.decimal}{fraction}" if fraction else "")


def format_number(value: Any, display: Display = DEFAULT_DISPLAY) -> str:
    """Every digit given, grouped, with the locale's separators."""
    parts = _parts(value)
    if parts is None:
        return plain_text(value)
    sign, whole, fraction = parts
    if int(whole) == 0 and not fraction.strip("0"):
        sign = ""
    return sign + _number_text(whole, fraction, display.locale)


def format_currency(value: Any, display: Display = DEFAULT_DISPLAY) -> str:
    """An amount rounded to the currency's minor digits (JPY: none), placed as the locale places it."""
    parts = _parts(value)
    if parts is None:
        return plain_text(value)
    sign, whole, fraction = parts
    whole, minor = _round(whole, fraction, display.currency.digits)
    if int(whole) == 0 and not minor.strip("0"):
        sign = ""
    number = _number_text(whole, minor, display.locale)
    return fill(display.locale.currency, {"sign": sign, "symbol": display.currency.symbol, "number": number})


# ------------------------------------------------------------------ dates


@lru_cache(maxsize=64)
def _zone(name: str) -> dt.tzinfo:
    # UTC needs no tz database, so the default works even where none is installed.
    return dt.UTC if name == DEFAULT_TIME_ZONE else zoneinfo.ZoneInfo(name)


def _moment(value: Any, display: Display) -> dt.datetime | dt.date | None:
    """A calendar date as is, or a moment in the display time zone (no offset given: UTC)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        return value
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            moment = dt.datetime.fromisoformat(text)  # 3.11 reads "Z" and most ISO 8601 forms
        except ValueError:
            return None
    else:
        return None
    try:
        return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(_zone(display.time_zone))
    except OverflowError:  # the local time falls outside years 1..9999
        return None


def _zone_label(offset: dt.timedelta | None) -> str:
    """``UTC``, ``UTC+2``, ``UTC-3:30``: whole minutes of the offset, toward zero."""
    seconds = int(offset.total_seconds()) if offset else 0
    hours, minutes = divmod(abs(seconds) // 60, 60)
    if hours == minutes == 0:
        return "UTC"
    return f"UTC{'-' if seconds < 0 else '+'}{hours}" + (f":{minutes:02d}" if minutes else "")


def _date_text(day: dt.date, locale: LocaleFormat) -> str:
    return fill(locale.date, {
        "d": str(day.day), "dd": f"{day.day:02d}",
        "M": str(day.month), "MM": f"{day.month:02d}", "MMM": locale.months[day.month - 1],
        "yyyy": str(day.year),
    })


def format_date(value: Any, display: Display = DEFAULT_DISPLAY) -> str:
    """The day (in the display time zone for a moment) in the locale's date order."""
    moment = _moment(value, display)
    if moment is None:
        return plain_text(value)
    return _date_text(moment, display.locale)


def format_datetime(value: Any, display: Display = DEFAULT_DISPLAY) -> str:
    """Day and 24-hour time in the display time zone, with the offset in effect (``UTC+2``)."""
    moment = _moment(value, display)
    if moment is None:
        return plain_text(value)
    if not isinstance(moment, dt.datetime):
        return _date_text(moment, display.locale)
    return fill(display.locale.datetime, {
        "date": _date_text(moment, display.locale),
        "HH": f"{moment.hour:02d}", "mm": f"{moment.minute:02d}",
        "zone": _zone_label(moment.utcoffset()),
    })


def _plain(value: Any, display: Display = DEFAULT_DISPLAY) -> str:
    return plain_text(value)


FORMATS: dict[str, Callable[[Any, Display], str]] = {
    "plain": _plain,
    "number": format_number,
    "currency": format_currency,
    "date": format_date,
    "datetime": format_datetime,
}


def format_value(value: Any, fmt: str = "plain", display: Display = DEFAULT_DISPLAY) -> str:
    """``value`` as display text in format ``fmt`` (unknown formats print plainly) for the app's ``display``."""
    return FORMATS.get(fmt, _plain)(value, display)
