"""``update_T_many`` checked in the database: the role's row filter and check, and all or nothing."""

from __future__ import annotations

from typing import Any

from tests.runtime.graphql.conftest import Shop

MANY = "mutation ($u: [order_updates!]!) { update_order_many(updates: $u) { affected_rows returning { id note quantity } } }"


def orders(shop: Shop) -> list[tuple[Any, ...]]:
    return shop.sql('SELECT id, account_id, quantity, note FROM "order" ORDER BY id')


def test_a_user_updates_only_own_rows_and_a_failing_update_undoes_the_others(shop: Shop) -> None:
    shop.reset()
    shop.token_for("user:carol")  # account 3
    shop.sql('INSERT INTO "order" (account_id, product_id, quantity) VALUES (3, 1, 1), (3, 2, 2)')
    before = orders(shop)

    # the second update makes a quantity 0 or less: the update check refuses, the first is undone
    refused = shop.gql(MANY, {"u": [{"where": {}, "_inc": {"quantity": 1}}, {"where": {}, "_inc": {"quantity": -3}}]}, role="user:carol")
    assert "data" not in refused  # a denial, like every denial: no data (runtime.graphql.http)
    assert refused["errors"][0]["extensions"]["classification"] == "TABLE_ACCESS"
    assert refused["errors"][0]["path"] == ["update_order_many", 1]
    assert orders(shop) == before

    # every update reaches the caller's rows only, and sees the updates before it
    done = shop.gql(MANY, {"u": [{"where": {}, "_inc": {"quantity": 1}}, {"where": {"quantity": {"_eq": 3}}, "_set": {"note": "a"}},
                                 {"where": {"note": {"_eq": "first"}}, "_set": {"note": "b"}}]}, role="user:carol")
    assert done == {"data": {"update_order_many": [
        {"affected_rows": 2, "returning": [{"id": 5, "note": None, "quantity": 2}, {"id": 6, "note": None, "quantity": 3}]},
        {"affected_rows": 1, "returning": [{"id": 6, "note": "a", "quantity": 3}]},
        {"affected_rows": 0, "returning": []},
    ]}}
    after = orders(shop)
    assert after[:4] == before[:4]  # other accounts' orders (one of them noted "first"): untouched
    assert after[4:] == [(5, 3, 2, None), (6, 3, 3, "a")]


def test_too_many_updates_are_refused_with_the_limit(shop: Shop) -> None:
    shop.reset()
    response = shop.gql(MANY, {"u": [{"where": {"id": {"_eq": 1}}, "_inc": {"quantity": 1}}] * 501})
    assert response["errors"][0]["extensions"]["classification"] == "BAD_USER_INPUT"
    assert "update_order_many takes at most 500 updates" in response["errors"][0]["message"]
    assert orders(shop)[0][2] == 2


def test_update_many_is_in_the_schema_only_of_roles_that_may_update(shop: Shop) -> None:
    shop.reset()
    fields = "{ __schema { mutationType { fields { name } } } }"
    for role, present in (("admin", True), ("user:carol", True), ("anonymous", False)):
        names = {f["name"] for f in shop.gql(fields, role=role)["data"]["__schema"]["mutationType"]["fields"]}
        assert ("update_order_many" in names) is present, role
        assert "update_product_many" in names if role == "admin" else "update_product_many" not in names
