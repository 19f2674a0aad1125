"""Validation reports every problem at once, with JSON paths, sentences and designer ids."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from builder.errors import Problem
from builder.loader import load_definition
from builder.validation import (
    ValidationReport,
    format_report,
    validate,
    validate_definition,
)
from builder.validation.schedules import preview_schedule

SAMPLE = Path(__file__).resolve().parents[2] / "projects" / "inventory_deduction" / "app.json"
UPDATE = "actionflows[0].nodes[1].branches[0].nodes[0]"
CREATE_ORDER = "actionflows[0].nodes[1].branches[0].nodes[1].branches[1].nodes[0]"


def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def flow_nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["actionflows"][0]["nodes"]


def update_node(data: dict[str, Any]) -> dict[str, Any]:
    return flow_nodes(data)[1]["branches"][0]["nodes"][0]


def create_order_node(data: dict[str, Any]) -> dict[str, Any]:
    return flow_nodes(data)[1]["branches"][0]["nodes"][1]["branches"][1]["nodes"][0]


def product_card(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["pages"][0]["components"][1]["item"][0]["children"]


def by_path(report: ValidationReport | list[Problem]) -> dict[str, list[Problem]]:
    problems = report.problems if isinstance(report, ValidationReport) else report
    found: dict[str, list[Problem]] = {}
    for problem in problems:
        found.setdefault(problem.path, []).append(problem)
    return found


def only_error(report: ValidationReport) -> Problem:
    assert len(report.errors) == 1, format_report(report)
    return report.errors[0]


def test_sample_has_no_errors_and_no_warnings() -> None:
    report = validate(sample())
    assert report.problems == (), format_report(report)
    assert report.ok
    assert format_report(report) == "The definition is valid."


def test_broken_copy_reports_every_problem_at_once() -> None:
    data = sample()
    update_node(data)["filter"]["_and"][1] = {"stok": {"_gte": {"ref": "input.quantity"}}}  # misspelled field
    data["permissions"]["tables"][0]["table"] = "tbl_produkt"  # unknown table id
    create_order_node(data)["values"]["quantity"] = {"ref": "node.set_status_success.x"}  # a later node
    product_card(data)[1]["id"] = "product_name_text"  # duplicate id
    data["tables"].append({"id": "tbl_log", "name": "pg_log", "fields": []})  # reserved name

    report = validate(data)
    problems = by_path(report)

    stok = problems[f"{UPDATE}.filter._and[1].stok"][0]
    assert stok.message == (
        "Actionflow Place Order, node Update Product Stock: field `stok` does not exist on table product. Did you mean `stock`?"
    )
    assert stok.location == {"actionflow": "place_order", "node": "update_product_stock"}

    table = problems["permissions.tables[0].table"][0]
    assert table.message == (
        "Permission of role anonymous on table tbl_produkt: table `tbl_produkt` does not exist. Did you mean `tbl_product`?"
    )

    later = problems[f"{CREATE_ORDER}.values.quantity"][0]
    assert later.message.startswith("Actionflow Place Order, node Create Order: node Set status: success has not run at this point")
    assert later.location == {"actionflow": "place_order", "node": "create_order"}

    duplicate = problems["pages[0].components[1].item[0].children[1].id"][0]
    assert duplicate.message == (
        "Page Page Order Inventory Deduction, component Price: id `product_name_text` is already used at "
        "pages[0].components[1].item[0].children[0]; every id must be unique in the app."
    )
    assert duplicate.location == {"page": "page_order_inventory_deduction", "component": "product_name_text"}

    reserved = problems["tables[3].name"][0]
    assert "`pg_log` is reserved" in reserved.message and reserved.message.startswith("Table pg_log: ")

    assert {p.severity for p in (stok, table, later, duplicate, reserved)} == {"error"}
    assert not report.ok
    # The misspelled guard also leaves the decrement without a floor: the linter says so.
    assert [w.path for w in report.warnings] == [f"{UPDATE}.decrement.stock"]
    assert len(report.errors) == 5, format_report(report)


def test_structural_errors_are_plain_sentences_with_paths() -> None:
    data = sample()
    del data["name"]
    data["tables"][1]["fields"][2]["type"] = "int"
    flow_nodes(data)[0]["colour"] = "red"
    flow_nodes(data)[1]["branches"][0]["nodes"][1]["type"] = "updat"
    data["permissions"]["tables"][0]["select"]["columns"] = 5
    data["settings"]["accent_color"] = "blue"

    report = validate(data)
    messages = {p.path: p.message for p in report.problems}
    assert messages == {
        "name": "Field `name` of the app: is required.",
        "tables[1].fields[2].type": "Field `type` of table product, field stock: must be one of text, bigint, decimal, boolean, timestamptz, date, jsonb, image, file.",
        "actionflows[0].nodes[0].colour": "Field `colour` of actionflow Place Order, node Get ID: is not a known setting here; remove it.",
        "actionflows[0].nodes[1].branches[0].nodes[1]": (
            "Actionflow Place Order, node Check Stock Deduction Result: unknown type `updat`; must be one of "
            "get_current_account, condition, query, insert, update, delete, set_variable, loop, run_actionflow, raise_error, call_api, run_code."
        ),
        "permissions.tables[0].select.columns": "Field `columns` of permission of role anonymous on table product: must be a list, or must be one of *.",
        "settings.accent_color": "Field `accent_color` of settings: must be a colour like #4f46e5.",
    }
    assert "pydantic" not in format_report(report).lower()
    assert "Input should" not in format_report(report)


def test_not_an_object() -> None:
    report = validate([1, 2])  # type: ignore[arg-type]
    assert only_error(report).message == "An app definition must be a JSON object."


# ------------------------------------------------------------------ data model


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("pg_stats", "reserved"),
        ("minimomen", "reserved"),
        ("product_aggregate", "generated GraphQL names"),
        ("product_by_pk", "generated GraphQL names"),
        ("sale_mutation_response", "generated GraphQL names"),
        ("query", "built-in GraphQL name"),
        ("subscription", "built-in GraphQL name"),
        ("fz_actions", "reserved"),
        ("id", "system field"),
    ],
)
def test_reserved_table_names_are_refused_with_a_reason(name: str, reason: str) -> None:
    data = sample()
    data["tables"].append({"id": "tbl_new", "name": name, "fields": []})
    problem = only_error(validate(data))
    assert problem.path == "tables[3].name"
    assert reason in problem.message


@pytest.mark.parametrize("name", ["product_stream", "product_many", "product_updates"])
def test_a_table_named_after_another_tables_generated_names_is_refused(name: str) -> None:
    data = sample()
    data["tables"].append({"id": "tbl_new", "name": name, "fields": []})
    problem = only_error(validate(data))
    assert problem.path == "tables[3].name"
    assert "GraphQL names generated for table `product`" in problem.message


@pytest.mark.parametrize("name", ["live_stream", "many", "updates"])
def test_stream_many_and_updates_names_are_fine_without_their_base_table(name: str) -> None:
    data = sample()
    data["tables"].append({"id": "tbl_new", "name": name, "fields": []})
    assert validate(data).ok, format_report(validate(data))


@pytest.mark.parametrize("name", ["order", "user", "select", "table"])
def test_sql_keywords_are_fine_table_names(name: str) -> None:
    data = sample()
    data["tables"][2]["name"] = "purchase"
    data["tables"].append({"id": "tbl_new", "name": name, "fields": []})
    assert validate(data).ok, format_report(validate(data))


@pytest.mark.parametrize(
    ("name", "reason"),
    [("id", "system field"), ("created_at", "system field"), ("pg_x", "reserved"), ("product_id", "foreign key of relation")],
)
def test_field_names_clashing_or_reserved(name: str, reason: str) -> None:
    data = sample()
    new = len(data["tables"][2]["fields"])
    data["tables"][2]["fields"].append({"id": "fld_new", "name": name, "type": "text"})
    problem = validate(data).errors[0]
    assert problem.path == f"tables[2].fields[{new}].name"
    assert reason in problem.message


def test_duplicate_table_and_field_names() -> None:
    data = sample()
    data["tables"].append({"id": "tbl_product2", "name": "product", "fields": []})
    data["tables"][1]["fields"].append({"id": "fld_stock2", "name": "stock", "type": "bigint"})
    problems = by_path(validate(data))
    assert "another table is already called `product`" in problems["tables[3].name"][0].message
    assert "already taken by field stock" in problems["tables[1].fields[3].name"][0].message


def test_account_username_is_a_system_field() -> None:
    data = sample()
    data["tables"][0]["fields"].append({"id": "fld_username", "name": "username", "type": "text"})
    assert "system field of account" in only_error(validate(data)).message


def test_relations_need_existing_tables_and_free_field_names() -> None:
    data = sample()
    data["relations"][0]["from_table"] = "tbl_acount"
    data["relations"][1]["to_field"] = "quantity"
    problems = by_path(validate(data))
    assert "table `tbl_acount` does not exist" in problems["relations[0].from_table"][0].message
    assert problems["relations[1].to_field"][0].message == (
        "Relation rel_product_orders: relationship field `quantity` clashes with field quantity on table order."
    )


def test_constraints_name_existing_fields() -> None:
    data = sample()
    data["constraints"].append({"id": "uq_name", "name": "uq_name", "table": "tbl_product", "fields": ["product_nam"]})
    problem = only_error(validate(data))
    assert problem.path == "constraints[0].fields[0]"
    assert problem.message.startswith("Unique constraint uq_name, field product_nam: field `product_nam` does not exist")


def test_missing_account_table() -> None:
    data = sample()
    data["tables"].pop(0)
    data["relations"].pop(0)
    data["permissions"]["tables"] = data["permissions"]["tables"][:2]
    create_order_node(data)["values"].pop("account_id")
    assert "`account` is missing" in only_error(validate(data)).message


# ------------------------------------------------------------------ actionflows


def test_node_values_must_be_writable_columns_and_numbers_for_increments() -> None:
    data = sample()
    update_node(data)["set"] = {"created_at": {"literal": "2020-01-01"}}
    update_node(data)["increment"] = {"product_name": 1}
    create_order_node(data)["values"]["quantiti"] = 1
    problems = by_path(validate(data))
    assert "set by the system and cannot be written" in problems[f"{UPDATE}.set.created_at"][0].message
    assert "only bigint and decimal fields can be increased" in problems[f"{UPDATE}.increment.product_name"][0].message
    assert "`quantiti` does not exist on table order. Did you mean `quantity`?" in problems[f"{CREATE_ORDER}.values.quantiti"][0].message


def test_filters_follow_relationships_and_check_operators() -> None:
    data = sample()
    update_node(data)["filter"]["_and"].append({"orders": {"account": {"usernam": {"_eq": "x"}}}})
    update_node(data)["filter"]["_and"].append({"stock": {"_greater": 1}})
    update_node(data)["filter"]["_and"].append({"orders": {"quantity": {"_gt": 0}}})  # fine
    problems = by_path(validate(data))
    assert problems[f"{UPDATE}.filter._and[2].orders.account.usernam"][0].message.endswith(
        "field `usernam` does not exist on table account. Did you mean `username`?"
    )
    assert "`_greater` is not a comparison" in problems[f"{UPDATE}.filter._and[3].stock._greater"][0].message
    assert len(validate(data).errors) == 2


def test_filters_take_aggregation_predicates_of_array_relationships() -> None:
    data = sample()
    checks = update_node(data)["filter"]["_and"]
    checks.append({"orders_aggregate": {"count": {"filter": {"quantity": {"_gt": 0}}, "predicate": {"_lt": {"ref": "input.quantity"}}}}})  # fine
    checks.append({"orders_aggregate": {"sum": {"arguments": "quantity", "predicate": {"_gte": 2}}}})  # fine
    checks.append({"orders_aggregate": {"median": {"predicate": {"_gt": 0}}}})
    checks.append({"orders_aggregate": {"sum": {"arguments": "created_at", "predicate": {"_gt": 0}}}})
    checks.append({"orders_aggregate": {"count": {"filter": {"quantiy": {"_gt": 0}}}}})
    checks.append({"account_aggregate": {"count": {"predicate": {"_gt": 0}}}})  # not an array relationship of product
    problems = by_path(validate(data))
    base = f"{UPDATE}.filter._and"
    assert "`median` is not a total" in problems[f"{base}[4].orders_aggregate.median"][0].message
    assert "sum needs a number field; `created_at` of order is timestamptz" in problems[f"{base}[5].orders_aggregate.sum.arguments"][0].message
    assert "field `quantiy` does not exist on table order" in problems[f"{base}[6].orders_aggregate.count.filter.quantiy"][0].message
    assert "is compared with (`predicate`" in problems[f"{base}[6].orders_aggregate.count"][0].message
    assert "field `account_aggregate` does not exist on table product" in problems[f"{base}[7].account_aggregate"][0].message
    assert len(validate(data).errors) == 5


def test_refs_to_sibling_branches_and_undeclared_names() -> None:
    data = sample()
    # set_status_invalid (in the otherwise branch) uses a node from the sibling branch.
    invalid = flow_nodes(data)[1]["branches"][1]["nodes"][0]
    invalid["assignments"] = {"status": {"ref": "node.update_product_stock.id"}, "stat": "x"}
    create_order_node(data)["values"]["quantity"] = {"ref": "input.quantiy"}
    data["actionflows"][0]["output"]["extra"] = {"ref": "var.nothing"}
    data["actionflows"][0]["output"]["ghost"] = {"ref": "node.ghost.id"}
    data["actionflows"][0]["output"]["acc"] = {"ref": "node.get_id.acount_id"}
    problems = by_path(validate(data))
    base = "actionflows[0].nodes[1].branches[1].nodes[0].assignments"
    assert "has not run at this point" in problems[f"{base}.status"][0].message
    assert problems[f"{base}.stat"][0].message == (
        "Actionflow Place Order, node Set status: invalid quantity: variable `stat` is not declared in this actionflow. Did you mean `status`?"
    )
    assert "input `quantiy` is not declared" in problems[f"{CREATE_ORDER}.values.quantity"][0].message
    assert "variable `nothing` is not declared" in problems["actionflows[0].output.extra"][0].message
    assert "node `ghost` does not exist" in problems["actionflows[0].output.ghost"][0].message
    assert "has no result `acount_id`" in problems["actionflows[0].output.acc"][0].message


def test_nodes_inside_branches_are_not_visible_after_the_condition() -> None:
    data = sample()
    data["actionflows"][0]["output"]["order_id"] = {"ref": "node.create_order.id"}
    problem = only_error(validate(data))
    assert problem.path == "actionflows[0].output.order_id"
    assert "Create Order has not run at this point" in problem.message


def test_output_keys_per_node_kind() -> None:
    data = sample()
    nodes = flow_nodes(data)
    nodes.insert(1, {"id": "find_product", "name": "Find Product", "type": "query", "table": "tbl_product",
                     "filter": {"id": {"_eq": {"ref": "input.product_id"}}}})
    data["actionflows"][0]["output"].update({
        "rows": {"ref": "node.find_product.rows"},
        "stock": {"ref": "node.find_product.stock"},  # only with one: true
        "who": {"ref": "node.get_id.username"},
    })
    problem = only_error(validate(data))
    assert problem.path == "actionflows[0].output.stock"
    assert "has no result `stock`" in problem.message
    nodes[1]["one"] = True
    assert validate(data).ok


def test_condition_branches_otherwise_only_last() -> None:
    data = sample()
    branches = flow_nodes(data)[1]["branches"]
    branches[0]["condition"], branches[1]["condition"] = None, {"input.quantity": {"_lte": 0}}
    problem = only_error(validate(data))
    assert problem.path == "actionflows[0].nodes[1].branches[0].condition"
    assert "only the last branch may be 'otherwise'" in problem.message


def test_loop_items_only_inside_their_loop() -> None:
    data = sample()
    data["actionflows"][0]["inputs"].append({"name": "ids", "type": "bigint", "list": True})
    flow_nodes(data).append({
        "id": "each_id", "name": "Each ID", "type": "loop", "over": {"ref": "input.ids"},
        "nodes": [{"id": "remember", "name": "Remember", "type": "set_variable", "assignments": {"status": {"ref": "loop.each_id.item"}}}],
    })
    assert validate(data).ok
    data["actionflows"][0]["output"]["last"] = {"ref": "loop.each_id.item"}
    assert "can only be used inside the loop node `each_id`" in only_error(validate(data)).message


def test_run_actionflow_target_recursion_and_args() -> None:
    data = sample()
    at = f"actionflows[{len(data['actionflows'])}]"
    data["actionflows"].append({
        "id": "buy_twice", "name": "Buy Twice", "inputs": [{"name": "pid", "type": "bigint", "required": True}],
        "nodes": [
            {"id": "first", "name": "First", "type": "run_actionflow", "actionflow": "place_order",
             "args": {"product_id": {"ref": "input.pid"}, "qty": 1}},
            {"id": "again", "name": "Again", "type": "run_actionflow", "actionflow": "buy_twice", "args": {"pid": 1}},
            {"id": "nowhere", "name": "Nowhere", "type": "run_actionflow", "actionflow": "place_ordr"},
        ],
        "output": {"status": {"ref": "node.first.status"}, "bad": {"ref": "node.first.nope"}},
    })
    problems = by_path(validate(data))
    assert "has no input `qty`" in problems[f"{at}.nodes[0].args.qty"][0].message
    assert "required input `quantity` of actionflow Place Order is not given" in problems[f"{at}.nodes[0].args"][0].message
    assert "recursion" in problems[f"{at}.nodes[1].actionflow"][0].message
    assert "Did you mean `place_order`?" in problems[f"{at}.nodes[2].actionflow"][0].message
    assert "has no result `nope`" in problems[f"{at}.output.bad"][0].message
    assert f"{at}.output.status" not in problems


def test_indirect_recursion_is_refused() -> None:
    data = sample()
    ping = len(data["actionflows"])
    for me, other in (("ping", "pong"), ("pong", "ping")):
        data["actionflows"].append({"id": me, "name": me.title(), "nodes": [
            {"id": f"call_{other}", "name": f"Call {other}", "type": "run_actionflow", "actionflow": other}]})
    errors = validate(data).errors
    assert [p.path for p in errors] == [f"actionflows[{ping}].nodes[0].actionflow", f"actionflows[{ping + 1}].nodes[0].actionflow"]


def test_unknown_operators_in_values() -> None:
    data = sample()
    create_order_node(data)["values"]["quantity"] = {"times": [{"ref": "input.quantity"}, 2]}
    update_node(data)["decrement"]["stock"] = {"sub": [{"ref": "input.quantity"}]}
    problems = by_path(validate(data))
    assert "`times` is not a value" in problems[f"{CREATE_ORDER}.values.quantity"][0].message
    assert "operator `sub` takes 2 operands, not 1" in problems[f"{UPDATE}.decrement.stock.sub"][0].message


def test_flow_id_may_not_shadow_generated_mutations() -> None:
    data = sample()
    data["actionflows"][0]["id"] = "insert_order"
    notify = next(f for f in data["actionflows"] if f["id"] == "place_order_and_notify")
    notify["nodes"][0]["actionflow"] = "insert_order"
    data["permissions"]["actionflows"]["user"] = ["insert_order", "place_order_and_notify"]
    data["pages"][0]["components"][1]["item"][0]["children"][4]["events"]["onClick"][0]["branches"][1]["actions"][0]["actionflow"] = "insert_order"
    assert "clash with a generated GraphQL mutation" in only_error(validate(data)).message


# ------------------------------------------------------------------ pages

CALL = "pages[0].components[1].item[0].children[4].events.onClick[0].branches[1].actions[0]"


def call_action(data: dict[str, Any]) -> dict[str, Any]:
    return product_card(data)[4]["events"]["onClick"][0]["branches"][1]["actions"][0]


def test_page_bindings() -> None:
    data = sample()
    data["pages"][0]["components"][0]["children"][0]["value"] = {"ref": "item.product_name"}  # outside a list
    product_card(data)[2]["value"] = {"ref": "item.stok"}
    call_action(data)["args"]["quantity"] = {"ref": "component.quantity.value"}
    call_action(data)["on_success"][0]["message"] = {"ref": "result.state"}
    call_action(data)["on_failure"][0]["message"] = {"ref": "result.status"}
    data["pages"][0]["components"][0]["children"][1]["branches"][0]["children"][0]["value"] = {"ref": "global.current_account.email"}
    problems = by_path(validate(data))
    assert problems["pages[0].components[0].children[0].value"][0].message == (
        "Page Page Order Inventory Deduction, component Title: `item.*` can only be used inside the item template of a list."
    )
    assert "field `stok` does not exist on table product" in problems["pages[0].components[1].item[0].children[2].value"][0].message
    assert "Did you mean `quantity_input`?" in problems[f"{CALL}.args.quantity"][0].message
    assert "has no output `state`. Did you mean `status`?" in problems[f"{CALL}.on_success[0].message"][0].message
    assert problems[f"{CALL}.on_success[0].message"][0].location == {
        "page": "page_order_inventory_deduction", "component": "place_order_button", "action": "toast_status"}
    assert "only be used in the on-success actions" in problems[f"{CALL}.on_failure[0].message"][0].message
    assert "field `email` does not exist on table account" in problems[
        "pages[0].components[0].children[1].branches[0].children[0].value"][0].message
    assert len(validate(data).errors) == 6


def test_item_refs_follow_object_relationships() -> None:
    data = sample()
    data["pages"][0]["components"].append({
        "id": "orders", "name": "Orders", "type": "list", "source": {"table": "tbl_order"},
        "item": [{"id": "ordered", "name": "Ordered", "type": "text", "value": {"ref": "item.product.product_name"}},
                 {"id": "buyer", "name": "Buyer", "type": "text", "value": {"ref": "item.account.nme"}}],
    })
    problem = only_error(validate(data))
    assert problem.path == "pages[0].components[2].item[1].value"
    assert "field `nme` does not exist on table account" in problem.message


def test_inputs_inside_a_list_are_only_visible_from_the_same_item_template() -> None:
    data = sample()
    data["pages"][0]["components"].append({
        "id": "outside_button", "name": "Outside", "type": "button",
        "events": {"onClick": [{"id": "say", "type": "show_toast", "message": {"ref": "component.quantity_input.value"}}]},
    })
    data["pages"][0]["components"][0]["children"].append({"id": "search", "name": "Search", "type": "text_input"})
    product_card(data)[0]["value"] = {"ref": "component.search.value"}  # outside input, used inside the list: fine
    problem = only_error(validate(data))
    assert problem.path == "pages[0].components[2].events.onClick[0].message"
    assert "inside a list's item template" in problem.message


def test_actions_need_existing_targets() -> None:
    data = sample()
    call_action(data)["actionflow"] = "place_ordr"
    call_action(data)["on_success"].append({"id": "go", "type": "navigate", "page": "checkout"})
    call_action(data)["on_success"].append({"id": "remember", "type": "set_variable", "variable": "last", "value": 1})
    problems = by_path(validate(data))
    assert "actionflow `place_ordr` does not exist" in problems[f"{CALL}.actionflow"][0].message
    assert "page `checkout` does not exist" in problems[f"{CALL}.on_success[1].page"][0].message
    assert "page variable `last` is not declared" in problems[f"{CALL}.on_success[2].variable"][0].message


def test_page_paths_and_home_page() -> None:
    data = sample()
    data["pages"].append({"id": "second", "name": "Second", "path": ""})
    data["settings"]["home_page"] = "first"
    problems = by_path(validate(data))
    assert "path '' (the home page) is already used by page" in problems["pages[1].path"][0].message
    assert problems["settings.home_page"][0].message == "Settings: home page `first` does not exist."


# ------------------------------------------------------------------ permissions and seed


def test_permissions() -> None:
    data = sample()
    rules = data["permissions"]["tables"]
    rules.append({"role": "admin", "table": "tbl_order", "select": {}})
    rules.append({"role": "editor", "table": "tbl_order", "delete": {}})
    rules[2]["select"]["columns"] = ["quantity", "qty"]
    rules[2]["select"]["filter"] = {"account_id": {"_eq": {"ref": "input.account_id"}}}
    data["permissions"]["actionflows"]["anonymous"] = ["place_ordr"]
    problems = by_path(validate(data))
    assert "role `admin` (the admin token) can always do everything" in problems["permissions.tables[4].role"][0].message
    assert "role `editor` does not exist" in problems["permissions.tables[5].role"][0].message
    assert "`qty` does not exist on table order" in problems["permissions.tables[2].select.columns.qty"][0].message
    assert "use session.account_id or session.role" in problems["permissions.tables[2].select.filter.account_id._eq"][0].message
    assert problems["permissions.actionflows.anonymous[0]"][0].message == (
        "Actionflow rights of role anonymous: actionflow `place_ordr` does not exist. Did you mean `place_order`?"
    )
    data["roles"].append({"id": "role_editor", "name": "editor"})
    assert "permissions.tables[5].role" not in by_path(validate(data))


def test_seed_tables_and_columns() -> None:
    data = sample()
    data["seed"][0]["rows"][1]["stok"] = 3
    data["seed"].append({"table": "tbl_nope", "rows": []})
    problems = by_path(validate(data))
    assert problems["seed[0].rows[1].stok"][0].message == (
        "Seed data for table product, row 2: field `stok` does not exist on table product. Did you mean `stock`?"
    )
    assert "table `tbl_nope` does not exist" in problems["seed[1].table"][0].message


# ------------------------------------------------------------------ API shape


def test_validate_definition_on_parsed_definitions() -> None:
    definition = load_definition(sample())
    assert validate_definition(definition) == []
    broken = copy.deepcopy(sample())
    broken["settings"]["home_page"] = "gone"
    problems = validate_definition(load_definition(broken))
    assert [p.path for p in problems] == ["settings.home_page"]


def test_report_properties_and_cli_format() -> None:
    data = sample()
    update_node(data)["filter"] = {"id": {"_eq": {"ref": "input.product_id"}}}  # a warning: no floor
    data["settings"]["home_page"] = "gone"  # an error
    report = validate(data)
    assert [p.severity for p in report.errors] == ["error"]
    assert [p.severity for p in report.warnings] == ["warning"]
    assert not report.ok
    text = format_report(report)
    assert text.splitlines()[-1] == "1 error, 1 warning."
    assert "error: Settings: home page `gone` does not exist.  [settings.home_page]" in text
    assert report.to_json()["ok"] is False
    del data["settings"]["home_page"]
    assert validate(data).ok  # warnings alone are fine


# ------------------------------------------------------------------ lists inside a list's item

NESTED = "pages[0].components[1].item[0].children[5]"
ORDER_LINK = {"product_id": {"_eq": {"ref": "item.id"}}}


def nest_list(data: dict[str, Any], table: str = "tbl_order", filter: dict[str, Any] | None = None) -> dict[str, Any]:
    """Put a list of ``table`` into the product card (path ``NESTED``) and return the data."""
    product_card(data).append({
        "id": "card_rows", "name": "Card Rows", "type": "list",
        "source": {"table": table, "filter": filter or {}},
        "item": [{"id": "card_row_id", "name": "Row Id", "type": "text", "value": {"ref": "item.id"}}],
    })
    return data


def only_warning(report: ValidationReport) -> Problem:
    assert report.errors == [], format_report(report)
    assert len(report.warnings) == 1, format_report(report)
    return report.warnings[0]


@pytest.mark.parametrize(
    "linked",
    [
        ORDER_LINK,
        {"_and": [{"quantity": {"_gte": 2}}, ORDER_LINK]},
        {"product_id": {"_eq": {"ref": "item.id"}}, "quantity": {"_gte": {"ref": "global.current_account.id"}}},
    ],
)
def test_a_nested_list_linked_to_its_row_gets_no_warning(linked: dict[str, Any]) -> None:
    report = validate(nest_list(sample(), filter=linked))
    assert report.problems == (), format_report(report)


def test_an_unlinked_nested_list_gets_one_warning_naming_both_tables_and_the_relation() -> None:
    report = validate(nest_list(sample()))
    warning = only_warning(report)
    assert warning.path == NESTED
    assert warning.severity == "warning" and report.ok
    assert warning.location == {"page": "page_order_inventory_deduction", "component": "card_rows"}
    assert warning.message == (
        "Page Page Order Inventory Deduction, component Card Rows: this list of order inside the list Product List "
        "is not linked to its row: its filter does not tie the order rows to the product of the row, so it cannot "
        "show the order rows of each product (it stays empty). Filter it by `product_id` equal to `item.id` "
        "(relation product.orders) to show the order rows of each product."
    )


def test_a_nested_list_linked_by_the_wrong_field_is_told_the_right_one() -> None:
    warning = only_warning(validate(nest_list(sample(), filter={"account_id": {"_eq": {"ref": "item.id"}}})))
    assert warning.path == NESTED
    assert "compares `account_id` with `item.id`, which is not the link of a relation between product and order" in warning.message
    assert "Filter it by `product_id` equal to `item.id`" in warning.message


def test_a_nested_list_may_use_item_only_in_its_link() -> None:
    both = {"product_id": {"_eq": {"ref": "item.id"}}, "quantity": {"_lte": {"ref": "item.stock"}}}
    warning = only_warning(validate(nest_list(sample(), filter=both)))
    assert warning.path == NESTED
    assert "uses `item.*` outside its link `product_id` = `item.id`" in warning.message


def test_a_nested_list_of_an_unrelated_table_is_told_there_is_no_relation() -> None:
    data = sample()
    data["tables"].append({"id": "tbl_note", "name": "note", "fields": [{"id": "fld_note_text", "name": "text", "type": "text"}]})
    warning = only_warning(validate(nest_list(data, table="tbl_note", filter={"text": {"_eq": "x"}})))
    assert warning.path == NESTED
    assert "table note has no relation to table product" in warning.message
    assert "Add a relation (product has many note) and filter the list by it" in warning.message


def test_a_nested_list_of_the_one_side_suggests_a_bound_text() -> None:
    data = sample()
    orders = {"id": "order_list", "name": "Order List", "type": "list", "source": {"table": "tbl_order"}, "item": [
        {"id": "its_product", "name": "Its Product", "type": "list",
         "source": {"table": "tbl_product", "filter": {"id": {"_eq": {"ref": "item.product_id"}}}},
         "item": [{"id": "its_name", "name": "Name", "type": "text", "value": {"ref": "item.product_name"}}]}]}
    data["pages"][0]["components"].append(orders)
    warning = only_warning(validate(data))
    assert warning.path == "pages[0].components[2].item[0]"
    assert "each order has at most one product, not a list of them" in warning.message
    assert "texts bound to `item.product.<field>`" in warning.message


def test_lists_deeper_down_are_checked_against_their_own_parent_list() -> None:
    data = nest_list(sample(), filter=ORDER_LINK)
    product_card(data)[5]["item"].append({"id": "deep", "name": "Deep", "type": "conditional_view", "branches": [
        {"id": "always", "name": "Always", "condition": None, "children": [
            {"id": "deep_products", "name": "Deep Products", "type": "list", "source": {"table": "tbl_product"}, "item": []}]}]})
    warning = only_warning(validate(data))
    assert warning.path == f"{NESTED}.item[1].branches[0].children[0]"
    assert "this list of product inside the list Card Rows" in warning.message


@pytest.mark.parametrize(
    "inner_filter",
    [
        {},
        ORDER_LINK,
        {"_and": [{"quantity": {"_gte": 1}}, {"_and": [ORDER_LINK]}]},
        {"_or": [ORDER_LINK]},
        {"account_id": {"_eq": {"ref": "item.id"}}},
        {"product_id": {"_eq": {"ref": "item.stock"}}},
        {"product_id": {"_in": [{"ref": "item.id"}]}},
        {"product_id": {"_eq": {"ref": "item.id"}}, "quantity": {"_lte": {"ref": "item.stock"}}},
        {"_and": [ORDER_LINK, {"product_id": {"_eq": {"ref": "item.id"}}}]},
    ],
)
def test_the_warning_agrees_with_what_the_page_runtime_can_load(inner_filter: dict[str, Any]) -> None:
    from builder.resolved import resolve
    from runtime.pages.nesting import NotNestable, link_of

    data = nest_list(sample(), filter=inner_filter)
    definition = load_definition(data)
    warned = [p.path for p in validate_definition(definition) if p.severity == "warning"]
    try:
        link_of(definition.pages[0].components[1].item[0].children[5], resolve(definition).table("product"), resolve(definition))
        loads = True
    except NotNestable:
        loads = False
    assert warned == ([] if loads else [NESTED])


# ------------------------------------------------------------------ display settings


def test_display_settings_default_when_absent() -> None:
    """Definitions written before currency, locale and time zone existed load unchanged."""
    data = sample()
    assert not {"currency", "locale", "time_zone"} & set(data["settings"])
    settings = load_definition(data).settings
    assert (settings.currency, settings.locale, settings.time_zone) == ("USD", "en-US", "UTC")
    assert validate(data).ok


def test_supported_display_settings_are_valid() -> None:
    data = sample()
    data["settings"].update(currency="JPY", locale="ja-JP", time_zone="Asia/Tokyo")
    report = validate(data)
    assert report.problems == (), format_report(report)


def test_unknown_display_settings_are_errors_with_paths_and_hints() -> None:
    data = sample()
    data["settings"].update(currency="euro", locale="de_de", time_zone="Europe/Berlinn")
    report = validate(data)
    messages = {p.path: p.message for p in report.errors}
    assert messages == {
        "settings.currency": (
            "Settings: currency `euro` is not a supported ISO 4217 code; choose one of "
            "USD, EUR, GBP, JPY, CNY, BRL, INR, KRW, CAD, AUD. Did you mean `EUR`?"
        ),
        "settings.locale": (
            "Settings: locale `de_de` is not supported; choose one of "
            "en-US, en-GB, de-DE, fr-FR, es-ES, ja-JP, zh-CN, pt-BR. Did you mean `de-DE`?"
        ),
        "settings.time_zone": (
            "Settings: time zone `Europe/Berlinn` is not an IANA time zone name such as "
            "`Europe/Berlin`, `America/New_York` or `UTC`. Did you mean `Europe/Berlin`?"
        ),
    }
    assert not report.ok


@pytest.mark.parametrize(
    "key,value",
    [("currency", "CHF"), ("currency", ""), ("locale", "tlh"), ("time_zone", "Mars/Olympus"), ("time_zone", "localtime"), ("time_zone", "EST5EDT")],
)
def test_each_unsupported_display_setting_is_one_error(key: str, value: str) -> None:
    data = sample()
    data["settings"][key] = value
    problem = only_error(validate(data))
    assert problem.path == f"settings.{key}"
    assert f"`{value}`" in problem.message and "Did you mean" not in problem.message


def test_display_settings_must_be_text() -> None:
    data = sample()
    data["settings"]["currency"] = 978
    assert only_error(validate(data)).message == "Field `currency` of settings: must be text."


# ---------------------------------------------------------------- actionflow schedules


def scheduled(schedule: dict[str, Any], inputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The sample plus a flow ``nightly`` carrying ``schedule``."""
    data = sample()
    data["actionflows"].append({"id": "nightly", "name": "Nightly", "inputs": inputs or [], "schedule": schedule})
    return data


NIGHTLY = f"actionflows[{len(sample()['actionflows'])}]"


@pytest.mark.parametrize("cron", ["0 3 * * *", "*/15 9-17 * * mon-fri", "*/2 * * * * *"])
def test_a_valid_schedule_passes(cron: str) -> None:
    data = scheduled({"cron": cron, "time_zone": "Europe/Berlin", "start_at": "2026-01-01T00:00:00", "end_at": "2027-01-01T00:00:00Z"})
    assert validate(data).ok, validate(data).problems


def test_schedule_problems_are_reported_together_with_paths_and_sentences() -> None:
    data = scheduled(
        {"cron": "61 * * * *", "time_zone": "Europe/Berlinn", "start_at": "2026-06-01T00:00:00Z", "end_at": "2026-05-01T00:00:00Z"},
        inputs=[{"name": "day", "type": "date", "required": True}, {"name": "note", "type": "text"}],
    )
    found = {path: [p.message for p in problems] for path, problems in by_path(validate(data)).items()}
    assert found == {
        f"{NIGHTLY}.schedule.cron": [
            "Actionflow Nightly: the schedule `61 * * * *` is not a valid cron expression: one of its fields is out of range or misspelled."
        ],
        f"{NIGHTLY}.schedule.time_zone": [
            ("Actionflow Nightly: time zone `Europe/Berlinn` is not an IANA time zone name such as "
             "`Europe/Berlin`, `America/New_York` or `UTC`. Did you mean `Europe/Berlin`?")
        ],
        f"{NIGHTLY}.schedule.end_at": ["Actionflow Nightly: the schedule ends before it starts; choose an end time after the start time."],
        f"{NIGHTLY}.inputs": [
            "Actionflow Nightly: a scheduled run passes no inputs, but `day` is required; make it optional or remove the schedule."
        ],
    }


@pytest.mark.parametrize("cron", ["* * *", "* * * * * * *", "every day"])
def test_a_cron_with_the_wrong_number_of_fields_is_explained(cron: str) -> None:
    problem = only_error(validate(scheduled({"cron": cron})))
    assert problem.path == f"{NIGHTLY}.schedule.cron"
    assert "5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first" in problem.message


def test_a_flow_without_a_schedule_saves_without_the_key() -> None:
    definition = load_definition(scheduled({"cron": "0 3 * * *"}))
    flows = definition.model_dump(mode="json")["actionflows"]
    assert "schedule" not in flows[0] and flows[-1]["schedule"]["cron"] == "0 3 * * *"


def test_the_designer_hint_lists_the_next_fire_times_in_the_zone_or_says_what_is_wrong() -> None:
    after = datetime.datetime(2026, 3, 27, 12, 0, tzinfo=datetime.UTC)  # Friday; Berlin moves to summer time on Sunday
    assert preview_schedule("30 8 * * *", "Europe/Berlin", after=after)["next"] == [
        "2026-03-28T08:30:00+01:00", "2026-03-29T08:30:00+02:00", "2026-03-30T08:30:00+02:00",
    ]
    assert preview_schedule("*/2 * * * * *", "UTC", after=after)["next"][0] == "2026-03-27T12:00:02+00:00"
    assert preview_schedule("0 25 * * *", "UTC") == {
        "next": [], "problem": "Not a valid cron expression: one of its fields is out of range or misspelled.",
    }
    assert preview_schedule("0 9 * * *", "Mars/Olympus")["problem"].startswith("Time zone `Mars/Olympus` is not an IANA time zone")
    assert preview_schedule("", "UTC")["problem"] == "Enter a cron expression such as `0 9 * * 1-5` (9:00 on weekdays)."
