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


def _card_list(inner_filter: object, **inner: object) -> ListComponent:
    nested = {"id": "mine", "name": "Mine", "type": "list", "source": {"table": "tbl_order", "filter": inner_filter}, "item": [
        {"id": "q", "name": "Q", "type": "text", "value": {"ref": "item.quantity"}}]}
    nested.update(inner)
    return _list(item=[{"id": "card", "name": "Card", "type": "container", "children": [
        {"id": "n", "name": "N", "type": "text", "value": {"ref": "item.product_name"}}, nested]}])


def test_a_nested_list_rides_along_as_a_relationship_field(resolved: ResolvedProject) -> None:
    link = {"product_id": {"_eq": {"ref": "item.id"}}}
    query = list_query(_card_list(link, direction="row"), resolved)
    assert query.text("subscription") == (
        "subscription { product(order_by: {id: asc}) { id product_name _list_mine: orders(order_by: {id: asc}) { id quantity } } }"
    )
    assert [(n.list_id, n.alias, n.variable) for n in query.nested] == [("mine", "_list_mine", None)]
    assert query.unavailable == {}


def test_the_rest_of_a_nested_filter_travels_as_a_variable(resolved: ResolvedProject) -> None:
    mine = {"_and": [{"product_id": {"_eq": {"ref": "item.id"}}}, {"quantity": {"_gte": {"ref": "page.min"}}}]}
    query = list_query(_card_list(mine, source={"table": "tbl_order", "filter": mine, "limit": 3}), resolved)
    assert query.text("query") == (
        "query ($list_mine_where: order_bool_exp!) { product(order_by: {id: asc}) { id product_name "
        "_list_mine: orders(where: $list_mine_where, order_by: {id: asc}, limit: 3) { id quantity } } }"
    )
    assert query.variables({"page.min": 2}.get) == {"list_mine_where": {"_and": [{"quantity": {"_gte": 2}}]}}


def test_nested_lists_leave_out_what_the_visitor_may_not_read(resolved: ResolvedProject) -> None:
    link = {"product_id": {"_eq": {"ref": "item.id"}}}
    nobody_reads_orders = list_query(_card_list(link), resolved, lambda table: None if table.name == "order" else frozenset(table.columns))
    assert "orders" not in nobody_reads_orders.text("query") and nobody_reads_orders.nested == ()
    ids_only = list_query(_card_list(link), resolved, lambda table: frozenset({"id"}) if table.name == "order" else frozenset(table.columns))
    assert "_list_mine: orders(order_by: {id: asc}) { id } }" in ids_only.text("query")


@pytest.mark.parametrize(
    ("inner_filter", "reason"),
    [
        ({}, "must link it to the item"),
        ({"account_id": {"_eq": {"ref": "item.id"}}}, "no relation links product.id to order.account_id"),
        ({"product_id": {"_eq": {"ref": "item.id"}}, "quantity": {"_eq": {"ref": "item.stock"}}}, "only the link"),
    ],
)
def test_a_nested_list_without_a_usable_link_says_why(resolved: ResolvedProject, inner_filter: object, reason: str) -> None:
    query = list_query(_card_list(inner_filter), resolved)
    assert "orders" not in query.text("query")
    assert reason in query.unavailable["mine"]
