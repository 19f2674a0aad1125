"""Third-party clients against the running server: gql over HTTP, and standard introspection."""

from __future__ import annotations

import httpx
from gql import Client, gql
from gql.transport.httpx import HTTPXTransport
from graphql import GraphQLObjectType, build_client_schema, get_introspection_query

from tests.runtime.graphql.conftest import Shop


def test_gql_client_query_and_mutation(shop: Shop) -> None:
    shop.reset()
    transport = HTTPXTransport(url=shop.url, headers=shop.headers("admin"), timeout=30)
    # fetch_schema_from_transport: gql introspects the server and validates documents locally.
    with Client(transport=transport, fetch_schema_from_transport=True) as session:
        products = session.execute(gql("query { product(order_by: {id: asc}, limit: 2) { id product_name price } }"))
        assert products == {"product": [
            {"id": 1, "product_name": "Limited Sneakers", "price": 199.99},
            {"id": 2, "product_name": "Festival Ticket", "price": 49.5},
        ]}
        add = gql("mutation Add($name: String!, $stock: bigint!) { insert_product_one(object: {product_name: $name, stock: $stock}) { id product_name stock } }")
        add.variable_values = {"name": "From gql", "stock": 3}
        assert session.execute(add) == {"insert_product_one": {"id": 5, "product_name": "From gql", "stock": 3}}
        read = gql("query ($id: bigint!) { product_by_pk(id: $id) { product_name } }")
        read.variable_values = {"id": 5}
        again = session.execute(read)
        assert again == {"product_by_pk": {"product_name": "From gql"}}


def _client_schema(shop: Shop, role: str):  # type: ignore[no-untyped-def]
    response = httpx.post(shop.url, json={"query": get_introspection_query()}, headers=shop.headers(role), timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return build_client_schema(body["data"])


def test_introspection_builds_a_client_schema(shop: Shop) -> None:
    schema = _client_schema(shop, "admin")
    query = schema.query_type
    assert query is not None and query.name == "query_root"
    for name in ("product", "product_by_pk", "product_aggregate", "order", "order_by_pk", "order_aggregate", "account"):
        assert name in query.fields, name
    mutation = schema.mutation_type
    assert mutation is not None
    for name in ("insert_order", "insert_order_one", "update_order", "update_order_by_pk", "delete_order", "delete_order_by_pk"):
        assert name in mutation.fields, name
    subscription = schema.subscription_type
    assert subscription is not None and {"product", "product_by_pk", "product_aggregate"} <= set(subscription.fields)
    product = schema.get_type("product")
    assert isinstance(product, GraphQLObjectType)
    assert {"orders", "orders_aggregate", "price", "details", "released"} <= set(product.fields)
    for scalar in ("bigint", "numeric", "timestamptz", "date", "jsonb", "JSON"):
        assert schema.get_type(scalar) is not None, scalar
    ops = set(schema.get_type("String_comparison_exp").fields)  # type: ignore[union-attr]
    assert {"_eq", "_neq", "_gt", "_gte", "_lt", "_lte", "_in", "_nin", "_is_null", "_like", "_ilike"} <= ops
    assert set(schema.get_type("product_constraint").values) == {"product_pkey", "product_sku_key"}  # type: ignore[union-attr]
    assert "order_account_note" in schema.get_type("order_constraint").values  # type: ignore[union-attr]


def test_introspection_of_anonymous_shows_only_its_grants(shop: Shop) -> None:
    schema = _client_schema(shop, "anonymous")
    query = schema.query_type
    assert query is not None
    assert "account" not in query.fields and "product_aggregate" not in query.fields
    assert "order_aggregate" in query.fields
    product = schema.get_type("product")
    assert isinstance(product, GraphQLObjectType)
    assert set(product.fields) == {"id", "product_name", "price", "stock", "sku", "orders", "orders_aggregate"}
    assert "active" not in schema.get_type("product_bool_exp").fields  # type: ignore[union-attr]
    mutation = schema.mutation_type
    assert mutation is not None
    table_mutations = {f for f in mutation.fields if f.split("_")[0] in ("insert", "update", "delete")}
    assert table_mutations == {"insert_order", "insert_order_one"}
    assert set(schema.get_type("order_insert_input").fields) == {"quantity", "product_id"}  # type: ignore[union-attr]
    assert "on_conflict" not in mutation.fields["insert_order"].args  # no update grant, no upsert
