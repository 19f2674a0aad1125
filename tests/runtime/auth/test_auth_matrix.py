"""The permission matrix of the sample, over a real server: anonymous, user A, user B, admin.

Every cell runs a real request and checks the outcome: the rows returned, an
empty answer, or the error code. Same query texts for A and B, so a cache that
kept one user's row filter for another would show here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.runtime.auth.graphql_client import Result, gql, log_in

ORDERS = "{ order(order_by: {id: asc}) { id account_id quantity } }"
ORDER_BY_PK = "query($id: bigint!) { order_by_pk(id: $id) { id account_id } }"
ORDER_AGGREGATE = "{ order_aggregate { aggregate { count } } }"
PRODUCT_ORDERS = "{ product(order_by: {id: asc}) { id orders { id account_id } orders_aggregate { aggregate { count } } } }"
ORDER_ACCOUNT = "{ order { account_id account { id username } } }"
ACCOUNTS = "{ account(order_by: {id: asc}) { id username } }"
ACCOUNT_AGGREGATE = "{ account_aggregate { aggregate { count } } }"
PRODUCTS_ORDERED_BY = "query($a: bigint!) { product(where: {orders: {account_id: {_eq: $a}}}) { id } }"
PLACE_ORDER = "mutation($p: bigint!, $q: bigint!) { place_order(product_id: $p, quantity: $q) { status } }"
INSERT_ORDER = "mutation($p: bigint!, $a: bigint) { insert_order_one(object: {product_id: $p, quantity: 1, account_id: $a}) { id } }"
UPDATE_PRODUCT = "mutation($id: bigint!) { update_product_by_pk(pk_columns: {id: $id}, _set: {stock: 999}) { id stock } }"
UPDATE_ORDERS = "mutation { update_order(where: {}, _inc: {quantity: 100}) { affected_rows } }"
DELETE_ORDERS = "mutation { delete_order(where: {}) { affected_rows } }"
DELETE_ORDER_BY_PK = "mutation($id: bigint!) { delete_order_by_pk(id: $id) { id } }"
PRODUCTS = "{ product(order_by: {id: asc}) { id product_name stock } }"


@dataclass
class World:
    url: str
    tokens: dict[str, str | None]
    accounts: dict[str, int]
    products: list[int]
    orders: dict[str, list[int]] = field(default_factory=dict)

    def run(self, who: str, query: str, variables: dict[str, Any] | None = None) -> Result:
        return gql(self.url, query, variables, self.tokens[who])

    def table(self, query: str, column: str = "stock") -> list[Any]:
        return [row[column] for row in self.run("admin", query).field("product")]


@pytest.fixture(scope="module")
def world(module_server) -> World:
    url = module_server.graphql_url()
    a_id, a_token = log_in(url, "user_a", "password-a", register=True)
    b_id, b_token = log_in(url, "user_b", "password-b", register=True)
    w = World(url, {"anonymous": None, "A": a_token, "B": b_token, "admin": module_server.admin_token()}, {"A": a_id, "B": b_id}, [])
    w.products = [row["id"] for row in w.run("admin", PRODUCTS).field("product")]
    festival = w.products[1]  # 100 in stock
    for who, count in (("A", 2), ("B", 1)):
        for _ in range(count):
            assert w.run(who, PLACE_ORDER, {"p": festival, "q": 1}).field("place_order")["status"] == "Order placed successfully"
    rows = w.run("admin", ORDERS).field("order")
    w.orders = {who: [r["id"] for r in rows if r["account_id"] == w.accounts[who]] for who in ("A", "B")}
    assert len(w.orders["A"]) == 2 and len(w.orders["B"]) == 1
    return w


def _owners(rows: list[dict[str, Any]], world: World) -> set[str]:
    by_id = {v: k for k, v in world.accounts.items()}
    return {by_id.get(r["account_id"], "other") for r in rows}


# Each cell: (role, operation) -> check(world, result). Operations are run exactly as listed.
Check = Callable[[World, Result], None]


def denied(world: World, result: Result) -> None:
    assert result.denied(), result.body


def sees_orders_of(*owners: str) -> Check:
    def check(world: World, result: Result) -> None:
        rows = result.field("order")
        assert _owners(rows, world) == set(owners), rows
        assert len(rows) == sum(len(world.orders[o]) for o in owners)

    return check


def sees_count(*owners: str) -> Check:
    def check(world: World, result: Result) -> None:
        assert result.field("order_aggregate")["aggregate"]["count"] == sum(len(world.orders[o]) for o in owners)

    return check


def by_pk(found: bool) -> Check:
    def check(world: World, result: Result) -> None:
        row = result.field("order_by_pk")
        assert (row is not None) == found, result.body
        if found:
            assert row["id"] == world.orders["A"][0] and row["account_id"] == world.accounts["A"]

    return check


def relationship_shows(*owners: str) -> Check:
    def check(world: World, result: Result) -> None:
        products = result.field("product")
        seen = [o for p in products for o in p["orders"]]
        counted = sum(p["orders_aggregate"]["aggregate"]["count"] for p in products)
        assert _owners(seen, world) == set(owners), seen
        assert len(seen) == counted == sum(len(world.orders[o]) for o in owners)

    return check


def order_account_is_own(world: World, result: Result) -> None:
    rows = result.field("order")
    assert rows and all(r["account"] is not None and r["account"]["id"] == r["account_id"] for r in rows)


def accounts_are(*who: str) -> Check:
    def check(world: World, result: Result) -> None:
        ids = {r["id"] for r in result.field("account")}
        assert {world.accounts[w] for w in who} <= ids
        if "admin" not in who:
            assert ids == {world.accounts[w] for w in who}

    return check


def all_accounts(world: World, result: Result) -> None:
    assert {r["id"] for r in result.field("account")} >= set(world.accounts.values())


def account_count(world: World, result: Result) -> None:
    assert result.field("account_aggregate")["aggregate"]["count"] >= 2


def products_ordered_by_a(visible: bool) -> Check:
    def check(world: World, result: Result) -> None:
        assert bool(result.field("product")) == visible, result.body

    return check


CELLS: list[tuple[str, str, Check]] = [
    ("anonymous", "list", denied), ("A", "list", sees_orders_of("A")), ("B", "list", sees_orders_of("B")), ("admin", "list", sees_orders_of("A", "B")),
    ("anonymous", "by_pk", denied), ("A", "by_pk", by_pk(True)), ("B", "by_pk", by_pk(False)), ("admin", "by_pk", by_pk(True)),
    ("anonymous", "aggregate", denied), ("A", "aggregate", sees_count("A")), ("B", "aggregate", sees_count("B")), ("admin", "aggregate", sees_count("A", "B")),
    ("anonymous", "relationship", denied), ("A", "relationship", relationship_shows("A")), ("B", "relationship", relationship_shows("B")),
    ("admin", "relationship", relationship_shows("A", "B")),
    ("anonymous", "object_relationship", denied), ("A", "object_relationship", order_account_is_own), ("B", "object_relationship", order_account_is_own),
    ("anonymous", "relationship_filter", denied), ("A", "relationship_filter", products_ordered_by_a(True)),
    ("B", "relationship_filter", products_ordered_by_a(False)), ("admin", "relationship_filter", products_ordered_by_a(True)),
    ("anonymous", "accounts", denied), ("A", "accounts", accounts_are("A")), ("B", "accounts", accounts_are("B")), ("admin", "accounts", all_accounts),
    ("anonymous", "account_aggregate", denied), ("A", "account_aggregate", denied), ("admin", "account_aggregate", account_count),
    ("anonymous", "insert", denied), ("A", "insert", denied), ("B", "insert", denied),
    ("anonymous", "update", denied), ("A", "update", denied), ("B", "update", denied),
    ("anonymous", "update_orders", denied), ("A", "update_orders", denied),
    ("anonymous", "delete", denied), ("A", "delete", denied), ("B", "delete", denied),
]

OPERATIONS: dict[str, Callable[[World, str], Result]] = {
    "list": lambda w, who: w.run(who, ORDERS),
    "by_pk": lambda w, who: w.run(who, ORDER_BY_PK, {"id": w.orders["A"][0]}),
    "aggregate": lambda w, who: w.run(who, ORDER_AGGREGATE),
    "relationship": lambda w, who: w.run(who, PRODUCT_ORDERS),
    "object_relationship": lambda w, who: w.run(who, ORDER_ACCOUNT),
    "relationship_filter": lambda w, who: w.run(who, PRODUCTS_ORDERED_BY, {"a": w.accounts["A"]}),
    "accounts": lambda w, who: w.run(who, ACCOUNTS),
    "account_aggregate": lambda w, who: w.run(who, ACCOUNT_AGGREGATE),
    "insert": lambda w, who: w.run(who, INSERT_ORDER, {"p": w.products[2], "a": w.accounts["A"]}),
    "update": lambda w, who: w.run(who, UPDATE_PRODUCT, {"id": w.products[2]}),
    "update_orders": lambda w, who: w.run(who, UPDATE_ORDERS),
    "delete": lambda w, who: w.run(who, DELETE_ORDERS),
}


@pytest.mark.parametrize(("who", "operation", "check"), CELLS, ids=[f"{w}-{o}" for w, o, _ in CELLS])
def test_cell(world: World, who: str, operation: str, check: Check) -> None:
    stocks, orders = world.table(PRODUCTS), world.run("admin", ORDERS).field("order")
    check(world, OPERATIONS[operation](world, who))
    # Nothing a non-admin cell did may have changed anything.
    assert world.table(PRODUCTS) == stocks and world.run("admin", ORDERS).field("order") == orders


def test_admin_writes(world: World) -> None:
    """The admin token may insert, update and delete anything (and puts things back)."""
    inserted = world.run("admin", INSERT_ORDER, {"p": world.products[2], "a": world.accounts["B"]}).field("insert_order_one")
    assert world.run("B", ORDER_BY_PK, {"id": inserted["id"]}).field("order_by_pk") == {"id": inserted["id"], "account_id": world.accounts["B"]}
    assert world.run("A", ORDER_BY_PK, {"id": inserted["id"]}).field("order_by_pk") is None
    assert world.run("admin", DELETE_ORDER_BY_PK, {"id": inserted["id"]}).field("delete_order_by_pk")["id"] == inserted["id"]
    before = world.table(PRODUCTS)
    assert world.run("admin", UPDATE_PRODUCT, {"id": world.products[2]}).field("update_product_by_pk")["stock"] == 999
    restore = "mutation($id: bigint!, $s: bigint!) { update_product_by_pk(pk_columns: {id: $id}, _set: {stock: $s}) { stock } }"
    assert world.run("admin", restore, {"id": world.products[2], "s": before[2]}).field("update_product_by_pk")["stock"] == before[2]


def test_invoke_place_order(world: World) -> None:
    vinyl = world.products[2]
    before = world.table(PRODUCTS)
    refused = world.run("anonymous", PLACE_ORDER, {"p": vinyl, "q": 1})
    assert refused.codes == {"ACTION_FLOW"}, refused.body
    assert world.table(PRODUCTS) == before, "a refused invocation has no side effect"
    placed = world.run("B", PLACE_ORDER, {"p": vinyl, "q": 1}).field("place_order")
    assert placed["status"] == "Order placed successfully"
    assert world.table(PRODUCTS)[2] == before[2] - 1
    # B's new order is B's alone.
    assert world.accounts["B"] in {r["account_id"] for r in world.run("B", ORDERS).field("order")}
    assert _owners(world.run("A", ORDERS).field("order"), world) == {"A"}
    newest = max(r["id"] for r in world.run("admin", ORDERS).field("order"))
    world.run("admin", DELETE_ORDER_BY_PK, {"id": newest})
    restore = "mutation($id: bigint!, $s: bigint!) { update_product_by_pk(pk_columns: {id: $id}, _set: {stock: $s}) { stock } }"
    world.run("admin", restore, {"id": vinyl, "s": before[2]})
