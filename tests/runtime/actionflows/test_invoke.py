"""Invocation on behalf of a caller: the right to invoke, versions, the run log."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from runtime.actionflows.invoke import invoke
from runtime.actionflows.runlog import recent
from runtime.types import ActionflowAccessDenied, BadUserInput, RequestContext, Session
from tests.runtime.actionflows.conftest import FlowProject, running_project


def _ctx(project, session: Session) -> RequestContext:  # type: ignore[no-untyped-def]
    return RequestContext(project=project, state=project.state, session=session)


def test_access_version_and_run_log(flow_project: FlowProject, tmp_path: Path) -> None:
    product = flow_project.product_id()
    account = flow_project.sql("INSERT INTO account (username) VALUES ('bob') RETURNING id")[0][0]
    user = Session(role="user", account_id=account, roles=("user",))

    async def scenario() -> None:
        async with running_project(flow_project, tmp_path) as project:
            with pytest.raises(ActionflowAccessDenied, match=r"^Anonymous user has no permission on invocation of action flow: place_order$"):
                await invoke(_ctx(project, Session.anonymous()), "place_order", {"product_id": product, "quantity": 1})
            with pytest.raises(ActionflowAccessDenied, match=f"^User {account} has no permission on invocation of action flow: order_then_raise$"):
                await invoke(_ctx(project, user), "order_then_raise", {"product_id": product})
            with pytest.raises(BadUserInput, match="version 99 of actionflow Place Order is not published"):
                await invoke(_ctx(project, user), "place_order", {"product_id": product, "quantity": 1}, version=99)
            with pytest.raises(BadUserInput, match="actionflow `nope` does not exist"):
                await invoke(_ctx(project, user), "nope", {})
            # By display name, at the published version.
            out = await invoke(_ctx(project, user), "Place Order", {"product_id": product, "quantity": 1}, version=project.state.version)
            assert out == {"status": "Order placed successfully"}
            with pytest.raises(Exception, match="Something went wrong"):
                await invoke(_ctx(project, Session.admin()), "order_then_raise", {"product_id": product})
            await project.services["runlog"].flush()

    asyncio.run(scenario())
    assert flow_project.sql('SELECT account_id, quantity FROM "order"') == [(account, 1)]
    logs = recent(flow_project.conninfo, limit=10)
    assert [(r["actionflow"], r["status"], r["caller"]) for r in logs[:2]] == [
        ("order_then_raise", "FAILED", "admin"),
        ("place_order", "COMPLETED", f"account:{account}"),
    ]
    assert logs[0]["error"] == "Something went wrong" and logs[0]["node"] == "otr_fail"
    assert logs[1]["node"] == "set_status_success" and logs[1]["duration_ms"] > 0
    # Both flows are database-only: they ran as their compiled SQL function, and the log says so.
    assert logs[0]["compiled"] is True and logs[1]["compiled"] is True
    denied = [r for r in logs if r["caller"] == "anonymous"]
    assert denied and denied[0]["status"] == "FAILED" and denied[0]["compiled"] is False
