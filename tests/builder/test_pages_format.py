"""Validation of the page features of issue 11 (docs/pages.md), on the support desk sample:
a binding that could not be resolved at run time is a problem on the component holding it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from builder.validation import validate

SAMPLE = Path(__file__).resolve().parents[2] / "projects" / "support_desk" / "app.json"


def desk() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def page(data: dict[str, Any], page_id: str) -> dict[str, Any]:
    return next(p for p in data["pages"] if p["id"] == page_id)


def find(tree: Any, component_id: str) -> dict[str, Any]:
    if isinstance(tree, dict):
        if tree.get("id") == component_id:
            return tree
        tree = list(tree.values())
    if isinstance(tree, list):
        for part in tree:
            found = find(part, component_id) if isinstance(part, (dict, list)) else None
            if found:
                return found
    return {}  # type: ignore[return-value]


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in validate(data).problems]


def test_support_desk_is_clean() -> None:
    assert problems(desk()) == []


def _input_inside_the_list(d: dict[str, Any]) -> None:
    card = find(page(d, "page_tickets"), "ticket_card")
    card["children"].append({"id": "row_note", "name": "Note", "type": "text_input"})
    find(page(d, "page_tickets"), "ticket_list")["source"]["filter"]["title"] = {"_contains": {"ref": "component.row_note.value"}}


def _record_outside(d: dict[str, Any]) -> None:
    page(d, "page_ticket")["components"].append({"id": "outside", "name": "Outside", "type": "text", "value": {"ref": "record.ticket_box.title"}})


def _bad_result(d: dict[str, Any]) -> None:
    find(page(d, "page_new_ticket"), "create_ticket")["events"]["onClick"][0]["on_success"][0]["params"]["ticket_id"] = {"ref": "result.nope"}


def _unknown_param(d: dict[str, Any]) -> None:
    find(page(d, "page_tickets"), "open_ticket")["events"]["onClick"][0]["params"] = {"ticket": {"ref": "item.id"}}


def _search_in_permissions(d: dict[str, Any]) -> None:
    d["permissions"]["tables"][2]["select"]["filter"] = {"title": {"_contains": "x"}}


def _sum_of_text(d: dict[str, Any]) -> None:
    find(page(d, "page_tickets"), "card_comments")["value"] = {"ref": "item.comments_aggregate.aggregate.sum.body"}


def _unknown_role(d: dict[str, Any]) -> None:
    page(d, "page_tickets")["access"] = {"allow": "roles", "roles": ["staf"]}


def _write_to_system_field(d: dict[str, Any]) -> None:
    find(page(d, "page_new_ticket"), "create_ticket")["events"]["onClick"][0]["values"]["created_at"] = "2026-01-01"


def _select_without_options(d: dict[str, Any]) -> None:
    find(page(d, "page_tickets"), "status_filter")["options"] = []


CASES: list[tuple[Callable[[dict[str, Any]], None], str, str]] = [
    (_input_inside_the_list, "source.filter.title._contains", "inside a list's item template"),
    (_record_outside, "pages[1].components[2].value", "can only be used inside container `ticket_box`"),
    (_bad_result, "params.ticket_id", "field `nope` does not exist on table ticket"),
    (_unknown_param, "params.ticket", "page Ticket has no parameter `ticket`"),
    (_search_in_permissions, "filter.title._contains", "is not a comparison"),
    (_sum_of_text, ".value", "`sum` needs a number field; `body` is text"),
    (_unknown_role, "access.roles[0]", "role `staf` does not exist. Did you mean `staff`?"),
    (_write_to_system_field, "values.created_at", "is set by the system"),
    (_select_without_options, "options", "give the select its options"),
]


@pytest.mark.parametrize(("change", "where", "says"), CASES, ids=[c[0].__name__ for c in CASES])
def test_unresolvable_bindings_are_problems_on_the_component(change: Callable[[dict[str, Any]], None], where: str, says: str) -> None:
    data = desk()
    change(data)
    found = problems(data)
    assert any(says in message and where in path for path, message in found), found


def test_renaming_a_field_rewrites_records_and_row_writes() -> None:
    from builder.loader import load_definition
    from builder.refactor import rename_field
    from builder.validation import validate_definition

    after = rename_field(load_definition(desk()), "tbl_ticket", "fld_ticket_title", "headline")
    assert validate_definition(after) == []
    data = after.model_dump(mode="json")
    assert find(page(data, "page_ticket"), "td_title")["value"] == {"ref": "record.ticket_box.headline"}
    create = find(page(data, "page_new_ticket"), "create_ticket")["events"]["onClick"][0]
    assert create["values"]["headline"] == {"ref": "component.new_title.value"} and "title" not in create["values"]
    assert find(page(data, "page_tickets"), "ticket_list")["source"]["filter"]["_and"][0] == {"headline": {"_contains": {"ref": "component.search.value"}}}
