"""The second sample, ``projects/support_desk``: it loads, validates, migrates and serves like the
first, and its forms' writes are checked by the server (bad input and forbidden writes sent by
hand over the page's own endpoint get a clear message and leave the database unchanged)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from builder.loader import load_definition
from builder.validation import validate
from tests.conftest import SAMPLES
from tests.desk_support import BASE, SLUG, Desk, running_desk, write


def test_sample_loads_and_validates() -> None:
    data = json.loads((SAMPLES / SLUG / "app.json").read_text())
    definition = load_definition(data)
    assert {t.name for t in definition.tables} >= {"account", "ticket", "comment"}
    assert [r.name for r in definition.roles] == ["staff"]
    assert {p.path for p in definition.pages} == {"tickets", "ticket", "new-ticket", "edit-ticket", "staff"}
    assert validate(data).problems == ()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, db_server: Any) -> Iterator[Desk]:
    with running_desk(tmp_path_factory.mktemp("desk"), db_server) as desk:
        yield desk


def _tickets(desk: Desk) -> list[tuple[Any, ...]]:
    return desk.sql("SELECT id, title, status, priority, due_date, requester_id FROM ticket ORDER BY id")


def test_migrated_and_served(desk: Desk) -> None:
    columns = {r[0]: r[1] for r in desk.sql("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'ticket'")}
    assert columns["due_date"] == "date" and columns["requester_id"] == "bigint" and columns["status"] == "text"
    anonymous = httpx.get(f"{desk.server.url}{BASE}/tickets", follow_redirects=False)
    assert anonymous.status_code == 303  # logged-in only: sent to the login page and back
    assert anonymous.headers["location"] == f"{BASE}/login?next=%2Fp%2Fsupport_desk%2Ftickets"
    client = desk.client("served_ann")
    page = client.get(f"{BASE}/tickets")
    assert page.status_code == 200 and 'data-mm="ticket_list"' in page.text


def test_page_access_by_role(desk: Desk) -> None:
    requester = desk.client("role_gus")
    refused = requester.get(f"{BASE}/staff")
    assert refused.status_code == 403 and "This board is for staff only." in refused.text
    desk.add_ticket("role_gus", "Broken chair")
    staff = desk.client("role_hal")
    desk.make_staff("role_hal")
    board = staff.get(f"{BASE}/staff")
    assert board.status_code == 200 and "Broken chair (role_gus)" in board.text


def test_a_form_creates_a_row_as_the_visitor(desk: Desk) -> None:
    client = desk.client("form_bea")
    answer = write(client, "page_new_ticket", "insert_ticket", {
        "component.new_title.value": "Printer on fire", "component.new_description.value": "Smoke",
        "component.new_priority.value": "high", "component.new_due.value": "2026-12-24"})
    assert answer.status_code == 200, answer.text
    row = answer.json()["row"]
    assert row["title"] == "Printer on fire" and row["due_date"] == "2026-12-24" and row["status"] == "open"
    assert row["requester_id"] == desk.account_id("form_bea")  # the role's preset, not the request
    page = client.get(f"{BASE}/ticket", params={"ticket_id": row["id"]})
    assert "Printer on fire" in page.text


BAD_INPUT = [
    ({"component.new_title.value": "", "component.new_priority.value": "low"}, {"new_title": "This field is required."}),
    ({"component.new_priority.value": "low"}, {"new_title": "This field is required."}),  # left out of the request
    ({"component.new_title.value": 5, "component.new_priority.value": "low"}, {"new_title": "Enter text."}),
    ({"component.new_title.value": "x" * 121, "component.new_priority.value": "low"}, {"new_title": "Enter at most 120 characters."}),
    ({"component.new_title.value": "Ok", "component.new_priority.value": "low", "component.new_due.value": "2026-02-30"},
     {"new_due": "Enter a valid date."}),
    ({"component.new_title.value": "Ok", "component.new_priority.value": "urgent"}, {"new_priority": "Choose one of the options."}),
]


@pytest.mark.parametrize(("refs", "fields"), BAD_INPUT)
def test_bad_input_is_refused_and_nothing_written(desk: Desk, refs: dict[str, Any], fields: dict[str, str]) -> None:
    client = desk.client(f"bad_{abs(hash(json.dumps(refs))) % 10**8}")
    before = _tickets(desk)
    answer = write(client, "page_new_ticket", "insert_ticket", refs)
    assert answer.status_code == 422, answer.text
    assert answer.json()["fields"] == fields
    assert _tickets(desk) == before


def test_forbidden_write_by_hand_is_refused_and_nothing_written(desk: Desk) -> None:
    requester = desk.client("hand_cai")
    ticket = desk.add_ticket("hand_cai", "Mine")
    answer = write(requester, "page_edit_ticket", "update_status", {"param.ticket_id": ticket, "component.edit_status.value": "closed"})
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"] == "You are not allowed to make this change."
    assert desk.sql("SELECT status FROM ticket WHERE id = %s", (ticket,)) == [("open",)]
    # Someone else's ticket: not visible, so not changeable either.
    other = desk.client("hand_dan")
    answer = write(other, "page_edit_ticket", "update_ticket", {
        "param.ticket_id": ticket, "component.edit_title.value": "Taken over", "component.edit_priority.value": "low"})
    assert answer.status_code == 404, answer.text
    assert desk.sql("SELECT title FROM ticket WHERE id = %s", (ticket,)) == [("Mine",)]
    # An action the page does not have, and a write without the CSRF token.
    assert write(requester, "page_edit_ticket", "drop_everything", {}).status_code == 409
    assert write(requester, "page_edit_ticket", "update_status", {"param.ticket_id": ticket}, csrf=False).status_code == 401
    assert desk.sql("SELECT status, title FROM ticket WHERE id = %s", (ticket,)) == [("open", "Mine")]


def test_staff_may_change_status(desk: Desk) -> None:
    desk.client("hand_eve")
    ticket = desk.add_ticket("hand_eve", "Needs help")
    staff = desk.client("staff_fay")
    desk.make_staff("staff_fay")
    answer = write(staff, "page_edit_ticket", "update_status", {"param.ticket_id": ticket, "component.edit_status.value": "in_progress"})
    assert answer.status_code == 200, answer.text
    assert desk.sql("SELECT status FROM ticket WHERE id = %s", (ticket,)) == [("in_progress",)]
