"""Validation warns when a page's list reads (through a filter or sort) what the page's audience may not read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from builder.errors import Problem
from builder.validation import validate

SAMPLE = Path(__file__).resolve().parents[2] / "projects" / "inventory_deduction" / "app.json"
SOURCE = "pages[0].components[1].source"


def sample(source_filter: dict[str, Any], access: dict[str, Any] | None = None) -> dict[str, Any]:
    """The sample shop (anonymous may read product, only users read order) with a filter on its product list."""
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["pages"][0]["components"][1]["source"]["filter"] = source_filter
    if access is not None:
        data["pages"][0]["access"] = access
    return data


def warnings(data: dict[str, Any]) -> dict[str, list[Problem]]:
    found: dict[str, list[Problem]] = {}
    for problem in validate(data).problems:
        assert problem.severity == "warning", problem
        found.setdefault(problem.path, []).append(problem)
    return found


def test_a_total_over_a_table_anonymous_may_not_read_is_a_warning_on_the_list() -> None:
    data = sample({"orders_aggregate": {"count": {"predicate": {"_gt": 0}}}})
    found = warnings(data)
    assert list(found) == [f"{SOURCE}.filter.orders_aggregate"]
    (problem,) = found[f"{SOURCE}.filter.orders_aggregate"]
    assert "visitors who are not logged in (role anonymous) may not read table order" in problem.message
    assert "grant role anonymous select on order" in problem.message
    assert "page access" in problem.message
    assert validate(data).ok  # a warning: the app still publishes


def test_a_relationship_filter_is_checked_for_the_page_audience() -> None:
    through = {"orders": {"quantity": {"_gt": 1}}}
    assert f"{SOURCE}.filter.orders" in warnings(sample(through))
    assert warnings(sample(through, {"allow": "logged_in"})) == {}  # role user may read its orders
    # once per table: the field below the relationship is not reported again
    assert len(warnings(sample({"_and": [through]}))) == 1


def test_roles_totals_and_fields_are_named() -> None:
    data = sample({"orders_aggregate": {"count": {"predicate": {"_gt": 0}}}}, {"allow": "roles", "roles": ["staff"]})
    data["roles"] = [{"id": "role_staff", "name": "staff"}]
    data["permissions"]["tables"][2]["select"]["aggregate"] = False  # user's orders without totals
    (problem,) = warnings(data)[f"{SOURCE}.filter.orders_aggregate"]
    assert "accounts with role staff may read table order but not its totals" in problem.message
    assert "turn on totals in role staff's select rule on order" in problem.message
    hidden = sample({"stock": {"_gt": 0}}, {"allow": "logged_in"})
    hidden["permissions"]["tables"][1]["select"]["columns"] = ["id", "product_name", "price"]
    (problem,) = warnings(hidden)[f"{SOURCE}.filter.stock"]
    assert "logged-in users (role user) may not read field `stock` of table product" in problem.message


def test_a_branch_for_logged_in_visitors_is_not_read_by_anonymous() -> None:
    data = sample({})
    page = data["pages"][0]
    product_list = page["components"].pop(1)
    product_list["source"]["filter"] = {"orders_aggregate": {"count": {"predicate": {"_gt": 0}}}}
    page["components"].append({"id": "members", "name": "Members", "type": "conditional_view", "branches": [
        {"id": "in", "condition": {"global.is_logged_in": {"_eq": True}}, "children": [product_list]},
    ]})
    assert warnings(data) == {}
    page["components"][-1]["branches"][0]["condition"] = None
    assert list(warnings(data)) == ["pages[0].components[1].branches[0].children[0].source.filter.orders_aggregate"]
