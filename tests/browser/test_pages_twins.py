"""The browser runtime's twins agree with the server: expressions, conditions, formats, registries.

The JavaScript files are loaded from ``runtime/static`` into a blank page of real
Chromium; every case runs in Python and in JavaScript and the outcomes must match
(numbers compared as numbers: Python keeps decimals where JavaScript has floats).
"""

from __future__ import annotations

import decimal
import json
import math
from typing import Any

import pytest

from builder.display_formats import (
    CURRENCIES,
    LOCALES,
    Display,
    display_for,
    time_zones,
)
from builder.pages import ACTION_TYPES, COMPONENT_TYPES
from runtime.expressions import evaluate, holds, lookup
from runtime.pages.formatting import format_value
from runtime.pages.rendering import SCRIPTS, STATIC
from runtime.pages.search import where_value

SCOPE: dict[str, Any] = {
    "item": {"id": 7, "stock": 2, "price": "129.00", "name": "Sneakers", "tags": ["a", "b"], "owner": {"username": "ann"}, "empty": ""},
    "page": {"q": "shoe", "n": 0, "flag": True, "none": None, "list": [], "obj": {}},
    "global": {"is_logged_in": False, "current_account": None},
    "component": {"quantity_input": {"value": 3}},
}

EXPRESSIONS: list[Any] = [
    5, "text", None, True, [1, {"ref": "item.stock"}],
    {"ref": "item.stock"}, {"ref": "item.owner.username"}, {"ref": "item.tags.1"}, {"ref": "item.tags.9"},
    {"ref": "item.missing.deeper"}, {"ref": "global.current_account.username"}, {"ref": "component.quantity_input.value"},
    {"literal": {"add": [1, 2]}},
    {"concat": ["stock: ", {"ref": "item.stock"}, " ", None, True]},
    {"add": [1, 2, 3]}, {"add": [{"ref": "item.price"}, 1]}, {"sub": [10, {"ref": "item.stock"}]}, {"mul": [2, "1.5"]},
    {"div": [1, 4]}, {"div": [1, 0]}, {"neg": {"ref": "item.stock"}}, {"add": ["abc", 1]}, {"add": [True, 1]},
    {"coalesce": [None, {"ref": "page.none"}, "fallback"]}, {"coalesce": [None]},
    {"not": {"ref": "page.n"}}, {"not": {"ref": "page.list"}}, {"not": {"ref": "page.obj"}}, {"not": {"ref": "item.empty"}},
    {"and": [True, 1, "x"]}, {"and": [True, 0]}, {"or": [0, "", None]}, {"or": [0, [0]]},
    {"eq": [2, "2"]}, {"eq": [2, "2.0"]}, {"eq": [1, True]}, {"eq": ["a", "a"]}, {"eq": [None, None]}, {"eq": [[1, 2], [1, 2]]},
    {"eq": [{"a": 1}, {"a": 1}]}, {"neq": [1, 2]}, {"eq": [1, "abc"]},
    {"gt": [3, 2]}, {"gt": ["b", "a"]}, {"gte": [2, "2"]}, {"lt": [None, 1]}, {"lte": [1, None]}, {"gt": [[1], 2]},
    {"is_null": None}, {"is_null": {"ref": "item.stock"}}, {"to_text": True}, {"to_text": None}, {"to_text": 12},
    {"bogus": [1]}, {"add": 1, "sub": 2},
]

CONDITIONS: list[Any] = [
    None, {},
    {"global.is_logged_in": {"_eq": False}}, {"global.is_logged_in": {"_eq": True}},
    {"item.stock": {"_gt": 0}}, {"item.stock": {"_gte": 3}}, {"item.stock": {"_lt": "10"}}, {"item.stock": {"_lte": {"ref": "item.stock"}}},
    {"item.price": {"_gt": 100}}, {"item.missing": {"_gt": 0}}, {"item.missing": {"_eq": None}}, {"item.missing": {"_neq": None}},
    {"item.missing": {"_is_null": True}}, {"item.stock": {"_is_null": True}}, {"item.stock": {"_is_null": False}},
    {"item.stock": {"_in": [1, 2, 3]}}, {"item.stock": {"_nin": [1, 3]}}, {"item.name": {"_in": "Sneakers"}},
    {"_and": [{"item.stock": {"_gt": 0}}, {"page.flag": {"_eq": True}}]}, {"_and": []}, {"_or": []},
    {"_or": [{"item.stock": {"_gt": 5}}, {"page.q": {"_eq": "shoe"}}]}, {"_not": {"item.stock": {"_gt": 5}}},
    {"component.quantity_input.value": {"_gt": 0, "_lt": 5}}, {"item.stock": {"_like": "2"}}, {"item.name": {"_gt": 1}},
]

VALUES_TO_FORMAT: list[Any] = [
    None, True, False, 0, 7, -3, 1234567, 1.5, 2.0, -0.0, "1234567.891", "129.00", "59.5", "24.999", "-0.004", "0.005",
    "99.995", "000123", "abc", "", "  42 ", "-1234.5", "2024-05-01", "2024-02-30", "2024-05-01T13:45:00Z",
    "2024-05-01T23:30:00-02:00", "2024-05-01T13:45:10.123456+05:30", "2024-05-01 08:05", "not a date", [1, 2],
    "1234", "12345", "-1234567", "0.5", "-0.5", "2.5", "999.5", "-999.49", "1234.5678",
    # around daylight-saving switches (Europe: last Sunday of March / October; US: Mar 10 / Nov 3 2024)
    "2024-03-31T00:59:59Z", "2024-03-31T01:00:00Z", "2024-10-27T00:59:00Z", "2024-10-27T01:00:00Z",
    "2024-03-10T06:59:00Z", "2024-03-10T07:00:00Z", "2024-11-03T05:59:00Z", "2024-11-03T06:00:00Z",
    "2024-12-31T23:30:00Z", "2100-07-01T12:00:00Z", "1999-12-31T23:59:00-12:00",
    "0050-03-04", "0000-01-01", "0001-01-01T00:30:00Z", "9999-12-31T23:30:00-05:00",
]
FORMATS = ["plain", "number", "currency", "date", "datetime"]

# Every locale and currency of the table, and time zones with DST, half and quarter hours, and none.
DISPLAYS: list[Display] = [
    display_for(),
    display_for("EUR", "de-DE", "Europe/Berlin"),
    display_for("EUR", "fr-FR", "Asia/Kathmandu"),
    display_for("EUR", "es-ES", "America/St_Johns"),
    display_for("JPY", "ja-JP", "Asia/Tokyo"),
    display_for("CNY", "zh-CN", "Asia/Shanghai"),
    display_for("BRL", "pt-BR", "America/Sao_Paulo"),
    display_for("GBP", "en-GB", "Europe/London"),
    display_for("KRW", "en-US", "America/New_York"),
    display_for("INR", "en-GB", "Asia/Kolkata"),
    display_for("CAD", "fr-FR", "Australia/Lord_Howe"),
    display_for("AUD", "en-US", "Pacific/Chatham"),
    display_for("USD", "de-DE", "Etc/GMT+5"),
]


def _normal(value: Any) -> Any:
    """Numbers as floats (rounded), containers recursively: what both sides must agree on."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        number = float(value)
        return round(number, 9) if math.isfinite(number) else str(number)
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    return repr(value)


def _python(kind: str, case: Any) -> dict[str, Any]:
    resolve = lambda path: lookup(SCOPE, path)
    try:
        if kind == "evaluate":
            return {"ok": _normal(evaluate(case, resolve))}
        return {"ok": holds(case, resolve)}
    except (ValueError, TypeError, ArithmeticError):
        return {"error": True}


@pytest.fixture(scope="module")
def runtime_page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    for name in SCRIPTS[:-1]:  # everything but the page bootstrap, which needs a rendered page
        page.add_script_tag(content=(STATIC / name).read_text())
    page.add_script_tag(content=(STATIC / "minimomen.js").read_text())
    yield page
    context.close()


JS_RUN = """([kind, cases, scope]) => {
  const E = window.MiniMomen.expressions;
  const resolve = (path) => E.lookup(scope, path);
  return cases.map((c) => {
    try { return {ok: kind === 'evaluate' ? E.evaluate(c, resolve) : E.holds(c, resolve)}; }
    catch (e) { if (e instanceof E.ExpressionError) return {error: true}; return {crash: String(e)}; }
  });
}"""


@pytest.mark.parametrize("kind,cases", [("evaluate", EXPRESSIONS), ("holds", CONDITIONS)])
def test_expression_twins_agree(runtime_page, kind: str, cases: list[Any]) -> None:  # type: ignore[no-untyped-def]
    js = runtime_page.evaluate(JS_RUN, [kind, cases, SCOPE])
    mismatches = []
    for case, js_outcome in zip(cases, js):
        expected = _python(kind, case)
        got = {"ok": _normal(js_outcome["ok"])} if "ok" in js_outcome else js_outcome
        if got != expected:
            mismatches.append(f"{json.dumps(case)}: python {expected} != js {got}")
    assert not mismatches, "\n".join(mismatches)
    assert any("error" in _python(kind, c) for c in cases) or kind == "holds"  # the table covers failures too


JS_FORMAT = """([values, formats, display]) =>
  values.map((v) => formats.map((f) => window.MiniMomen.format.formatValue(v, f, display)))"""


def test_displays_cover_the_table() -> None:
    assert {d.locale.tag for d in DISPLAYS} == set(LOCALES)
    assert {d.currency.code for d in DISPLAYS} == set(CURRENCIES)
    assert all(d.time_zone in time_zones() for d in DISPLAYS)  # none fell back to UTC by a typo


@pytest.mark.parametrize("display", DISPLAYS, ids=lambda d: f"{d.locale.tag}-{d.currency.code}-{d.time_zone}")
def test_format_twins_agree(runtime_page, display: Display) -> None:  # type: ignore[no-untyped-def]
    js = runtime_page.evaluate(JS_FORMAT, [VALUES_TO_FORMAT, FORMATS, display.to_json()])
    mismatches = []
    for value, js_row in zip(VALUES_TO_FORMAT, js):
        for fmt, js_text in zip(FORMATS, js_row):
            if isinstance(value, list):
                continue  # lists print differently (repr vs JSON) and are never bound to text
            py_text = format_value(value, fmt, display)
            if py_text != js_text:
                mismatches.append(f"{value!r} as {fmt}: python {py_text!r} != js {js_text!r}")
    assert not mismatches, "\n".join(mismatches)


def test_format_twins_known_answers(runtime_page) -> None:  # type: ignore[no-untyped-def]
    """A few outputs spelled out, so that both twins being wrong the same way still fails."""
    cases = [
        (display_for(), "1234567.891", "currency", "$1,234,567.89"),
        (display_for(), "2024-05-01T23:30:00-02:00", "datetime", "May 2, 2024, 01:30 UTC"),
        (display_for("EUR", "de-DE", "Europe/Berlin"), "1234.5", "currency", "1.234,50\u00a0€"),
        (display_for("EUR", "de-DE", "Europe/Berlin"), "2024-03-31T01:00:00Z", "datetime", "31.03.2024, 03:00 UTC+2"),
        (display_for("EUR", "de-DE", "Europe/Berlin"), "2024-03-31T00:59:59Z", "datetime", "31.03.2024, 01:59 UTC+1"),
        (display_for("JPY", "ja-JP", "Asia/Tokyo"), "-1234.5", "currency", "-¥1,235"),
        (display_for("EUR", "fr-FR", "Asia/Kathmandu"), "2024-05-01T00:00:00Z", "datetime", "01/05/2024 05:45 UTC+5:45"),
        (display_for("EUR", "es-ES", "America/St_Johns"), "1234", "number", "1234"),
        (display_for("CNY", "zh-CN", "Asia/Shanghai"), "2024-12-31T16:00:00Z", "date", "2025年1月1日"),
        (display_for("BRL", "pt-BR", "America/Sao_Paulo"), "59.5", "currency", "R$\u00a059,50"),
    ]
    for display, value, fmt, expected in cases:
        assert format_value(value, fmt, display) == expected
        assert runtime_page.evaluate(JS_FORMAT, [[value], [fmt], display.to_json()]) == [[expected]]


def test_browser_knows_every_time_zone_python_accepts(runtime_page) -> None:  # type: ignore[no-untyped-def]
    """Each zone a builder may pick exists in Chromium and has the same offsets there (winter and summer)."""
    zones = sorted(time_zones())
    instants = ["2024-01-15T12:00:00Z", "2024-07-15T12:00:00Z"]
    js = runtime_page.evaluate(
        """([zones, instants, base]) => zones.map((zone) => {
          try { return instants.map((v) => window.MiniMomen.format.formatValue(v, 'datetime', {...base, time_zone: zone})); }
          catch (e) { return String(e); }
        })""",
        [zones, instants, display_for().to_json()],
    )
    mismatches = []
    for zone, js_texts in zip(zones, js):
        py_texts = [format_value(v, "datetime", display_for(time_zone=zone)) for v in instants]
        if js_texts != py_texts:
            mismatches.append(f"{zone}: python {py_texts} != js {js_texts}")
    assert not mismatches, "\n".join(mismatches)


def test_page_without_display_prints_plainly(runtime_page) -> None:  # type: ignore[no-untyped-def]
    """The blank page has no #mm-display: formats never guess a convention (the renderer always sends one)."""
    assert runtime_page.evaluate("window.MiniMomen.format.formatValue('1234.5', 'currency')") == "1234.5"


def test_where_value_twins_agree(runtime_page) -> None:  # type: ignore[no-untyped-def]
    condition = {
        "_and": [
            {"product_name": {"_ilike": {"concat": ["%", {"ref": "page.q"}, "%"]}}},
            {"stock": {"_gte": {"ref": "item.stock"}}},
            {"product": {"stock": {"_gt": {"ref": "page.n"}}}},
        ],
        "_not": {"id": {"_in": [1, {"ref": "item.id"}]}},
    }
    resolve = lambda path: lookup(SCOPE, path)
    js = runtime_page.evaluate(
        "([c, scope]) => window.MiniMomen.expressions.whereValue(c, (p) => window.MiniMomen.expressions.lookup(scope, p))",
        [condition, SCOPE],
    )
    assert js == where_value(condition, resolve)
    assert js["_and"][0] == {"product_name": {"_ilike": "%shoe%"}}


SEARCH_FILTERS: list[Any] = [
    {"product_name": {"_contains": "50%_off\\"}},
    {"product_name": {"_starts_with": {"ref": "page.q"}}, "name": {"_ends_with": {"ref": "item.name"}}},
    {"product_name": {"_contains": {"ref": "component.missing.value"}}},  # an empty input: left out
    {"product_name": {"_eq": {"ref": "component.missing.value"}, "_ignore_empty": False}},  # kept as null
    {"product_name": {"_eq": {"ref": "page.none"}}},  # not an input: kept as null
    {"product_name": {"_eq": {"ref": "item.empty"}, "_ignore_empty": True}, "stock": {"_gt": 1}},
    {"_or": [{"product": {"name": {"_contains": {"ref": "component.missing.value"}}}}, {"id": {"_eq": 1}}]},
    # aggregation predicates: kept with their arguments; left out whole when the predicate's value is empty
    {"orders_aggregate": {"count": {"arguments": ["note"], "distinct": True, "filter": {"quantity": {"_gt": {"ref": "page.n"}}},
                                    "predicate": {"_gte": {"ref": "item.stock"}}}}},
    {"orders_aggregate": {"sum": {"arguments": "quantity", "predicate": {"_gt": {"ref": "component.missing.value"}}}}, "id": {"_gt": 0}},
]


@pytest.mark.parametrize("condition", SEARCH_FILTERS)
def test_search_filters_twins_agree(runtime_page, condition: Any) -> None:  # type: ignore[no-untyped-def]
    resolve = lambda path: lookup(SCOPE, path)
    js = runtime_page.evaluate(
        "([c, scope]) => window.MiniMomen.expressions.whereValue(c, (p) => window.MiniMomen.expressions.lookup(scope, p))",
        [condition, SCOPE],
    )
    assert js == where_value(condition, resolve)


def test_search_filters_escape_and_drop_empty() -> None:
    resolve = lambda path: lookup(SCOPE, path)
    assert where_value(SEARCH_FILTERS[0], resolve) == {"product_name": {"_ilike": "%50\\%\\_off\\\\%"}}
    assert where_value(SEARCH_FILTERS[1], resolve) == {"product_name": {"_ilike": "shoe%"}, "name": {"_ilike": "%Sneakers"}}
    assert where_value(SEARCH_FILTERS[2], resolve) == {}
    assert where_value(SEARCH_FILTERS[3], resolve) == {"product_name": {"_eq": None}}
    assert where_value(SEARCH_FILTERS[4], resolve) == {"product_name": {"_eq": None}}
    assert where_value(SEARCH_FILTERS[5], resolve) == {"stock": {"_gt": 1}}
    kept = where_value(SEARCH_FILTERS[7], resolve)["orders_aggregate"]["count"]
    assert kept["arguments"] == ["note"] and kept["distinct"] is True and set(kept) == {"arguments", "distinct", "filter", "predicate"}
    assert where_value(SEARCH_FILTERS[8], resolve) == {"id": {"_gt": 0}}
    assert where_value(SEARCH_FILTERS[6], resolve) == {"_or": [{}, {"id": {"_eq": 1}}]}


def test_browser_registries_match_builder(runtime_page) -> None:  # type: ignore[no-untyped-def]
    components = runtime_page.evaluate("Object.keys(window.MiniMomen.components).sort()")
    actions = runtime_page.evaluate("Object.keys(window.MiniMomen.actions.ACTIONS).sort()")
    assert components == sorted(COMPONENT_TYPES)
    assert actions == sorted(ACTION_TYPES)


def test_bigint_input_parsing(runtime_page) -> None:  # type: ignore[no-untyped-def]
    outcomes = runtime_page.evaluate(
        """(raws) => raws.map((raw) => {
          const field = document.createElement('div');
          field.innerHTML = '<input data-mm-control>';
          field.querySelector('input').value = raw;
          return window.MiniMomen.inputs.readInput(field, {value_type: 'bigint', min: null, max: null});
        })""",
        ["3", " 12 ", "1.5", "abc", "", "-4", "99999999999999999999"],
    )
    assert outcomes[0] == {"value": 3}
    assert outcomes[1] == {"value": 12}
    assert outcomes[2]["error"] == "Enter a whole number."
    assert outcomes[3]["error"] == "Enter a whole number."
    assert outcomes[4] == {"value": None}
    assert outcomes[5] == {"value": -4}
    assert outcomes[6]["error"] == "This number is too large."


RULE_CASES: list[tuple[dict[str, Any], str]] = [
    ({"type": "text_input", "id": "t", "name": "T", "required": True}, ""),
    ({"type": "text_input", "id": "t", "name": "T", "max_length": 5}, "abcdef"),
    ({"type": "text_input", "id": "t", "name": "T", "min_length": 3}, "ab"),
    ({"type": "text_input", "id": "t", "name": "T", "email": True}, "not-an-address"),
    ({"type": "text_input", "id": "t", "name": "T", "email": True}, "ann@example.org"),
    ({"type": "text_input", "id": "t", "name": "T", "pattern": "[A-Z]{3}-\\d+", "pattern_message": "Like ABC-12."}, "abc-12"),
    ({"type": "text_input", "id": "t", "name": "T", "pattern": "[A-Z]{3}-\\d+"}, "ABC-12"),
    ({"type": "number_input", "id": "n", "name": "N", "min": 1, "max": 10}, "11"),
    ({"type": "number_input", "id": "n", "name": "N", "value_type": "decimal", "min": 1}, "0.5"),
    ({"type": "date_input", "id": "d", "name": "D"}, "2026-02-30"),
    ({"type": "date_input", "id": "d", "name": "D", "min": "2026-01-01"}, "2025-12-31"),
    ({"type": "date_input", "id": "d", "name": "D"}, "2026-03-01"),
    ({"type": "select", "id": "s", "name": "S", "options": [{"label": "Open", "value": "open"}]}, "open"),
    ({"type": "select", "id": "s", "name": "S", "value_type": "bigint", "options": [{"label": "One", "value": 1}]}, "1"),
]


@pytest.mark.parametrize(("spec", "raw"), RULE_CASES)
def test_input_rules_twins_agree(runtime_page, spec: dict[str, Any], raw: str) -> None:  # type: ignore[no-untyped-def]
    """The browser's readInput and the server's check_input agree on type and rules (item 9 of issue 11)."""
    from builder.pages import COMPONENT_TYPES as TYPES
    from runtime.pages.input_rules import check_input

    component = TYPES[spec["type"]].model_validate(spec)
    js = runtime_page.evaluate(
        """([spec, raw]) => {
          const field = document.createElement('div');
          const tag = spec.type === 'select' ? 'select' : 'input';
          field.innerHTML = tag === 'select' ? '<select data-mm-control><option value=""></option></select>' : '<input data-mm-control>';
          const control = field.querySelector('[data-mm-control]');
          if (tag === 'select') { const o = document.createElement('option'); o.value = raw; control.append(o); }
          control.value = raw;
          return window.MiniMomen.inputs.readInput(field, spec);
        }""",
        [component.model_dump(mode="json"), raw],
    )
    sent = js.get("value") if not js.get("error") else raw
    typed, problem = check_input(component, sent if sent != "" else None)
    assert (problem is None) == (not js.get("error")), (js, problem)
    if problem:
        assert problem == js["error"]
    else:
        assert typed == js["value"] or str(typed) == str(js["value"])
