"""Golden cases (``golden/*.json``) over HTTP and over WebSocket (graphql-transport-ws).

Each case: ``query``, optional ``variables``, ``role`` (``admin``, ``anonymous`` or
``user:<name>``), optional ``operationName``, then either ``expected`` (the exact response) or ``expected_errors``
(Hasura's ``code``, Momen's ``classification``, optionally Hasura's ``path``, and message
fragments, with ``expected_data``, default null). ``after`` is a follow-up request checked
the same way (to see what a failed mutation left behind). A case with ``batch`` (a list
of operations) instead of ``query`` is sent as one JSON array over HTTP and operation by
operation over WebSocket; ``expected`` is then the list of responses. Over HTTP every
well-formed request answers 200 (``Accept: application/json``, as Hasura).
Every case starts from the same seeded data.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.runtime.graphql.conftest import Shop

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.json"))


def over_http(shop: Shop, role: str, query: str, variables: dict[str, Any] | None, operation_name: str | None = None) -> dict[str, Any]:
    response = shop.post(query, variables, role=role, operation_name=operation_name, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json", response.text
    return response.json()  # type: ignore[no-any-return]


def batch_over_http(shop: Shop, role: str, operations: list[dict[str, Any]]) -> list[Any]:
    response = httpx.post(shop.url, json=operations, headers={**shop.headers(role), "Accept": "application/json"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def batch_over_ws(shop: Shop, role: str, operations: list[dict[str, Any]]) -> list[Any]:
    return [over_ws(shop, role, o["query"], o.get("variables"), o.get("operationName")) for o in operations]


def over_ws(shop: Shop, role: str, query: str, variables: dict[str, Any] | None, operation_name: str | None = None) -> dict[str, Any]:
    token = shop.token_for(role)
    with connect(shop.ws_url, subprotocols=["graphql-transport-ws"], open_timeout=10, close_timeout=2) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {"headers": {"Authorization": f"Bearer {token}"}} if token else {}}))
        ack = json.loads(ws.recv(timeout=10))
        assert ack["type"] == "connection_ack", ack
        op_id = uuid.uuid4().hex
        payload: dict[str, Any] = {"query": query, "variables": variables or {}}
        if operation_name is not None:
            payload["operationName"] = operation_name
        ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
        result: dict[str, Any] | None = None
        while True:
            message = json.loads(ws.recv(timeout=30))
            if message.get("type") == "ping":
                ws.send(json.dumps({"type": "pong"}))
                continue
            assert message.get("id") == op_id, message
            if message["type"] == "next":
                result = result or message["payload"]
                if query.lstrip().startswith("subscription"):  # live: the first result is the one-shot answer
                    ws.send(json.dumps({"id": op_id, "type": "complete"}))
                    return result
            elif message["type"] == "error":
                return {"errors": message["payload"]}
            elif message["type"] == "complete":
                assert result is not None, "complete without a result"
                return result


TRANSPORTS = {"http": over_http, "ws": over_ws}
BATCH_TRANSPORTS = {"http": batch_over_http, "ws": batch_over_ws}


def check(response: dict[str, Any], case: dict[str, Any]) -> None:
    if "expected" in case:
        assert response == case["expected"], json.dumps(response, indent=1)
        return
    errors = response.get("errors") or []
    wanted = case["expected_errors"]
    assert len(errors) == len(wanted), json.dumps(response, indent=1)
    for error, expectation in zip(errors, wanted):
        extensions = error.get("extensions", {})
        assert extensions.get("code") == expectation["code"], error
        assert extensions.get("classification") == expectation["classification"], error
        if "path" in expectation:
            assert extensions.get("path") == expectation["path"], error
        for fragment in expectation.get("message_contains", []):
            assert fragment in error["message"], error
        assert "Traceback" not in error["message"]
    assert response.get("data") == case.get("expected_data"), json.dumps(response, indent=1)


@pytest.mark.parametrize("transport", list(TRANSPORTS))
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(shop: Shop, path: Path, transport: str) -> None:
    case = json.loads(path.read_text())
    shop.reset()
    if "batch" in case:
        assert BATCH_TRANSPORTS[transport](shop, case.get("role", "admin"), case["batch"]) == case["expected"]
        return
    run = TRANSPORTS[transport]
    check(run(shop, case.get("role", "admin"), case["query"], case.get("variables"), case.get("operationName")), case)
    if "after" in case:
        after = case["after"]
        check(run(shop, after.get("role", "admin"), after["query"], after.get("variables"), after.get("operationName")), after)
