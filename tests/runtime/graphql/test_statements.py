"""Each table root field is ONE SQL statement (never a query per row); plans are cached and rebound.

Runs ``execute`` in-process against the fixture server's database, with a psycopg
connection class that counts the statements sent.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from psycopg_pool import AsyncConnectionPool

from builder.definition import Definition
from builder.resolved import resolve
from runtime.graphql.coalesce import ReadCoalescer
from runtime.graphql.execute import execute, prepare
from runtime.lease import Lease
from runtime.project import PublishedState
from runtime.types import Session
from tests.runtime.graphql.conftest import PROJECT, Shop
from tests.runtime.graphql.counting import STATEMENTS, CountingConnection


@dataclass
class Project:
    state: PublishedState
    pool: AsyncConnectionPool  # type: ignore[type-arg]
    lease: Lease = field(init=False)
    reads: ReadCoalescer = field(init=False)

    def __post_init__(self) -> None:
        self.lease = Lease(self.pool)
        self.reads = ReadCoalescer(self.lease)


def _run(shop: Shop, calls: list[tuple[str, dict[str, Any] | None]]) -> list[tuple[dict[str, Any], list[str]]]:
    state = PublishedState(1, resolve(Definition.model_validate_json((PROJECT / "app.json").read_text())))

    async def main() -> list[tuple[dict[str, Any], list[str]]]:
        async with AsyncConnectionPool(shop.conninfo, min_size=1, max_size=2, connection_class=CountingConnection,
                                       kwargs={"autocommit": True}) as pool:
            project = Project(state, pool)
            results = []
            for query, variables in calls:
                STATEMENTS.clear()
                response = await execute(project, Session.admin(), query, variables)
                results.append((response, list(STATEMENTS)))
            await project.lease.close()
            return results

    return asyncio.run(main())


NESTED = """{
  product(order_by: {id: asc}) { id orders(order_by: {id: asc}) { id account { username orders_aggregate { aggregate { count } } } } }
  order_aggregate { aggregate { count } nodes { product { sku } } }
  product_by_pk(id: 1) { orders { quantity } }
}"""


def test_a_query_is_one_statement_whatever_the_rows(shop: Shop) -> None:
    shop.reset()
    [(response, statements)] = _run(shop, [(NESTED, None)])
    assert "errors" not in response, response
    assert len(response["data"]["product"]) == 4 and response["data"]["order_aggregate"]["aggregate"]["count"] == 4
    assert len(statements) == 1, statements  # three root fields, nested relationships: one SELECT


def test_mutations_are_one_statement_per_root_field(shop: Shop) -> None:
    shop.reset()
    mutation = """mutation {
      a: insert_order(objects: [{product_id: 1}, {product_id: 2}, {product_id: 3}]) { affected_rows returning { product { sku orders { id } } } }
      b: update_order(where: {}, _inc: {quantity: 1}) { affected_rows returning { id account { username } } }
    }"""
    [(response, statements)] = _run(shop, [(mutation, None)])
    assert response["data"]["a"]["affected_rows"] == 3 and response["data"]["b"]["affected_rows"] == 7
    assert len(statements) == 2, statements


def test_cached_plans_rebind_variables(shop: Shop) -> None:
    shop.reset()
    query = "query ($min: bigint!, $pattern: String!, $n: Int) { product(where: {stock: {_gte: $min}, product_name: {_ilike: $pattern}}, limit: $n, order_by: {id: asc}) { id } }"
    runs = _run(shop, [
        (query, {"min": 1, "pattern": "%", "n": 10}),
        (query, {"min": 10, "pattern": "%", "n": 10}),
        (query, {"min": 0, "pattern": "%ticket%", "n": 10}),
        (query, {"min": 0, "pattern": "%", "n": 1}),
    ])
    assert [r["data"]["product"] for r, _ in runs] == [
        [{"id": 1}, {"id": 3}, {"id": 4}], [{"id": 3}, {"id": 4}], [{"id": 2}], [{"id": 1}],
    ]
    assert len({s[0] for _, s in runs}) == 1  # one SQL text for all four: values are parameters


def test_prepared_reports_tables_and_subscription_roots(shop: Shop) -> None:
    state = PublishedState(1, resolve(Definition.model_validate_json((PROJECT / "app.json").read_text())))
    prepared = prepare(None, state, Session.admin(), "subscription { order(where: {product: {sku: {_eq: \"x\"}}}) { id } }", None)
    assert prepared.operation == "subscription" and prepared.root_fields == ("order",)
    assert {"order", "product"} <= prepared.tables and not prepared.extension_subscription
    simple = prepare(None, state, Session.admin(), "query { product { id } }", None)
    assert simple.tables == frozenset({"product"})
    ordered = prepare(None, state, Session.admin(), "{ order(order_by: {product: {sku: asc}}) { id account { username } } }", None)
    assert ordered.tables == frozenset({"order", "product", "account"})
    variable = prepare(None, state, Session.admin(), "query ($w: account_bool_exp) { account(where: $w) { id } }", None)
    assert variable.tables == frozenset({"account", "order", "product"})  # a variable filter may reach any related table
    assert json.dumps(sorted(prepared.tables))


def test_nested_inserts_are_one_statement_per_root_field(shop: Shop) -> None:
    shop.reset()
    mutation = """mutation {
      a: insert_product(objects: [{product_name: "A", orders: {data: [{quantity: 1}, {quantity: 2}]}}, {product_name: "B", orders: {data: [{quantity: 3}]}}]) {
        affected_rows returning { product_name orders { quantity } } }
      b: insert_order_one(object: {quantity: 4, product: {data: {product_name: "C", orders: {data: [{quantity: 5}]}}}}) { product { orders_aggregate { aggregate { count } } } }
    }"""
    [(response, statements)] = _run(shop, [(mutation, None)])
    assert "errors" not in response, response
    assert response["data"]["a"]["affected_rows"] == 5 and response["data"]["b"]["product"]["orders_aggregate"]["aggregate"]["count"] == 2
    assert len(statements) == 2, statements  # seven rows in three tables' worth of CTEs: still one statement per root field
