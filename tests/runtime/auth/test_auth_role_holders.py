"""``fz_account_roles``: the admin's read-only list of which accounts hold which custom role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runtime.auth.accounts import authenticate
from runtime.graphql.execute import execute
from runtime.types import Session
from tests.runtime.auth.project_harness import run_with_project, sample_with

HOLDERS = "query($r: String, $a: bigint) { fz_account_roles(role: $r, account_id: $a) { id username roles } }"
ASSIGN = "mutation($a: bigint!, $r: String!) { fz_assign_role(account_id: $a, role: $r) { roles } }"
REMOVE = "mutation($a: bigint!, $r: String!) { fz_remove_role(account_id: $a, role: $r) { roles } }"


def _roles(data: dict[str, Any]) -> None:
    data["roles"] = [{"id": "role_support", "name": "support", "description": ""}, {"id": "role_vip", "name": "vip", "description": ""}]


def test_the_admin_lists_role_holders(db_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def scenario(project: Any) -> None:
        admin = Session.admin()
        ann, _ = await authenticate(project, "ann", "password-ann", register=True)
        bob, _ = await authenticate(project, "bob", "password-bob", register=True)
        await authenticate(project, "cid", "password-cid", register=True)

        async def holders(role: str | None = None, account: int | None = None) -> Any:
            result = await execute(project, admin, HOLDERS, {"r": role, "a": account})
            assert not result.get("errors"), result
            return result["data"]["fz_account_roles"]

        assert await holders() == []
        for account, role in ((ann["id"], "support"), (ann["id"], "vip"), (bob["id"], "vip")):
            assert not (await execute(project, admin, ASSIGN, {"a": account, "r": role})).get("errors")
        assert await holders() == [
            {"id": ann["id"], "username": "ann", "roles": ["user", "support", "vip"]},
            {"id": bob["id"], "username": "bob", "roles": ["user", "vip"]},
        ]
        assert [h["username"] for h in await holders("support")] == ["ann"]
        assert [h["username"] for h in await holders("vip")] == ["ann", "bob"]
        assert await holders(account=bob["id"]) == [{"id": bob["id"], "username": "bob", "roles": ["user", "vip"]}]
        await execute(project, admin, REMOVE, {"a": ann["id"], "r": "vip"})
        assert [h["username"] for h in await holders("vip")] == ["bob"]

        unknown = await execute(project, admin, HOLDERS, {"r": "nope"})
        assert unknown["data"]["fz_account_roles"] is None
        assert unknown["errors"][0]["extensions"]["classification"] == "BAD_USER_INPUT"
        assert "not a custom role" in unknown["errors"][0]["message"]
        # Not for anyone else: the field does not exist in their schema.
        user = Session(role="user", account_id=ann["id"], roles=("user", "support", "vip"), username="ann")
        for session in (user, Session.anonymous()):
            denied = await execute(project, session, HOLDERS, {})
            assert denied.get("data") is None and "fz_account_roles" in denied["errors"][0]["message"], denied
            assert denied["errors"][0]["extensions"]["classification"] == "GRAPHQL_VALIDATION_FAILED", denied

    run_with_project(db_server, sample_with(tmp_path, _roles), scenario)
