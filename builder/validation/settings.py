"""Checks of the app's settings: currency, locale and time zone must be ones the pages can show.

The home page is checked with the pages (``builder.validation.pages``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

from builder.definition import Definition
from builder.display_formats import CURRENCIES, LOCALES, time_zones
from builder.validation.catalog import Catalog
from builder.validation.report import Issue


def _folded(text: str) -> str:
    return text.casefold().replace("_", "-").strip()


def close_choice(value: str, choices: Collection[str]) -> str:
    """`` Did you mean `de-DE`?`` for a near spelling, ignoring case and ``_``/``-``; else ``""``."""
    by_folded = {_folded(choice): choice for choice in choices}
    close = difflib.get_close_matches(_folded(value), list(by_folded), n=1, cutoff=0.6)
    return f" Did you mean `{by_folded[close[0]]}`?" if close else ""


@dataclass(frozen=True)
class SettingChoice:
    """A setting whose value must be one of a known set."""

    key: str  # the field of ``Settings``
    choices: Callable[[], Collection[str]]
    unknown: Callable[[str, Collection[str]], str]  # (value, choices) -> the sentence, ending with a period


def _currency(value: str, choices: Collection[str]) -> str:
    return f"currency `{value}` is not a supported ISO 4217 code; choose one of {', '.join(choices)}.{close_choice(value, choices)}"


def _locale(value: str, choices: Collection[str]) -> str:
    return f"locale `{value}` is not supported; choose one of {', '.join(choices)}.{close_choice(value, choices)}"


def _time_zone(value: str, choices: Collection[str]) -> str:
    return f"time zone `{value}` is not an IANA time zone name such as `Europe/Berlin`, `America/New_York` or `UTC`.{close_choice(value, choices)}"


SETTING_CHOICES: tuple[SettingChoice, ...] = (
    SettingChoice("currency", lambda: tuple(CURRENCIES), _currency),
    SettingChoice("locale", lambda: tuple(LOCALES), _locale),
    SettingChoice("time_zone", lambda: sorted(time_zones()), _time_zone),
)


def check_settings(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    """Every display setting that names something the pages cannot show."""
    settings = definition.settings
    for choice in SETTING_CHOICES:
        value = getattr(settings, choice.key)
        choices = choice.choices()
        if value not in choices:
            yield Issue(("settings", choice.key), choice.unknown(value, choices))
