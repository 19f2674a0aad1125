"""Column rules, insert presets and checks, row-scoped update/delete, custom roles — on an edited copy of the sample.

Edits: product gets a `cost` column hidden from anonymous and users (yet used in the
users' own row rule on order); account gets a
`secret_note` users cannot read; users may insert orders (account_id preset to
themselves, quantity <= 5), update and delete their own; a custom role
`support` may read every order.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import LiveServer, copy_sample, start_server
from tests.runtime.auth.graphql_client import DENIED, Result, gql, log_in

INJECTION = "'; DROP TABLE \"order\"; --"


def _edit(data: dict[str, Any]) -> None:
    tables = {t["id"]: t for t in data["tables"]}
    tables["tbl_product"]["fields"].append({"id": "fld_product_cost", "name": "cost", "type": "decimal", "default": 0})
    tables["tbl_account"]["fields"].append({"id": "fld_account_secret_note", "name": "secret_note", "type": "text"})
    data["roles"] = [{"id": "role_support", "name": "support"}]
    visible = ["product_name", "price", "stock"]
    own = {"account_id": {"_eq": {"ref": "session.account_id"}}}
    for rule in data["permissions"]["tables"]:
        if rule["table"] == "tbl_product":
            rule["select"]["columns"] = visible
        if rule["role"] == "user" and rule["table"] == "tbl_order":
            # A rule may use a column the role cannot read (cost): it must still compile.
            rule["select"]["filter"] = {"_and": [own, {"product": {"cost": {"_gte": 0}}}]}
            rule["insert"] = {"columns": ["product_id", "quantity"], "check": {"quantity": {"_lte": 5}},
                              "presets": {"account_id": {"ref": "session.account_id"}}}
            rule["update"] = {"columns": ["quantity"], "filter": own, "check": {"quantity": {"_lte": 5}}}
            rule["delete"] = {"filter": own}
    data["permissions"]["tables"].append({"role": "support", "table": "tbl_order", "select": {"columns": "*", "aggregate": True}})
    data["actionflows"].append({
        "id": "whoami_later", "name": "Who am I (later)", "mode": "async",
        "nodes": [{"id": "later_me", "name": "Me", "type": "get_current_account"}],
        "output": {"account_id": {"ref": "node.later_me.account_id"}},
    })
    data["permissions"]["actionflows"]["user"].append("whoami_later")
    data["seed"][0]["rows"][0]["cost"] = "80.00"


@pytest.fixture(scope="module")
def server(tmp_path_factory, db_server) -> Iterator[LiveServer]:
    workspace = tmp_path_factory.mktemp("ws")
    app = copy_sample(workspace) / "app.json"
    data = json.loads(app.read_text())
    _edit(data)
    app.write_text(json.dumps(data, indent=2))
    live = start_server(workspace, db_server)
    yield live
    live.stop()


@dataclass
class People:
    url: str
    admin: str
    a: str
    b: str
    a_id: int
    b_id: int

    def run(self, token: str | None, query: str, variables: dict[str, Any] | None = None) -> Result:
        return gql(self.url, query, variables, token)

    def order_count(self) -> int:
        return self.run(self.admin, "{ order_aggregate { aggregate { count } } }").field("order_aggregate")["aggregate"]["count"]


@pytest.fixture(scope="module")
def people(server: LiveServer) -> People:
    url = server.graphql_url()
    a_id, a = log_in(url, "rules_a", "password-a", register=True)
    b_id, b = log_in(url, "rules_b", "password-b", register=True)
    return People(url, server.admin_token(), a, b, a_id, b_id)


HIDDEN_COLUMN_QUERIES = {
    "select": "{ product { id cost } }",
    "filter": "{ product(where: {cost: {_gt: 0}}) { id } }",
    "filter inside _or": "{ product(where: {_or: [{stock: {_gt: 0}}, {cost: {_gt: 0}}]}) { id } }",
    "order by": "{ product(order_by: {cost: desc}) { id } }",
    "distinct on": "{ product(distinct_on: [cost]) { id } }",
    "aggregate": "{ product_aggregate { aggregate { max { cost } sum { cost } } } }",
    "aggregate filter": "{ product_aggregate(where: {cost: {_gt: 50}}) { aggregate { count } } }",
    "through a relationship": "{ order(where: {product: {cost: {_gt: 50}}}) { id } }",
    "selected through a relationship": "{ order { product { cost } } }",
    "ordered through a relationship": "{ order(order_by: {product: {cost: asc}}) { id } }",
    "own account's hidden column": "{ account { id secret_note } }",
    "filter on own account's hidden column": "{ account(where: {secret_note: {_is_null: false}}) { id } }",
}


# Anonymous cannot see order or account at all (the matrix covers that): only product cases for it.
HIDDEN_COLUMN_CASES = [("user", name) for name in HIDDEN_COLUMN_QUERIES] + [
    ("anonymous", name) for name in HIDDEN_COLUMN_QUERIES if "relationship" not in name and "account" not in name
]


@pytest.mark.parametrize(("who", "name"), HIDDEN_COLUMN_CASES, ids=[f"{w}-{n}" for w, n in HIDDEN_COLUMN_CASES])
def test_hidden_column_is_unusable(people: People, who: str, name: str) -> None:
    result = people.run(people.a if who == "user" else None, HIDDEN_COLUMN_QUERIES[name])
    assert result.codes and result.codes <= DENIED, result.body
    assert not any((result.data or {}).values())


def test_hidden_column_exists_for_admin_and_visible_columns_work(people: People) -> None:
    assert any(float(p["cost"]) == 80 for p in people.run(people.admin, "{ product { cost } }").field("product"))
    assert people.run(None, "{ product { product_name price stock } }").field("product")
    schema = people.run(None, '{ __type(name: "product") { fields { name } } }').field("__type")
    assert "cost" not in {f["name"] for f in schema["fields"]}, "a hidden column is not even in the schema"


def test_insert_preset_forces_own_account(people: People) -> None:
    before = people.order_count()
    forged = people.run(people.a, "mutation($b: bigint!) { insert_order_one(object: {product_id: 2, quantity: 1, account_id: $b}) { id } }", {"b": people.b_id})
    assert forged.codes and forged.codes <= DENIED, forged.body
    one = people.run(people.a, "mutation { insert_order_one(object: {product_id: 2, quantity: 1}) { id account_id } }").field("insert_order_one")
    assert one["account_id"] == people.a_id
    many = people.run(people.a, "mutation { insert_order(objects: [{product_id: 2, quantity: 1}, {product_id: 3, quantity: 2}]) { affected_rows returning { account_id } } }")
    assert many.field("insert_order")["affected_rows"] == 2
    assert {r["account_id"] for r in many.field("insert_order")["returning"]} == {people.a_id}
    # The check holds for every row, and a failing row rolls back the whole mutation.
    checked = people.run(people.a, "mutation { insert_order(objects: [{product_id: 2, quantity: 1}, {product_id: 2, quantity: 50}]) { affected_rows } }")
    assert checked.codes == {"TABLE_ACCESS"}, checked.body
    assert people.order_count() == before + 3


def test_update_and_delete_reach_only_own_rows(people: People) -> None:
    b_order = people.run(people.b, "mutation { insert_order_one(object: {product_id: 2, quantity: 1}) { id } }").field("insert_order_one")["id"]
    a_order = people.run(people.a, "mutation { insert_order_one(object: {product_id: 2, quantity: 1}) { id } }").field("insert_order_one")["id"]
    a_count = len(people.run(people.a, "{ order { id } }").field("order"))
    updated = people.run(people.a, "mutation { update_order(where: {}, _set: {quantity: 3}) { affected_rows returning { account_id } } }").field("update_order")
    assert updated["affected_rows"] == a_count and {r["account_id"] for r in updated["returning"]} == {people.a_id}
    assert people.run(people.a, "mutation($id: bigint!) { update_order_by_pk(pk_columns: {id: $id}, _set: {quantity: 4}) { id } }", {"id": b_order}).field("update_order_by_pk") is None
    assert people.run(people.a, "mutation($id: bigint!) { update_order_by_pk(pk_columns: {id: $id}, _inc: {quantity: 1}) { quantity } }", {"id": a_order}).field("update_order_by_pk") == {"quantity": 4}
    # A changed row must still pass the check; the column list leaves account_id out.
    assert people.run(people.a, "mutation { update_order(where: {}, _set: {quantity: 99}) { affected_rows } }").codes == {"TABLE_ACCESS"}
    moved = people.run(people.a, "mutation($b: bigint!) { update_order(where: {}, _set: {account_id: $b}) { affected_rows } }", {"b": people.b_id})
    assert moved.codes and moved.codes <= DENIED
    b_row = people.run(people.admin, "query($id: bigint!) { order_by_pk(id: $id) { quantity account_id } }", {"id": b_order}).field("order_by_pk")
    assert b_row == {"quantity": 1, "account_id": people.b_id}, "B's order was not touched"
    assert people.run(people.a, "mutation($id: bigint!) { delete_order_by_pk(id: $id) { id } }", {"id": b_order}).field("delete_order_by_pk") is None
    deleted = people.run(people.a, "mutation { delete_order(where: {}) { affected_rows } }").field("delete_order")
    assert deleted["affected_rows"] == a_count
    assert people.run(people.admin, "query($id: bigint!) { order_by_pk(id: $id) { id } }", {"id": b_order}).field("order_by_pk") == {"id": b_order}


def test_custom_role_applies_at_once(people: People) -> None:
    people.run(people.b, "mutation { insert_order_one(object: {product_id: 2, quantity: 1}) { id } }").field("insert_order_one")
    mine = {people.a_id}
    assert {r["account_id"] for r in people.run(people.a, "{ order { account_id } }").field("order")} <= mine
    assign = "mutation($a: bigint!, $r: String!) { fz_assign_role(account_id: $a, role: $r) { id roles } }"
    remove = "mutation($a: bigint!, $r: String!) { fz_remove_role(account_id: $a, role: $r) { id roles } }"
    # Only the admin manages roles: for others the mutations do not exist.
    assert people.run(people.a, assign, {"a": people.a_id, "r": "support"}).codes <= DENIED
    assert people.run(people.a, assign, {"a": people.a_id, "r": "support"}).codes
    assert people.run(people.admin, assign, {"a": people.a_id, "r": "nope"}).codes == {"BAD_USER_INPUT"}
    assert people.run(people.admin, assign, {"a": people.a_id, "r": "support"}).field("fz_assign_role")["roles"] == ["user", "support"]
    assert people.b_id in {r["account_id"] for r in people.run(people.a, "{ order { account_id } }").field("order")}, "support sees every order"
    relogged = log_in(people.url, "rules_a", "password-a")
    assert relogged[0] == people.a_id
    assert people.run(people.admin, remove, {"a": people.a_id, "r": "support"}).field("fz_remove_role")["roles"] == ["user"]
    assert {r["account_id"] for r in people.run(people.a, "{ order { account_id } }").field("order")} <= mine


def test_task_results_are_the_callers_own(people: People) -> None:
    """An async actionflow's output is readable by its caller (and the admin), never by another user."""
    create = 'mutation { fz_create_action_flow_task(actionFlowId: "whoami_later", args: {}) }'
    task = people.run(people.a, create).field("fz_create_action_flow_task")
    result = "query($t: bigint!) { fz_action_flow_result(taskId: $t) { status output } }"
    deadline = time.monotonic() + 20
    while (mine := people.run(people.a, result, {"t": task}).field("fz_action_flow_result"))["status"] not in ("COMPLETED", "FAILED"):
        assert time.monotonic() < deadline, mine
        time.sleep(0.2)
    assert mine["status"] == "COMPLETED" and mine["output"] == {"account_id": people.a_id}, mine
    assert people.run(people.admin, result, {"t": task}).field("fz_action_flow_result")["status"] == "COMPLETED"
    for other in (people.b, None):
        stolen = people.run(other, result, {"t": task})
        assert stolen.codes and not (stolen.data or {}).get("fz_action_flow_result"), stolen.body
    assert people.run(None, create).codes == {"ACTION_FLOW"}, "anonymous may not start it"


def test_injection_strings_are_inert(people: People) -> None:
    before = people.order_count()
    for token in (None, people.a, people.admin):
        for query in (
            "query($v: String!) { product(where: {product_name: {_eq: $v}}) { id } }",
            "query($v: String!) { product(where: {product_name: {_like: $v}}) { id } }",
            "query($v: String!) { product(where: {product_name: {_in: [$v, \"x\"]}}) { id } }",
        ):
            assert people.run(token, query, {"v": INJECTION}).field("product") == []
        inline = people.run(token, '{ product(where: {product_name: {_eq: "\'; DROP TABLE \\"order\\"; --"}}) { id } }')
        assert inline.field("product") == []
        as_number = people.run(token, "query($v: bigint!) { product(where: {id: {_eq: $v}}) { id } }", {"v": INJECTION})
        assert as_number.codes and as_number.codes <= {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}, as_number.body
    register = people.run(None, "mutation($u: String!) { authenticateWithUsername(username: $u, password: \"password1\", register: true) { jwt { token } } }", {"u": INJECTION})
    assert register.codes == {"BAD_USER_INPUT"}
    login = people.run(None, "mutation($u: String!) { authenticateWithUsername(username: $u, password: \"password1\") { jwt { token } } }", {"u": INJECTION})
    assert login.codes == {"UNAUTHENTICATED"} and login.body["errors"][0]["message"] == "wrong username or password"
    assert people.order_count() == before
    assert len(people.run(people.admin, "{ product { id } }").field("product")) == 3
    assert "rules_a" in {r["username"] for r in people.run(people.admin, "{ account { username } }").field("account")}


def test_login_errors_and_backoff_over_graphql(people: People) -> None:
    mutation = "mutation($u: String!, $p: String!, $r: Boolean) { authenticateWithUsername(username: $u, password: $p, register: $r) { account { id username roles } jwt { token } } }"
    taken = people.run(None, mutation, {"u": "rules_b", "p": "whatever1", "r": True})
    assert taken.codes == {"BAD_USER_INPUT"} and "the username `rules_b` is already taken" in taken.body["errors"][0]["message"]
    short = people.run(None, mutation, {"u": "shorty", "p": "123", "r": True})
    assert short.codes == {"BAD_USER_INPUT"}
    for _ in range(5):
        wrong = people.run(None, mutation, {"u": "rules_b", "p": "not-it"})
        assert wrong.codes == {"UNAUTHENTICATED"} and wrong.body["errors"][0]["message"] == "wrong username or password"
    slowed = people.run(None, mutation, {"u": "rules_b", "p": "password-b"})
    assert slowed.codes == {"UNAUTHENTICATED"}
    assert slowed.body["errors"][0]["message"].startswith("too many attempts, try again in ")
    unknown = people.run(None, mutation, {"u": "nobody_here", "p": "password-b"})
    assert unknown.body["errors"][0]["message"] == "wrong username or password"
    # B's existing token keeps working: backoff slows logins, it does not lock the account.
    assert people.run(people.b, "{ order { id } }").ok
