"""Grants computed from the sample's rules and from extra rules: unions, presets, closed tables."""

from __future__ import annotations

import json

import pytest

from builder.definition import Definition
from builder.resolved import resolve
from runtime.permissions import NO_ROWS, grants_for
from runtime.types import Session
from tests.conftest import SAMPLES


def _sample(**changes: object) -> dict:
    data = json.loads((SAMPLES / "inventory_deduction" / "app.json").read_text())
    data.update(changes)
    return data


def _project(data: dict):
    return resolve(Definition.model_validate(data))


def _user(account_id: int = 7, *roles: str) -> Session:
    return Session(role="user", account_id=account_id, roles=("user", *roles), username="u")


def test_sample_rules() -> None:
    project = _project(_sample())
    order, product, account = (project.tables[n] for n in ("order", "product", "account"))
    anonymous = grants_for(project, Session.anonymous())
    assert anonymous.select(product) is not None and anonymous.select(product).filter is None
    assert anonymous.select(order) is None, "order is closed to anonymous"
    assert anonymous.select(account) is None
    assert anonymous.insert(product) is None and anonymous.update(product) is None and anonymous.delete(product) is None
    assert not anonymous.may_invoke("place_order")
    assert anonymous.row_filter(order) == NO_ROWS and anonymous.readable_columns(order) == frozenset()

    user = grants_for(project, _user(7))
    grant = user.select(order)
    assert grant is not None and grant.filter == {"account_id": {"_eq": 7}}
    assert user.select(account).filter == {"id": {"_eq": 7}}
    assert user.select(account).aggregate is False
    assert user.insert(order) is None and user.delete(order) is None
    assert user.may_invoke("place_order")

    admin = grants_for(project, Session.admin())
    assert admin.select(order).filter is None and admin.may_invoke("anything")
    assert "id" not in admin.insert(order).columns and "created_at" not in admin.update(order).columns


def test_missing_session_value_matches_nothing() -> None:
    """An anonymous caller compared with session.account_id must not get `_eq: null` (= every row)."""
    data = _sample()
    data["permissions"]["tables"].append(
        {"role": "anonymous", "table": "tbl_order", "select": {"filter": {"account_id": {"_eq": {"ref": "session.account_id"}}}}}
    )
    project = _project(data)
    grant = grants_for(project, Session.anonymous()).select(project.tables["order"])
    assert grant is not None
    assert grant.filter == {"_and": [{"account_id": {}}, NO_ROWS]}


def test_union_of_roles_is_cell_exact() -> None:
    data = _sample(roles=[{"id": "role_support", "name": "support"}])
    data["tables"][1]["fields"].append({"id": "fld_product_cost", "name": "cost", "type": "decimal"})
    tables = data["permissions"]["tables"]
    user_product = next(p for p in tables if p["role"] == "user" and p["table"] == "tbl_product")
    user_product["select"] = {"columns": ["product_name", "price", "stock"], "aggregate": True}
    tables.append(
        {"role": "support", "table": "tbl_product", "select": {"columns": "*", "filter": {"stock": {"_lt": 5}}, "aggregate": False}}
    )
    project = _project(data)
    product = project.tables["product"]
    plain = grants_for(project, _user(1)).select(product)
    assert "cost" not in plain.columns and plain.column_filters == {}
    both = grants_for(project, _user(1, "support")).select(product)
    assert both.filter is None, "user sees every product"
    assert "cost" not in both.columns and "price" in both.columns
    assert both.column_filters == {
        "cost": {"stock": {"_lt": 5}},
        "created_at": {"stock": {"_lt": 5}},
        "updated_at": {"stock": {"_lt": 5}},
    }, "support-only columns are readable only on the rows support may see, never on the rest"
    assert both.aggregate, "user's aggregates cover every row already"
    # Aggregates allowed only by a narrower role would count rows that role cannot see: refused.
    user_product["select"] = {"columns": "*", "filter": {"stock": {"_gt": 0}}, "aggregate": True}
    tables[-1]["select"] = {"columns": "*", "aggregate": False}
    mixed = _project(data)
    assert grants_for(mixed, _user(1)).select(mixed.tables["product"]).aggregate
    assert grants_for(mixed, _user(1, "support")).select(mixed.tables["product"]).aggregate is False


def test_presets_are_evaluated_and_not_writable() -> None:
    data = _sample()
    data["permissions"]["tables"].append(
        {
            "role": "user",
            "table": "tbl_order",
            "insert": {"columns": "*", "presets": {"account_id": {"ref": "session.account_id"}}},
            "update": {"columns": ["quantity", "id"], "filter": {"account_id": {"_eq": {"ref": "session.account_id"}}}},
        }
    )
    # The sample already has a user rule on order: merge into it as the validator demands.
    rules = data["permissions"]["tables"]
    extra = rules.pop()
    next(p for p in rules if p["role"] == "user" and p["table"] == "tbl_order").update(insert=extra["insert"], update=extra["update"])
    project = _project(data)
    order = project.tables["order"]
    grants = grants_for(project, _user(42))
    insert = grants.insert(order)
    assert insert.presets == {"account_id": 42}
    assert "account_id" not in insert.columns and "id" not in insert.columns and "quantity" in insert.columns
    update = grants.update(order)
    assert update.columns == frozenset({"quantity"}) and update.filter == {"account_id": {"_eq": 42}}


@pytest.mark.parametrize("role", ["anonymous", "user"])
def test_new_table_is_closed(role: str) -> None:
    data = _sample()
    data["tables"].append({"id": "tbl_secret", "name": "secret_note", "fields": [{"id": "fld_note", "name": "note", "type": "text"}]})
    project = _project(data)
    session = Session.anonymous() if role == "anonymous" else _user(3)
    grants = grants_for(project, session)
    table = project.tables["secret_note"]
    assert grants.select(table) is None and grants.insert(table) is None
    assert grants.update(table) is None and grants.delete(table) is None
