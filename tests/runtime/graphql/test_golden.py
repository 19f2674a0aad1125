"""Golden cases (``golden/*.json``) over HTTP and over WebSocket (graphql-transport-ws).

Each case: ``query``, optional ``variables``, ``role`` (``admin``, ``anonymous`` or
``user:<name>``), optional ``operationName``, then either ``expected`` (the exact response) or ``expected_errors``
(codes and message fragments, with ``expected_data``, default null). ``after`` is a
follow-up request checked the same way (to see what a failed mutation left behind).
Every case starts from the same seeded data.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from tests.runtime.graphql.conftest import Shop

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.json"))


def over_http(shop: Shop, role: str, query: str, variables: dict[str, Any] | None, operation_name: str | None = None) -> dict[str, Any]:
    return shop.post(query, variables, role=role, operation_name=operation_name).json()


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


def check(response: dict[str, Any], case: dict[str, Any]) -> None:
    if "expected" in case:
        assert response == case["expected"], json.dumps(response, indent=1)
        return
    errors = response.get("errors") or []
    wanted = case["expected_errors"]
    assert len(errors) == len(wanted), json.dumps(response, indent=1)
    for error, expectation in zip(errors, wanted):
        assert error.get("extensions", {}).get("code") == expectation["code"], error
        for fragment in expectation.get("message_contains", []):
            assert fragment in error["message"], error
        assert "Traceback" not in error["message"]
    assert response.get("data") == case.get("expected_data"), json.dumps(response, indent=1)


@pytest.mark.parametrize("transport", list(TRANSPORTS))
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(shop: Shop, path: Path, transport: str) -> None:
    case = json.loads(path.read_text())
    shop.reset()
    run = TRANSPORTS[transport]
    check(run(shop, case.get("role", "admin"), case["query"], case.get("variables"), case.get("operationName")), case)
    if "after" in case:
        after = case["after"]
        check(run(shop, after.get("role", "admin"), after["query"], after.get("variables"), after.get("operationName")), after)
