"""List operations: one text for first paint and subscription, fields from the item bindings."""

from __future__ import annotations

import json

import pytest

from builder.definition import Definition
from builder.pages import ListComponent
from builder.resolved import ResolvedProject, resolve
from runtime.pages.queries import QueryBuildError, list_query, where_value
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def resolved() -> ResolvedProject:
    return resolve(Definition.model_validate(json.loads((SAMPLES / "inventory_deduction" / "app.json").read_text())))


def _list(**fields: object) -> ListComponent:
    base = {"id": "l", "name": "L", "type": "list", "source": {"table": "tbl_product"}, "item": []}
    base.update(fields)
    return ListComponent.model_validate(base)


def test_sample_list_query(resolved: ResolvedProject) -> None:
    page = resolved.page_by_path("")
    assert page is not None
    product_list = next(c for c in page.components if c.id == "product_list")
    query = list_query(product_list, resolved)
    assert query.text("subscription") == "subscription { product(order_by: {id: asc}) { id price product_name stock } }"
    assert query.text("query") == "query { product(order_by: {id: asc}) { id price product_name stock } }"
    assert query.variables(lambda path: None) == {}


def test_filter_becomes_a_where_variable_and_relations_nest(resolved: ResolvedProject) -> None:
    component = _list(
        source={
            "table": "tbl_order",
            "request": "subscription",
            "filter": {"account_id": {"_eq": {"ref": "global.current_account.id"}}, "product": {"stock": {"_gt": 0}}},
            "order_by": [{"field": "created_at", "direction": "desc"}, {"field": "id", "direction": "asc"}],
            "limit": 20,
        },
        item=[
            {"id": "t1", "name": "T", "type": "text", "value": {"ref": "item.product.product_name"}},
            {"id": "c1", "name": "C", "type": "conditional_view", "branches": [
                {"id": "b1", "condition": {"item.quantity": {"_gt": 1}}, "children": []}]},
            {"id": "inner", "name": "Inner", "type": "list", "source": {"table": "tbl_product"}, "item": [
                {"id": "t2", "name": "T2", "type": "text", "value": {"ref": "item.stock"}}]},
        ],
    )
    query = list_query(component, resolved)
    assert query.text("query") == (
        'query ($where: order_bool_exp!) { order(where: $where, order_by: [{created_at: desc}, {id: asc}], limit: 20) '
        "{ id product { id product_name } quantity } }"
    )
    variables = query.variables(lambda path: {"global.current_account.id": 5}.get(path))
    assert variables == {"where": {"account_id": {"_eq": 5}, "product": {"stock": {"_gt": 0}}}}


def test_where_value_keeps_shape_and_evaluates_operands() -> None:
    condition = {"_or": [{"stock": {"_gte": {"add": [{"ref": "page.min"}, 1]}}}, {"_not": {"product_name": {"_ilike": "%x%"}}}]}
    assert where_value(condition, lambda path: 2) == {"_or": [{"stock": {"_gte": 3}}, {"_not": {"product_name": {"_ilike": "%x%"}}}]}


def test_unknown_table_is_a_clear_error(resolved: ResolvedProject) -> None:
    with pytest.raises(QueryBuildError, match="does not exist"):
        list_query(_list(source={"table": "tbl_nope"}), resolved)
