"""The tutorial's flash-sale app built from a blank project with MCP tool calls only, then checked the tutorial's way.

Every step is an ``edit_definition`` call with named operations, as an assistant
would send them; ``build`` returns nothing but leaves the draft, ``publish_and_check``
publishes and runs the four checks through ``graphql`` and ``run_actionflow``.
"""

from __future__ import annotations

import json
from typing import Any

from mcp import Client

from tests.runtime.mcp_server.clients import call

FLOW = "place_order"


def ref(path: str) -> dict[str, str]:
    return {"ref": path}


def set_status(node_id: str, name: str, text: str) -> dict[str, Any]:
    return {"id": node_id, "name": name, "type": "set_variable", "assignments": {"status": text}}


async def edit(client: Client, slug: str, *operations: dict[str, Any]) -> dict[str, Any]:
    answer = await call(client, "edit_definition", project=slug, operations=list(operations))
    assert answer["applied"], answer["problems"]
    return answer


DATA_MODEL = (
    {"op": "add_table", "name": "product", "fields": [
        {"name": "product_name", "type": "text", "required": True, "default": ""},
        {"name": "price", "type": "decimal", "required": True, "default": 0},
        {"name": "stock", "type": "bigint", "required": True, "default": 0}]},
    {"op": "add_table", "name": "order", "fields": [{"name": "quantity", "type": "bigint", "required": True, "default": 1}]},
    {"op": "add_relation", "from_table": "account", "to_table": "order", "foreign_key": "account_id",
     "from_field": "orders", "to_field": "account", "on_delete": "set_null"},
    {"op": "add_relation", "from_table": "product", "to_table": "order", "foreign_key": "product_id",
     "from_field": "orders", "to_field": "product", "on_delete": "restrict"},
)

FLOW_SHELL = (
    {"op": "add_actionflow", "name": "Place Order", "inputs": [
        {"name": "product_id", "type": "bigint", "required": True}, {"name": "quantity", "type": "bigint", "required": True}],
     "variables": [{"name": "status", "type": "text"}], "output": {"status": ref("var.status")}},
    {"op": "add_node", "actionflow": "Place Order", "node": {"id": "get_id", "name": "Get ID", "type": "get_current_account"}},
    {"op": "add_node", "actionflow": "Place Order", "node": {"id": "validate_quantity", "name": "Validate Quantity", "type": "condition", "branches": [
        {"id": "valid_quantity", "name": "Valid Quantity",
         "condition": {"_and": [{"input.quantity": {"_is_null": False}}, {"input.quantity": {"_gt": 0}}]}, "nodes": []},
        {"id": "invalid_quantity", "name": "Invalid Quantity", "condition": None, "nodes": []}]}},
)

GUARDED_UPDATE = (
    {"op": "add_node", "actionflow": FLOW, "position": {"parent": "validate_quantity", "branch": "valid_quantity"}, "node": {
        "id": "update_product_stock", "name": "Update Product Stock", "type": "update", "table": "product",
        "filter": {"_and": [{"id": {"_eq": ref("input.product_id")}}, {"stock": {"_gte": ref("input.quantity")}}]},
        "decrement": {"stock": ref("input.quantity")}}},
    {"op": "add_node", "actionflow": FLOW, "position": {"parent": "validate_quantity", "branch": "valid_quantity"}, "node": {
        "id": "check_stock_deduction", "name": "Check Stock Deduction Result", "type": "condition", "branches": [
            {"id": "stock_shortage", "name": "Stock Shortage", "condition": {"node.update_product_stock.id": {"_is_null": True}}, "nodes": []},
            {"id": "stock_sufficient", "name": "Success (Stock Sufficient)", "condition": None, "nodes": []}]}},
    {"op": "add_node", "actionflow": FLOW, "position": {"parent": "check_stock_deduction", "branch": "stock_shortage"},
     "node": set_status("set_status_shortage", "Set status: shortage", "Stock shortage")},
    {"op": "add_node", "actionflow": FLOW, "position": {"parent": "check_stock_deduction", "branch": "stock_sufficient"}, "node": {
        "id": "create_order", "name": "Create Order", "type": "insert", "table": "order",
        "values": {"account_id": ref("node.get_id.account_id"), "product_id": ref("input.product_id"), "quantity": ref("input.quantity")}}},
    {"op": "add_node", "actionflow": FLOW, "position": {"parent": "check_stock_deduction", "branch": "stock_sufficient"},
     "node": set_status("set_status_success", "Set status: success", "Order placed successfully")},
    {"op": "add_node", "actionflow": FLOW, "position": {"parent": "validate_quantity", "branch": "invalid_quantity"},
     "node": set_status("set_status_invalid", "Set status: invalid quantity", "Please enter a valid quantity")},
)

ON_CLICK = [{"id": "check_login", "type": "condition", "branches": [
    {"id": "not_logged_in", "name": "Not Logged In", "condition": {"global.is_logged_in": {"_eq": False}},
     "actions": [{"id": "toast_login_first", "type": "show_toast", "message": "Please log in first", "level": "error"}]},
    {"id": "logged_in", "name": "Logged In", "condition": None, "actions": [
        {"id": "call_place_order", "type": "call_actionflow", "actionflow": FLOW,
         "args": {"product_id": ref("item.id"), "quantity": ref("component.quantity_input.value")},
         "on_success": [{"id": "toast_status", "type": "show_toast", "message": ref("result.status")}],
         "on_failure": [{"id": "toast_error", "type": "show_toast", "message": ref("error.message"), "level": "error"}]}]}]}]

PAGE = (
    {"op": "add_page", "name": "Page Order Inventory Deduction", "path": "", "title": "Flash sale"},
    {"op": "add_component", "page": "Page Order Inventory Deduction", "component": {
        "id": "product_list", "name": "Product List", "type": "list", "direction": "grid", "gap": 16,
        "source": {"table": "product", "request": "subscription", "order_by": [{"field": "id", "direction": "asc"}]}}},
    {"op": "add_component", "page": "Page Order Inventory Deduction", "position": {"parent": "product_list"}, "component": {
        "id": "product_card", "name": "Product Card", "type": "container", "variant": "card", "gap": 8, "padding": 16}},
    *({"op": "add_component", "page": "Page Order Inventory Deduction", "position": {"parent": "product_card"}, "component": c} for c in (
        {"id": "product_name_text", "name": "Product Name", "type": "text", "variant": "subtitle", "value": ref("item.product_name")},
        {"id": "price_text", "name": "Price", "type": "text", "format": "currency", "value": ref("item.price")},
        {"id": "stock_text", "name": "Stock", "type": "text", "prefix": "stock: ", "value": ref("item.stock")},
        {"id": "quantity_input", "name": "Quantity Input", "type": "text_input", "label": "Quantity", "value_type": "bigint", "placeholder": "Quantity"},
        {"id": "place_order_button", "name": "Button Place Order", "type": "button", "label": "Place Order", "events": {"onClick": ON_CLICK}},
    )),
    {"op": "update_settings", "set": {"home_page": "page_order_inventory_deduction"}},
)

PERMISSIONS = (
    {"op": "set_permission", "role": "anonymous", "table": "product", "operation": "select", "rule": {"columns": "*", "aggregate": True}},
    {"op": "set_permission", "role": "user", "table": "product", "operation": "select", "rule": {"columns": "*", "aggregate": True}},
    {"op": "set_permission", "role": "user", "table": "order", "operation": "select", "rule": {
        "columns": "*", "filter": {"account_id": {"_eq": ref("session.account_id")}}, "aggregate": True}},
    {"op": "set_permission", "role": "user", "table": "account", "operation": "select", "rule": {
        "columns": ["id", "username", "created_at", "updated_at"], "filter": {"id": {"_eq": ref("session.account_id")}}, "aggregate": False}},
    {"op": "set_actionflow_permission", "role": "user", "actionflow": "Place Order", "allowed": True},
)

NOTIFY = "Place Order And Notify"
PAYMENT = "Payment Confirmed"

# The sample's integration parts: a paid flag, the fulfilment call after commit (its URL and token
# are project secrets, named, never given), the payment provider's webhook, the right and the host.
INTEGRATIONS = (
    {"op": "add_field", "table": "order", "name": "paid", "type": "boolean", "required": True, "default": False},
    {"op": "add_actionflow", "name": NOTIFY, "inputs": [
        {"name": "product_id", "type": "bigint", "required": True}, {"name": "quantity", "type": "bigint", "required": True}],
     "output": {"status": ref("node.place.status")}},
    {"op": "add_node", "actionflow": NOTIFY, "node": {"id": "place", "name": "Place", "type": "run_actionflow", "actionflow": FLOW,
                                                      "args": {"product_id": ref("input.product_id"), "quantity": ref("input.quantity")}}},
    {"op": "add_node", "actionflow": NOTIFY, "node": {"id": "check_placed", "name": "Check Placed", "type": "condition", "branches": [
        {"id": "placed", "name": "Placed", "condition": {"node.place.status": {"_eq": "Order placed successfully"}}, "nodes": []}]}},
    {"op": "add_node", "actionflow": NOTIFY, "position": {"parent": "check_placed", "branch": "placed"}, "node": {
        "id": "notify_fulfilment", "name": "Notify Fulfilment", "type": "call_api", "mode": "after_commit", "method": "POST",
        "url": "{{secret:fulfilment_url}}", "headers": {"Authorization": "Bearer {{secret:fulfilment_token}}"}, "body_type": "json",
        "body": {"product_id": ref("input.product_id"), "quantity": ref("input.quantity"), "account_id": ref("session.account_id")},
        "retries": 5}},
    {"op": "add_actionflow", "name": PAYMENT, "inputs": [{"name": "order_id", "type": "bigint", "required": True}],
     "output": {"paid": ref("node.mark_paid.affected_rows")}},
    {"op": "add_node", "actionflow": PAYMENT, "node": {"id": "mark_paid", "name": "Mark Paid", "type": "update", "table": "order",
                                                       "filter": {"id": {"_eq": ref("input.order_id")}}, "set": {"paid": True}}},
    {"op": "update_actionflow", "actionflow": PAYMENT, "set": {"webhook": {
        "auth": "hmac", "secret": "payment_webhook_key", "respond": "sync", "tolerance_seconds": 300}}},
    {"op": "set_actionflow_permission", "role": "user", "actionflow": NOTIFY, "allowed": True},
    {"op": "update_settings", "set": {"outbound_hosts": ["fulfilment.example.com"]}},
)

STEPS = (DATA_MODEL, FLOW_SHELL, GUARDED_UPDATE, PAGE, PERMISSIONS, INTEGRATIONS)


async def build(client: Client, slug: str) -> None:
    """A blank project, then the data model, the flow, the page, the permissions and the integrations: one edit (one Undo step) each."""
    created = await call(client, "create_project", slug=slug, name="Flash Sale")
    assert [t["name"] for t in created["definition"]["tables"]] == ["account"]
    for step in STEPS:
        await edit(client, slug, *step)
    report = await call(client, "validate", project=slug)
    assert report == {"ok": True, "problems": []}


async def publish_and_check(client: Client, slug: str) -> None:
    """Publish, add the product as admin, then the tutorial's four checks as a simulated user."""
    plan = await call(client, "plan_publish", project=slug)
    assert plan["publishable"] and plan["data_loss"] == [] and any("product" in s for s in plan["steps"])
    assert (await call(client, "publish", project=slug))["published"]
    inserted = await call(client, "graphql", project=slug, query=(
        'mutation { insert_product_one(object: {product_name: "Limited Sneakers", price: "129.00", stock: 2}) { id } }'))
    product = inserted["data"]["insert_product_one"]["id"]

    async def order(quantity: int) -> dict[str, Any]:
        return await call(client, "run_actionflow", project=slug, actionflow="Place Order",
                          args={"product_id": product, "quantity": quantity}, account="buyer_one")

    async def stock() -> int:
        seen = await call(client, "graphql", project=slug, role="account", account="buyer_one",
                          query="query { product { id stock } }")
        return int(seen["data"]["product"][0]["stock"])

    # 1. Not logged in: the flow is closed to visitors (the page shows "Please log in first" before calling it).
    anonymous = await call(client, "run_actionflow", project=slug, actionflow=FLOW, args={"product_id": product, "quantity": 1})
    assert anonymous["ok"] is False, anonymous
    await call(client, "graphql", project=slug, role="account", account="buyer_one", create_account=True, query="query { product { id } }")
    # 2. An invalid quantity.
    assert (await order(0))["output"] == {"status": "Please enter a valid quantity"}
    # 3. More than the stock: refused, nothing deducted.
    assert (await order(3))["output"] == {"status": "Stock shortage"}
    assert await stock() == 2
    # 4. A valid order: stock deducted, the order recorded for this account only.
    placed = await order(1)
    assert placed["output"] == {"status": "Order placed successfully"} and placed["log"][0]["status"] == "COMPLETED", placed
    assert await stock() == 1
    mine = await call(client, "graphql", project=slug, role="account", account="buyer_one",
                      query="query { order { quantity product { product_name } } }")
    assert mine["data"]["order"] == [{"quantity": 1, "product": {"product_name": "Limited Sneakers"}}]
    logs = await call(client, "run_logs", project=slug, actionflow=FLOW, status="COMPLETED")
    assert len(logs["entries"]) >= 3 and all(e["actionflow"] == FLOW and e["status"] == "COMPLETED" for e in logs["entries"])
    assert (await call(client, "run_logs", project=slug, since="2999-01-01T00:00:00Z"))["entries"] == []
    assert len((await call(client, "run_logs", project=slug, until="2999-01-01T00:00:00"))["entries"]) >= len(logs["entries"])


async def stress_and_read(client: Client, slug: str) -> None:
    """The designer's stress test on a throwaway copy (one item left: exactly one order), then resources and prompts."""
    product = (await call(client, "graphql", project=slug, query="query { product { id stock } }"))["data"]["product"][0]
    assert product["stock"] == 1
    report = await call(client, "stress_test", project=slug, actionflow="Place Order", account="buyer_one",
                        args={"product_id": product["id"], "quantity": 1}, n=40, concurrency=8)
    outcomes = {json.dumps(o.get("output")): o["count"] for o in report["outcomes"]}
    assert outcomes == {'{"status": "Order placed successfully"}': 1, '{"status": "Stock shortage"}': 39}, report
    after = await call(client, "graphql", project=slug, query="query { product { stock } }")
    assert after["data"]["product"][0]["stock"] == 1  # the real data is never touched

    templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
    assert "minimomen://projects/{slug}/app.json" in templates
    app = await client.read_resource(f"minimomen://projects/{slug}/app.json")
    assert json.loads(app.contents[0].text)["actionflows"][0]["id"] == FLOW  # type: ignore[union-attr]
    sdl = await client.read_resource(f"minimomen://projects/{slug}/schema.graphql")
    assert "place_order" in sdl.contents[0].text  # type: ignore[union-attr]
    prompts = {p.name for p in (await client.list_prompts()).prompts}
    assert {"add_list_page", "add_guarded_update"} <= prompts
    prompt = await client.get_prompt("add_list_page", {"project": slug, "table": "product"})
    assert "edit_definition" in prompt.messages[0].content.text  # type: ignore[union-attr]
