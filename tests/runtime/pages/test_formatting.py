"""Display formats on the server: locales, currencies (0-decimal JPY), negatives, rounding, time zones.

The browser twin is held to the same outputs by tests/browser/test_pages_twins.py.
"""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from builder.display_formats import (
    CURRENCIES,
    DEFAULT_DISPLAY,
    LOCALES,
    NBSP,
    NNBSP,
    display_for,
    display_options,
    time_zones,
)
from runtime.pages.formatting import fill, format_value

US = display_for()
DE = display_for("EUR", "de-DE", "Europe/Berlin")
FR = display_for("EUR", "fr-FR", "Europe/Paris")
ES = display_for("EUR", "es-ES", "Europe/Madrid")
JP = display_for("JPY", "ja-JP", "Asia/Tokyo")
CN = display_for("CNY", "zh-CN", "Asia/Shanghai")
BR = display_for("BRL", "pt-BR", "America/Sao_Paulo")
GB = display_for("GBP", "en-GB", "Europe/London")


@pytest.mark.parametrize(
    "display,value,expected",
    [
        (US, "1234.5", "$1,234.50"),
        (US, "-1234.5", "-$1,234.50"),
        (DE, "1234.5", f"1.234,50{NBSP}€"),
        (DE, "-1234567.891", f"-1.234.567,89{NBSP}€"),
        (FR, "1234.5", f"1{NNBSP}234,50{NBSP}€"),
        (ES, "1234.5", f"1234,50{NBSP}€"),  # Spanish groups from five digits on
        (ES, "12345.5", f"12.345,50{NBSP}€"),
        (GB, "0.1", "£0.10"),
        (CN, "1234.5", "¥1,234.50"),
        (BR, "59.5", f"R${NBSP}59,50"),
        (BR, "-59.5", f"-R${NBSP}59,50"),
        (JP, "1234.5", "¥1,235"),  # yen have no minor unit: rounded to whole yen
        (JP, "1234.49", "¥1,234"),
        (JP, "-0.5", "-¥1"),
        (JP, "-0.4", "¥0"),  # rounds to zero: no minus sign
        (display_for("KRW", "de-DE"), "1000000", f"1.000.000{NBSP}₩"),
    ],
)
def test_currency_by_locale_and_currency(display, value: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert format_value(value, "currency", display) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("24.995", "$25.00"),  # half away from zero, on the decimal digits (a float would give 24.99)
        ("-24.995", "-$25.00"),
        ("999.995", "$1,000.00"),  # the carry reaches a new group
        ("0.005", "$0.01"),
        ("-0.004", "$0.00"),
        ("000123", "$123.00"),
        (decimal.Decimal("19.999"), "$20.00"),
        (7, "$7.00"),
        (2.5, "$2.50"),
        ("abc", "abc"),  # not a number: shown as it is
        (None, ""),
    ],
)
def test_currency_rounding_and_inputs(value: object, expected: str) -> None:
    assert format_value(value, "currency", US) == expected


def test_numbers_keep_their_digits_with_the_locale_separators() -> None:
    assert format_value("-1234567.891", "number", US) == "-1,234,567.891"
    assert format_value("-1234567.891", "number", DE) == "-1.234.567,891"
    assert format_value("1234567.5", "number", FR) == f"1{NNBSP}234{NNBSP}567,5"
    assert format_value("1234", "number", ES) == "1234"
    assert format_value("-0.000", "number", DE) == "0,000"
    assert format_value(1.5, "number", DE) == "1,5"


def test_dates_follow_the_locale_order() -> None:
    day = "2024-05-01"
    assert [format_value(day, "date", d) for d in (US, GB, DE, FR, JP, CN, BR)] == [
        "May 1, 2024", "1 May 2024", "01.05.2024", "01/05/2024", "2024/05/01", "2024年5月1日", "01/05/2024",
    ]
    assert format_value(dt.date(2024, 5, 1), "datetime", DE) == "01.05.2024"  # a calendar date has no time zone


def test_moments_are_shown_in_the_app_time_zone() -> None:
    assert format_value("2024-05-01T23:30:00-02:00", "datetime", US) == "May 2, 2024, 01:30 UTC"
    assert format_value("2024-05-01T23:30:00Z", "datetime", DE) == "02.05.2024, 01:30 UTC+2"
    assert format_value("2024-01-15T23:30:00Z", "datetime", DE) == "16.01.2024, 00:30 UTC+1"  # winter time
    assert format_value("2024-12-31T16:00:00Z", "date", CN) == "2025年1月1日"  # the local day
    assert format_value("2024-12-31T16:00:00Z", "date", US) == "Dec 31, 2024"
    assert format_value("2024-07-01T12:00:00Z", "datetime", BR) == "01/07/2024 09:00 UTC-3"
    assert format_value("2024-07-01T12:00:00Z", "datetime", display_for(time_zone="Asia/Kolkata")) == "Jul 1, 2024, 17:30 UTC+5:30"
    aware = dt.datetime(2024, 7, 1, 12, 0, tzinfo=dt.UTC)
    assert format_value(aware, "datetime", JP) == "2024/07/01 21:00 UTC+9"
    assert format_value("2024-05-01 08:05", "datetime", DE) == "01.05.2024, 10:05 UTC+2"  # no offset given: UTC


def test_daylight_saving_switch() -> None:
    # Berlin springs forward at 01:00 UTC on 31 March 2024: 01:59:59 CET, then 03:00 CEST.
    assert format_value("2024-03-31T00:59:59Z", "datetime", DE) == "31.03.2024, 01:59 UTC+1"
    assert format_value("2024-03-31T01:00:00Z", "datetime", DE) == "31.03.2024, 03:00 UTC+2"


def test_values_that_are_not_dates_or_out_of_range_show_plainly() -> None:
    assert format_value("not a date", "date", DE) == "not a date"
    assert format_value("2024-02-30", "date", DE) == "2024-02-30"
    ny = display_for(time_zone="America/New_York")
    assert format_value("0001-01-01T00:30:00Z", "datetime", ny) == "0001-01-01T00:30:00Z"  # before year 1 in New York


def test_unknown_settings_fall_back_to_the_defaults() -> None:
    """Validation refuses them; a page rendered anyway shows the defaults instead of failing."""
    fallback = display_for("XXX", "xx-XX", "Mars/Olympus")
    assert fallback == DEFAULT_DISPLAY
    assert format_value("1234.5", "currency", fallback) == "$1,234.50"


def test_unknown_format_and_unknown_pattern_tokens() -> None:
    assert format_value("1234.5", "percent", DE) == "1234.5"
    assert fill("{sign}{nope}{number}", {"sign": "-", "number": "1"}) == "-{nope}1"
    assert fill("{number}", {"number": "{sign}"}) == "{sign}"  # one pass: a value is never read as a pattern


def test_the_table_and_the_designer_choices_agree() -> None:
    options = display_options()
    assert [o["value"] for o in options["locales"]] == list(LOCALES)
    assert [o["value"] for o in options["currencies"]] == list(CURRENCIES)
    assert {"en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "ja-JP", "zh-CN", "pt-BR"} <= set(LOCALES)
    assert CURRENCIES["JPY"].digits == 0 and CURRENCIES["EUR"].digits == 2
    assert "UTC" in time_zones() and "Europe/Berlin" in time_zones() and "localtime" not in time_zones()
    assert options["time_zones"] == sorted(time_zones())
    assert all(len(loc.months) == 12 for loc in LOCALES.values())
