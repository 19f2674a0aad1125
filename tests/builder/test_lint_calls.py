"""The race linter and the validator on Call API nodes: an inline call after writes or row locks is warned about."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from builder.lint import lint_definition
from builder.loader import load_definition
from builder.validation import validate_definition

SAMPLE = Path(__file__).resolve().parents[2] / "projects" / "inventory_deduction" / "app.json"

CALL = {"id": "charge", "name": "Charge Card", "type": "call_api", "method": "POST", "url": "https://pay.example.com/charges",
        "body_type": "json", "body": {"amount": 1}}
DEDUCT = {"id": "deduct", "name": "Deduct Stock", "type": "update", "table": "tbl_product",
          "filter": {"id": {"_eq": {"ref": "input.product_id"}}}, "decrement": {"stock": 1}}


def definition(nodes: list[dict[str, Any]], hosts: list[str] | None = None) -> Any:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["actionflows"].append({"id": "charge_flow", "name": "Charge Flow", "inputs": [{"name": "product_id", "type": "bigint"}], "nodes": nodes})
    data["settings"]["outbound_hosts"] = hosts if hosts is not None else ["pay.example.com"]
    return load_definition(data)


def messages(d: Any) -> list[str]:
    return [p.message for p in lint_definition(d) if "Charge Card" in p.message]


def test_an_inline_call_after_a_write_is_warned_about_and_after_commit_is_not() -> None:
    warned = messages(definition([DEDUCT, {**CALL, "mode": "inline"}]))
    assert warned == ["Actionflow Charge Flow, node Charge Card: calls an API inline after Deduct Stock locked rows; they stay locked "
                      "(and concurrent runs wait) until the answer arrives. Use after commit, or move the call before the writes."]
    assert messages(definition([DEDUCT, {**CALL, "mode": "after_commit"}])) == []
    assert messages(definition([{**CALL, "mode": "inline"}, DEDUCT])) == []  # before the write: no lock held yet


def test_the_validator_warns_about_inline_calls_and_unlisted_hosts() -> None:
    found = {p.message.split(": ", 1)[1] for p in validate_definition(definition([{**CALL, "mode": "inline"}], hosts=[])) if "Charge Card" in p.message}
    assert any(m.startswith("host `pay.example.com` is not in the project's outbound hosts") for m in found)
    assert any(m.startswith("an inline call keeps the flow's transaction open") for m in found)
    bad = {p.message for p in validate_definition(definition([{**CALL, "url": "pay.example.com", "method": "GET"}])) if p.severity == "error"}
    assert any("is not an http(s) URL" in m for m in bad) and any("a GET request carries no body" in m for m in bad)
