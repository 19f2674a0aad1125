"""Aggregate statistics and counts of ``T_aggregate`` equal the same aggregates written by hand in SQL.

The golden cases hold hand-computed values; this cross-checks every new aggregate
field (and its relationship and order_by forms) against plain SQL on the seeded data.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from psycopg import sql
from websockets.sync.client import connect

from runtime.data.select import AGGREGATE_SQL, aggregate_call
from runtime.graphql.aggregates import AGGREGATE_FUNCTIONS
from runtime.types import BadUserInput
from tests.runtime.graphql.conftest import Shop

STATISTICS = ("stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp")


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


@pytest.mark.parametrize("function", STATISTICS)
@pytest.mark.parametrize(("table", "column"), [("order", "quantity"), ("product", "price"), ("product", "stock")])
def test_statistic_matches_sql(shop: Shop, function: str, table: str, column: str) -> None:
    shop.reset()
    result = shop.gql(f"{{ {table}_aggregate {{ aggregate {{ {function} {{ {column} }} }} }} }}")
    assert "errors" not in result, result
    (expected,), = shop.sql(f'SELECT {function}({column}) FROM "{table}"')  # names from the lists above, not input
    assert expected is not None
    assert result["data"][f"{table}_aggregate"]["aggregate"][function][column] == _number(expected)


# (field, the same in SQL, the value counted by hand on the seed plus the two rows inserted below:
#  notes first, gift, gift; accounts 1 and 2; (account, product) pairs (1,1) twice, (1,3), (2,1), (2,2), (2,null))
COUNTS = [
    ("count(columns: [note])", "count(note)", 3),
    ("count(columns: [note], distinct: true)", "count(DISTINCT note)", 2),
    ("count(columns: [account_id], distinct: true)", "count(DISTINCT account_id)", 2),
    # as Hasura's COUNT((a, b)): a row value is never null, so every row counts
    ("count(columns: [account_id, note])", "count((account_id, note))", 6),
    ("count(columns: [account_id, product_id], distinct: true)", "count(DISTINCT (account_id, product_id))", 5),
    ("count(distinct: true)", "count(*)", 6),
]


@pytest.mark.parametrize(("field", "aggregate", "by_hand"), COUNTS)
def test_count_matches_sql(shop: Shop, field: str, aggregate: str, by_hand: int) -> None:
    shop.reset()
    shop.sql('INSERT INTO "order" (account_id, product_id, quantity, note) VALUES (1, 1, 3, \'gift\'), (2, NULL, 5, NULL)')
    result = shop.gql(f"{{ order_aggregate {{ aggregate {{ n: {field} }} }} }}")
    assert "errors" not in result, result
    (expected,), = shop.sql(f'SELECT {aggregate} FROM "order"')
    assert result["data"]["order_aggregate"]["aggregate"]["n"] == expected == by_hand


def test_relationship_statistic_and_order_by_match_sql(shop: Shop) -> None:
    shop.reset()
    result = shop.gql("{ product(order_by: [{orders_aggregate: {var_samp: {quantity: desc_nulls_last}}}, {id: asc}]) "
                      "{ id orders_aggregate { aggregate { var_samp { quantity } count(columns: [account_id], distinct: true) } } } }")
    assert "errors" not in result, result
    rows = shop.sql('SELECT p.id, var_samp(o.quantity), count(DISTINCT o.account_id) FROM product p LEFT JOIN "order" o '
                    "ON o.product_id = p.id GROUP BY p.id ORDER BY 2 DESC NULLS LAST, p.id")
    got = [(p["id"], p["orders_aggregate"]["aggregate"]["var_samp"]["quantity"], p["orders_aggregate"]["aggregate"]["count"])
           for p in result["data"]["product"]]
    assert got == [(i, _number(v), n) for i, v, n in rows]
    assert any(v is not None for _, v, _ in got) and any(v is None for _, v, _ in got)


def test_sql_names_only_known_aggregates() -> None:
    """The data layer refuses a function name outside the registry, whatever reaches it."""
    assert set(AGGREGATE_FUNCTIONS) == AGGREGATE_SQL
    with pytest.raises(BadUserInput, match="unknown aggregate function `pg_sleep`"):
        aggregate_call("pg_sleep", sql.Identifier("quantity"))


def test_unknown_aggregate_in_order_by_is_a_validation_error(shop: Shop) -> None:
    result = shop.gql("{ product(order_by: {orders_aggregate: {median: {quantity: asc}}}) { id } }")
    assert result.get("data") is None
    assert [e["extensions"]["classification"] for e in result["errors"]] == ["GRAPHQL_VALIDATION_FAILED"], result


def test_live_statistic_follows_a_write(shop: Shop) -> None:
    """A subscribed aggregate with a statistic and a distinct count is pushed again after an insert."""
    shop.reset()
    query = "subscription { order_aggregate { aggregate { var_pop { quantity } count(columns: [product_id], distinct: true) } } }"
    with connect(shop.ws_url, subprotocols=["graphql-transport-ws"], open_timeout=10, close_timeout=2) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {"headers": {"Authorization": f"Bearer {shop.token}"}}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))

        def next_result() -> dict[str, Any]:
            while True:
                message = json.loads(ws.recv(timeout=30))
                if message.get("type") == "ping":
                    ws.send(json.dumps({"type": "pong"}))
                    continue
                assert message["type"] == "next", message
                return dict(message["payload"]["data"]["order_aggregate"]["aggregate"])

        # quantities 2, 1, 1, 4: var_pop 6/4; products 1, 3, 1, 2
        assert next_result() == {"var_pop": {"quantity": 1.5}, "count": 3}
        inserted = shop.gql('mutation { insert_order_one(object: {account_id: 1, product_id: 4, quantity: 2}) { id } }')
        assert "errors" not in inserted, inserted
        # quantities 2, 1, 1, 4, 2: mean 2, squares 6, var_pop 6/5; a fourth product
        assert next_result() == {"var_pop": {"quantity": 1.2}, "count": 4}
        ws.send(json.dumps({"id": "1", "type": "complete"}))
