"""Aggregation predicates in ``where`` (``orders_aggregate: {count: {..., predicate}}``) on real PostgreSQL.

Each case is checked against the seed counted by hand: product 1 has orders of
quantity 2 (alice) and 1 (bob), product 2 one of 4 (bob), product 3 one of 1 (alice),
product 4 none. The role's row rule on the related table applies inside the
aggregate, so a count never reveals rows the caller may not read.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from websockets.sync.client import connect

from builder.loader import load_definition
from builder.resolved import resolve
from runtime.data.filters import FilterCompiler
from runtime.data.sql import Params
from runtime.permissions import Grants
from runtime.types import BadUserInput, Session
from tests.runtime.graphql.conftest import PROJECT, Shop

CASES = [
    ({"count": {"predicate": {"_gt": 1}}}, [1]),
    ({"count": {"predicate": {"_eq": 0}}}, [4]),
    ({"count": {"filter": {"quantity": {"_gte": 2}}, "predicate": {"_eq": 1}}}, [1, 2]),
    ({"count": {"arguments": ["account_id"], "distinct": True, "predicate": {"_eq": 2}}}, [1]),
    ({"count": {"arguments": ["note"], "predicate": {"_gte": 1}}}, [1]),  # notes "first" and "gift"
    ({"sum": {"arguments": "quantity", "predicate": {"_gte": 3}}}, [1, 2]),
    ({"avg": {"arguments": "quantity", "predicate": {"_lt": 2}}}, [1, 3]),  # 1.5 and 1
    ({"max": {"arguments": "quantity", "filter": {"note": {"_is_null": True}}, "predicate": {"_gt": 1}}}, [2]),
    ({"min": {"arguments": "quantity", "predicate": {"_eq": 1}}, "count": {"predicate": {"_eq": 2}}}, [1]),
]


def _ids(shop: Shop, where: dict[str, Any], role: str = "admin") -> list[int]:
    result = shop.gql("query ($w: product_bool_exp) { product(where: $w, order_by: {id: asc}) { id } }", {"w": where}, role=role)
    assert "errors" not in result, result
    return [row["id"] for row in result["data"]["product"]]


@pytest.mark.parametrize(("aggregate", "expected"), CASES)
def test_predicate_selects_the_products_counted_by_hand(shop: Shop, aggregate: dict[str, Any], expected: list[int]) -> None:
    shop.reset()
    assert _ids(shop, {"orders_aggregate": aggregate}) == expected


def test_predicate_in_literal_with_a_variable_and_nested(shop: Shop) -> None:
    shop.reset()
    result = shop.gql("""query ($n: Int!) {
      product(where: {orders_aggregate: {count: {predicate: {_gte: $n}}}}, order_by: {id: asc}) { id }
      account(where: {orders_aggregate: {sum: {arguments: quantity, filter: {product: {stock: {_gt: 0}}}, predicate: {_gt: 2}}}}) { username }
    }""", {"n": 1})
    assert "errors" not in result, result
    assert [row["id"] for row in result["data"]["product"]] == [1, 2, 3]
    # alice: 2 (Sneakers, stock 5) + 1 (Vinyl, stock 12) = 3; bob's Festival order has stock 0
    assert result["data"]["account"] == [{"username": "alice"}]
    again = shop.gql("query ($n: Int!) { product(where: {orders_aggregate: {count: {predicate: {_gte: $n}}}}) { id } }", {"n": 2})
    assert [row["id"] for row in again["data"]["product"]] == [1]


def test_count_never_reveals_rows_the_role_may_not_read(shop: Shop) -> None:
    """A user sees only their own orders; anonymous only orders under 100. The counts follow."""
    shop.reset()
    some = {"orders_aggregate": {"count": {"predicate": {"_gt": 0}}}}
    assert _ids(shop, some) == [1, 2, 3]
    assert _ids(shop, some, role="user:carol") == []  # carol has no orders; alice's and bob's stay hidden
    mine = shop.gql("mutation { insert_order_one(object: {product_id: 2, quantity: 1}) { id } }", role="user:carol")
    assert "errors" not in mine, mine
    assert _ids(shop, some, role="user:carol") == [2]
    assert _ids(shop, {"orders_aggregate": {"sum": {"arguments": "quantity", "predicate": {"_gt": 1}}}}, role="user:carol") == []
    # an order of 150 is hidden from anonymous (rule: quantity < 100): product 4 counts none for it
    shop.gql('mutation { insert_order_one(object: {product_id: 4, quantity: 150}) { id } }')
    assert _ids(shop, {"id": {"_eq": 4}, **some}) == [4]
    assert _ids(shop, {"id": {"_eq": 4}, **some}, role="anonymous") == []
    assert _ids(shop, {"id": {"_eq": 4}, "orders_aggregate": {"count": {"predicate": {"_eq": 0}}}}, role="anonymous") == [4]


def test_refused_predicates_answer_clearly(shop: Shop) -> None:
    shop.reset()
    hidden = shop.gql("{ product(where: {orders_aggregate: {count: {arguments: [account_id], predicate: {_gt: 0}}}}) { id } }",
                      role="anonymous")
    assert hidden["errors"][0]["message"] == "Anonymous user has no permission for SELECT on column `account_id` of order"
    missing = shop.gql("{ product(where: {orders_aggregate: {count: {filter: {quantity: {_gt: 0}}}}}) { id } }")
    assert missing["errors"][0]["extensions"]["code"] == "validation-failed"  # predicate is required
    text = shop.gql('{ product(where: {orders_aggregate: {sum: {arguments: note, predicate: {_gt: 0}}}}) { id } }')
    assert text["errors"][0]["extensions"]["code"] == "validation-failed"  # note is not a number field
    # a table whose rows the role may not aggregate offers no predicate (anonymous may not aggregate product)
    schema = shop.gql('{ __type(name: "product_bool_exp") { inputFields { name } } }', role="anonymous")
    assert "orders_aggregate" in {f["name"] for f in schema["data"]["__type"]["inputFields"]}


def test_permission_rule_counts_every_related_row(shop: Shop) -> None:
    """A definition's own rule (trusted) sees all related rows; a client filter only the visible ones."""
    shop.reset()
    project = resolve(load_definition(json.loads((PROJECT / "app.json").read_text())))
    with psycopg.connect(shop.conninfo, autocommit=True) as conn:
        product = project.tables["product"]
        only_mine = {"account_id": {"_eq": 1}}
        aggregate = {"orders_aggregate": {"count": {"predicate": {"_gte": 2}}}}
        for trusted, expected in ((True, [1]), (False, [])):
            params = Params()
            compiler = FilterCompiler(project, params, row_rule=lambda t: only_mine if t.name == "order" else None)
            where = (compiler.compile_rule if trusted else compiler.compile)(product, "p", aggregate)
            query = psycopg.sql.SQL("SELECT id FROM product AS p WHERE {} ORDER BY id").format(where)
            assert [r[0] for r in conn.execute(query, params.values).fetchall()] == expected
        # a role's rule "products I ordered at least 2 of" through Grants: the session value is bound
        definition = json.loads((PROJECT / "app.json").read_text())
        definition["permissions"]["tables"] = [{"role": "user", "table": "tbl_product", "select": {"columns": "*", "filter": {
            "orders_aggregate": {"sum": {"arguments": "quantity", "filter": {"account_id": {"_eq": {"ref": "session.account_id"}}},
                                         "predicate": {"_gte": 2}}}}}}]
        ruled = resolve(load_definition(definition))
        for account, expected in ((1, [1]), (2, [2]), (3, [])):  # alice: 2 of product 1; bob: 1 of it, 4 of product 2
            grant = Grants(ruled, Session(role="user", account_id=account, roles=("user",))).select(ruled.tables["product"])
            assert grant is not None and grant.filter
            params = Params()
            where = FilterCompiler(ruled, params).compile_rule(ruled.tables["product"], "p", grant.filter)
            query = psycopg.sql.SQL("SELECT id FROM product AS p WHERE {} ORDER BY id").format(where)
            assert [r[0] for r in conn.execute(query, params.values).fetchall()] == expected, account
        with pytest.raises(BadUserInput, match="unknown aggregate `median`"):
            FilterCompiler(project, Params()).compile(product, "p", {"orders_aggregate": {"median": {"predicate": {"_gt": 0}}}})
        with pytest.raises(BadUserInput, match="needs a `predicate`"):
            FilterCompiler(project, Params()).compile(product, "p", {"orders_aggregate": {"count": {}}})


def test_live_query_with_a_predicate_follows_writes_to_the_related_table(shop: Shop) -> None:
    """A subscription filtered by a count of orders is pushed again when an order is inserted."""
    shop.reset()
    query = "subscription { product(where: {orders_aggregate: {count: {predicate: {_gte: 2}}}}, order_by: {id: asc}) { id } }"
    with connect(shop.ws_url, subprotocols=["graphql-transport-ws"], open_timeout=10, close_timeout=2) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {"headers": {"Authorization": f"Bearer {shop.token}"}}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))

        def next_ids() -> list[int]:
            while True:
                message = json.loads(ws.recv(timeout=30))
                if message.get("type") == "ping":
                    ws.send(json.dumps({"type": "pong"}))
                    continue
                assert message["type"] == "next", message
                return [row["id"] for row in message["payload"]["data"]["product"]]

        assert next_ids() == [1]
        inserted = shop.gql("mutation { insert_order_one(object: {account_id: 2, product_id: 3, quantity: 1}) { id } }")
        assert "errors" not in inserted, inserted
        assert next_ids() == [1, 3]  # product 3 now has two orders
        ws.send(json.dumps({"id": "1", "type": "complete"}))
