"""The supported display conventions: locales, currencies and time zones of an app.

One table, read by everyone: validation (``builder.validation.settings``), the
designer's pickers (``/api/registry``), the server's formatting
(``runtime.pages.formatting``) and, through the JSON the page renderer embeds,
the browser's twin (``runtime/static/mm-format.js``). Neither side keeps its own
copy, so the first paint and live updates cannot drift apart.

Patterns are plain text with ``{token}`` placeholders, substituted from a fixed
set of tokens (never evaluated):

- currency: ``{sign}`` (``-`` or nothing), ``{symbol}``, ``{number}``;
- date: ``{d}``/``{dd}`` day, ``{M}``/``{MM}``/``{MMM}`` month (number, padded
  number, short name), ``{yyyy}`` year;
- datetime: ``{date}`` (the date pattern), ``{HH}``, ``{mm}``, ``{zone}``
  (``UTC``, ``UTC+2``, ``UTC-3:30``: the offset in effect at that moment).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

DEFAULT_CURRENCY = "USD"
DEFAULT_LOCALE = "en-US"
DEFAULT_TIME_ZONE = "UTC"

NBSP = "\u00a0"  # keeps an amount and its symbol on one line
NNBSP = "\u202f"  # French digit grouping

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class LocaleFormat:
    """How one locale writes numbers, amounts and dates."""

    tag: str  # BCP 47, e.g. "de-DE"
    name: str  # shown in the designer
    decimal: str
    group: str
    min_grouping: int  # digits a number needs beyond the first group before it is grouped (es-ES: 2, so 1234 stays 1234)
    currency: str  # pattern
    date: str  # pattern
    datetime: str  # pattern
    months: tuple[str, ...] = _EN_MONTHS  # for {MMM}

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "months": list(self.months)}


@dataclass(frozen=True)
class Currency:
    """An ISO 4217 currency: its symbol and how many minor digits amounts show."""

    code: str
    name: str
    symbol: str
    digits: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _registry(*items: Any, key: str) -> Mapping[str, Any]:
    return MappingProxyType({getattr(item, key): item for item in items})


LOCALES: Mapping[str, LocaleFormat] = _registry(
    LocaleFormat("en-US", "English (United States)", ".", ",", 1, "{sign}{symbol}{number}", "{MMM} {d}, {yyyy}", "{date}, {HH}:{mm} {zone}"),
    LocaleFormat("en-GB", "English (United Kingdom)", ".", ",", 1, "{sign}{symbol}{number}", "{d} {MMM} {yyyy}", "{date}, {HH}:{mm} {zone}"),
    LocaleFormat("de-DE", "Deutsch (Deutschland)", ",", ".", 1, f"{{sign}}{{number}}{NBSP}{{symbol}}", "{dd}.{MM}.{yyyy}", "{date}, {HH}:{mm} {zone}"),
    LocaleFormat("fr-FR", "Français (France)", ",", NNBSP, 1, f"{{sign}}{{number}}{NBSP}{{symbol}}", "{dd}/{MM}/{yyyy}", "{date} {HH}:{mm} {zone}"),
    LocaleFormat("es-ES", "Español (España)", ",", ".", 2, f"{{sign}}{{number}}{NBSP}{{symbol}}", "{dd}/{MM}/{yyyy}", "{date}, {HH}:{mm} {zone}"),
    LocaleFormat("ja-JP", "日本語 (日本)", ".", ",", 1, "{sign}{symbol}{number}", "{yyyy}/{MM}/{dd}", "{date} {HH}:{mm} {zone}"),
    LocaleFormat("zh-CN", "中文 (中国)", ".", ",", 1, "{sign}{symbol}{number}", "{yyyy}年{M}月{d}日", "{date} {HH}:{mm} {zone}"),
    LocaleFormat("pt-BR", "Português (Brasil)", ",", ".", 1, f"{{sign}}{{symbol}}{NBSP}{{number}}", "{dd}/{MM}/{yyyy}", "{date} {HH}:{mm} {zone}"),
    key="tag",
)

CURRENCIES: Mapping[str, Currency] = _registry(
    Currency("USD", "US dollar", "$", 2),
    Currency("EUR", "Euro", "€", 2),
    Currency("GBP", "Pound sterling", "£", 2),
    Currency("JPY", "Japanese yen", "¥", 0),
    Currency("CNY", "Chinese yuan", "¥", 2),
    Currency("BRL", "Brazilian real", "R$", 2),
    Currency("INR", "Indian rupee", "₹", 2),
    Currency("KRW", "South Korean won", "₩", 0),
    Currency("CAD", "Canadian dollar", "CA$", 2),
    Currency("AUD", "Australian dollar", "A$", 2),
    key="code",
)


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    """IANA names an app may pick: ``UTC`` and every ``Area/Location`` (``Europe/Berlin``, ``Etc/GMT+5`` ...).

    Bare legacy aliases (``EST5EDT``, ``Japan``) and machine-dependent entries
    (``localtime``, ``Factory``) are left out: browsers disagree on them.
    """
    return frozenset({DEFAULT_TIME_ZONE, *(name for name in zoneinfo.available_timezones() if "/" in name)})


@dataclass(frozen=True)
class Display:
    """The conventions one app displays with; unknown values fall back to the defaults."""

    locale: LocaleFormat
    currency: Currency
    time_zone: str

    def to_json(self) -> dict[str, Any]:
        """What the browser runtime formats with: the same table entries the server uses."""
        return {"locale": self.locale.to_json(), "currency": self.currency.to_json(), "time_zone": self.time_zone}


def display_for(currency: str = DEFAULT_CURRENCY, locale: str = DEFAULT_LOCALE, time_zone: str = DEFAULT_TIME_ZONE) -> Display:
    """The display of an app's settings; a value validation would refuse shows with the default instead of failing the page."""
    return Display(
        locale=LOCALES.get(locale, LOCALES[DEFAULT_LOCALE]),
        currency=CURRENCIES.get(currency, CURRENCIES[DEFAULT_CURRENCY]),
        time_zone=time_zone if time_zone in time_zones() else DEFAULT_TIME_ZONE,
    )


DEFAULT_DISPLAY = display_for()


def display_options() -> dict[str, Any]:
    """The designer's choices: locales and currencies with labels, and the time zone names."""
    return {
        "locales": [{"value": tag, "label": f"{loc.name} — {tag}"} for tag, loc in LOCALES.items()],
        "currencies": [{"value": code, "label": f"{code} — {c.name} ({c.symbol})", "digits": c.digits} for code, c in CURRENCIES.items()],
        "time_zones": sorted(time_zones()),
        "defaults": {"currency": DEFAULT_CURRENCY, "locale": DEFAULT_LOCALE, "time_zone": DEFAULT_TIME_ZONE},
    }
