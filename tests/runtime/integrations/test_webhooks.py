"""Webhook triggers and project secrets on a real server: signatures, replays, bodies, bearer, async; secrets never answered."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from runtime.integrations.webhooks import signature
from tests.conftest import LiveServer, copy_sample, start_server, unique_prefix
from tests.runtime.integrations.project import LOG_TABLE, with_flows
from tests.runtime.integrations.receiver import receiver
from tests.runtime.shared_servers import designer, drop_databases, project_db

SLUG = "inventory_deduction"
HOOK_KEY = "whsec_" + "Kp7" * 10


def hook_flow(flow_id: str, webhook: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": flow_id,
        "name": flow_id.replace("_", " ").title(),
        "inputs": [{"name": "order_id", "type": "bigint", "required": True}, {"name": "amount", "type": "decimal"}],
        "nodes": [{"id": f"{flow_id}_log", "name": "Log", "type": "insert", "table": "tbl_change_log",
                   "values": {"product_id": {"ref": "input.order_id"}, "event": flow_id}}],
        "output": {"logged": {"ref": f"node.{flow_id}_log.id"}},
        "webhook": webhook,
    }


CALL_OUT = {
    "id": "call_out",
    "name": "Call Out",
    "inputs": [{"name": "url", "type": "text", "required": True}],
    "nodes": [{"id": "call_out_api", "name": "Call Out Api", "type": "call_api", "mode": "inline", "method": "POST", "url": {"ref": "input.url"},
               "headers": {"Authorization": "Bearer {{secret:hook_key}}"}, "body_type": "json", "body": {"hello": "world"}, "retries": 0}],
    "output": {"status": {"ref": "node.call_out_api.status"}},
}

FLOWS = [
    CALL_OUT,
    hook_flow("paid", {"secret": "hook_key"}),
    hook_flow("paid_later", {"secret": "hook_key", "respond": "async"}),
    hook_flow("paid_bearer", {"secret": "hook_key", "auth": "bearer"}),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server: Any) -> Iterator[tuple[LiveServer, str]]:
    workspace = tmp_path_factory.mktemp("hooks")
    copy_sample(workspace)
    data = with_flows(FLOWS, tables=[LOG_TABLE])
    data["permissions"]["actionflows"]["anonymous"] = ["call_out"]  # the designer's Run is anonymous unless an account is picked
    (workspace / SLUG / "app.json").write_text(json.dumps(data, indent=2))
    prefix = unique_prefix()
    live = start_server(workspace, db_server, prefix=prefix)
    try:
        done = subprocess.run([sys.executable, "-m", "runtime.cli", "secret", "set", SLUG, "hook_key", "--workspace", str(workspace)],
                              input=HOOK_KEY + "\n", env=live.env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert HOOK_KEY not in done.stdout + done.stderr
        yield live, prefix
    finally:
        live.stop()
        drop_databases(db_server, prefix)


def post(live: LiveServer, flow_id: str, body: bytes, *, stamp: int | None = None, secret: str = HOOK_KEY,
         headers: dict[str, str] | None = None) -> httpx.Response:
    stamp = int(time.time()) if stamp is None else stamp
    sent = {"x-webhook-timestamp": str(stamp), "x-webhook-signature": signature(secret, str(stamp), body), "content-type": "application/json"}
    return httpx.post(f"{live.url}/p/{SLUG}/webhooks/{flow_id}", content=body, headers={**sent, **(headers or {})}, timeout=30)


def logged(db_server: Any, prefix: str, event: str) -> list[int]:
    with project_db(db_server, prefix, SLUG) as conn:
        return [r[0] for r in conn.execute("SELECT product_id FROM change_log WHERE event = %s ORDER BY id", (event,))]


def test_a_valid_signature_runs_the_flow_and_answers_its_output(server: tuple[LiveServer, str], db_server: Any) -> None:
    live, prefix = server
    response = post(live, "paid", b'{"order_id": 41, "amount": "9.90"}')
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["output"]["logged"], int)
    assert logged(db_server, prefix, "paid") == [41]


def test_wrong_signature_replay_and_malformed_bodies_are_refused_and_nothing_runs(server: tuple[LiveServer, str], db_server: Any) -> None:
    live, prefix = server
    body = b'{"order_id": 42}'
    wrong = post(live, "paid", body, secret="not-the-key")
    old = post(live, "paid", body, stamp=int(time.time()) - 3600)
    future = post(live, "paid", body, stamp=int(time.time()) + 3600)
    unsigned = httpx.post(f"{live.url}/p/{SLUG}/webhooks/paid", content=body, timeout=30)
    not_json = post(live, "paid", b"order_id=42")
    missing = post(live, "paid", b'{"amount": 3}')
    wrong_type = post(live, "paid", b'{"order_id": "forty-two"}')
    unknown = post(live, "paid", b'{"order_id": 42, "admin": true}')
    assert (wrong.status_code, wrong.json()["code"]) == (401, "UNAUTHENTICATED")
    assert "does not match" in wrong.json()["error"]
    assert (old.status_code, old.json()["code"]) == (401, "REPLAY_REFUSED")
    assert (future.status_code, future.json()["code"]) == (401, "REPLAY_REFUSED")
    assert unsigned.status_code == 401
    assert (not_json.status_code, not_json.json()["error"]) == (400, "the body is not JSON")
    assert missing.status_code == 400 and "required" in missing.json()["error"]
    assert wrong_type.status_code == 400 and "not a valid bigint" in wrong_type.json()["error"]
    assert unknown.status_code == 400 and "has no input `admin`" in unknown.json()["error"]
    assert logged(db_server, prefix, "paid").count(42) == 0


def test_the_same_delivery_twice_is_a_replay(server: tuple[LiveServer, str], db_server: Any) -> None:
    live, prefix = server
    stamp = int(time.time())
    first = post(live, "paid", b'{"order_id": 43}', stamp=stamp)
    again = post(live, "paid", b'{"order_id": 43}', stamp=stamp)
    assert first.status_code == 200
    assert (again.status_code, again.json()["code"]) == (409, "REPLAY_REFUSED")
    assert logged(db_server, prefix, "paid").count(43) == 1


def test_async_answers_202_with_a_task_and_bearer_checks_the_secret(server: tuple[LiveServer, str], db_server: Any) -> None:
    live, prefix = server
    accepted = post(live, "paid_later", b'{"order_id": 44}')
    assert accepted.status_code == 202 and isinstance(accepted.json()["taskId"], int)
    deadline = time.monotonic() + 20
    while logged(db_server, prefix, "paid_later") != [44]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    url = f"{live.url}/p/{SLUG}/webhooks/paid_bearer"
    assert httpx.post(url, json={"order_id": 45}, headers={"Authorization": f"Bearer {HOOK_KEY}"}).status_code == 200
    refused = httpx.post(url, json={"order_id": 46}, headers={"Authorization": "Bearer guess"})
    assert refused.status_code == 401
    assert logged(db_server, prefix, "paid_bearer") == [45]
    assert httpx.post(f"{live.url}/p/{SLUG}/webhooks/nope", json={}).status_code == 404


def test_secrets_are_never_answered_by_the_designer_api(server: tuple[LiveServer, str], db_server: Any) -> None:
    live, prefix = server
    with designer(live) as client:
        answers = [client.get(f"/api/projects/{SLUG}/secrets")]
        answers.append(client.put(f"/api/projects/{SLUG}/secrets/stripe_key", json={"value": "sk_live_" + "Xy8" * 8}))
        answers.append(client.get(f"/api/projects/{SLUG}/secrets"))
        answers.append(client.get(f"/api/projects/{SLUG}/logs"))
        answers.append(client.get(f"/api/projects/{SLUG}/definition"))
        bad = client.put(f"/api/projects/{SLUG}/secrets/Bad-Name", json={"value": "x"})
        generated = client.put(f"/api/projects/{SLUG}/secrets/rotated_key", json={})
        gone = client.delete(f"/api/projects/{SLUG}/secrets/stripe_key")
        listed = client.get(f"/api/projects/{SLUG}/secrets").json()["secrets"]
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    for answer in answers:
        assert HOOK_KEY not in answer.text and "Xy8Xy8" not in answer.text
    hints = {s["name"]: s["hint"] for s in answers[2].json()["secrets"]}
    assert hints["hook_key"] == "••••••••" + HOOK_KEY[-2:] and "stripe_key" in hints
    assert bad.status_code == 400 and "not a secret name" in bad.json()["detail"]["message"]
    assert generated.status_code == 200 and len(generated.json()["value"]) >= 32  # shown this once
    assert gone.status_code == 200 and [s["name"] for s in listed] == ["hook_key", "rotated_key"]
    with project_db(db_server, prefix, SLUG) as conn:
        stored = "\n".join(str(r) for t in ("run_log", "task", "webhook_seen", "outbox") for r in conn.execute(f"SELECT * FROM minimomen.{t}"))
    assert HOOK_KEY not in stored


def test_run_in_the_designer_asks_before_a_real_call_and_logs_it_without_secrets(server: tuple[LiveServer, str]) -> None:
    live, _ = server
    with receiver() as api, designer(live) as client:
        url = f"/api/projects/{SLUG}/actionflows/call_out/run"
        asked = client.post(url, json={"args": {"url": f"{api.url}/hook"}})
        nothing_yet = list(api.received)
        done = client.post(url, json={"args": {"url": f"{api.url}/hook"}, "confirm_calls": True})
        logs = client.get(f"/api/projects/{SLUG}/logs")
    assert asked.status_code == 409 and asked.json()["detail"]["code"] == "CONFIRM_CALLS"
    assert asked.json()["detail"]["calls"] == [{"node": "Call Out Api", "method": "POST", "url": "(computed)", "mode": "inline"}]
    assert nothing_yet == []
    assert done.status_code == 200 and done.json()["ok"] is True and done.json()["output"] == {"status": 200}, done.text
    assert len(api.received) == 1 and api.received[0].headers["authorization"] == f"Bearer {HOOK_KEY}"
    call = done.json()["log"][0]["calls"][0]
    assert (call["method"], call["host"], call["status"], call["mode"]) == ("POST", "127.0.0.1", 200, "inline")
    for answer in (asked, done, logs):
        assert HOOK_KEY not in answer.text
