"""Run tools: GraphQL as admin / anonymous / an account, run an actionflow, the designer's stress test, the run log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from graphql import GraphQLError, OperationType, parse
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from builder.api.callbacks import CallbackError
from runtime.mcp.backend import Backend
from runtime.mcp.grants import Grant
from runtime.mcp.tools_read import READ_ONLY, Project
from runtime.types import Session

RUN = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
Account = Annotated[str | None, Field(description="username (or numeric id) of the account to act as")]
Create = Annotated[bool, Field(description="create a test account with that username first (password unknown to anyone)")]


def _writes(query: str) -> bool:
    """True when the document holds a mutation (logged as a write); an unreadable one is left to the executor."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    return any(getattr(d, "operation", None) == OperationType.MUTATION for d in document.definitions)


def register(server: MCPServer, backend: Backend) -> None:
    async def account_id(grant: Grant, project: str, account: str | None, create: bool) -> int | None:
        if account is None:
            if create:
                raise ToolError("Name the test account to create (account).")
            return None
        chosen = {"account_id": int(account)} if account.isdigit() and not create else {"username": account}
        found = await backend.call("simulate_login", project, account_id=chosen.get("account_id"), username=chosen.get("username"), create=create)
        if create:
            backend.record(grant, project, "create_test_account", {"account": found["account"]["id"]})
        return int(found["account"]["id"])

    async def flow_id(project: str, ref: str) -> str:
        flows = backend.workspace.load_raw(project).get("actionflows", [])
        for flow in flows:
            if ref in (flow.get("id"), flow.get("name")):
                return str(flow["id"])
        return ref  # published but no longer in the draft: let the runtime say

    @server.tool(annotations=RUN)
    async def graphql(
        project: Project,
        query: Annotated[str, Field(min_length=1, max_length=100_000)],
        ctx: Context,
        variables: dict[str, Any] | None = None,
        role: Annotated[Literal["admin", "anonymous", "account"], Field(description="who asks: admin (everything), anonymous, or an account")] = "admin",
        account: Account = None,
        create_account: Create = False,
    ) -> dict[str, Any]:
        """Run a GraphQL query or mutation on the published app, to read data or check permissions as a given caller.
        Answers {data, errors} as the app's own endpoint would."""
        grant = backend.enter(ctx, project)
        from runtime.designer.sessions import jsonable as _jsonable
        from runtime.designer.sessions import user_session
        from runtime.graphql.execute import execute

        running = backend.project(project)
        if role == "account":
            chosen = await account_id(grant, project, account, create_account)
            if chosen is None:
                raise ToolError("role=account needs `account` (a username or id).")
            try:
                session = await user_session(running, chosen)
            except CallbackError as exc:
                raise ToolError(f"{exc.code}: {exc.message}") from exc
        else:
            session = Session.admin() if role == "admin" else Session.anonymous()
        if role != "anonymous" and _writes(query):
            backend.record(grant, project, "graphql mutation", {"role": role})
        answer: dict[str, Any] = _jsonable(await execute(running, session, query, variables))
        return answer

    @server.tool(annotations=RUN)
    async def run_actionflow(
        project: Project,
        actionflow: Annotated[str, Field(description="actionflow id or name")],
        ctx: Context,
        args: dict[str, Any] | None = None,
        account: Account = None,
        create_account: Create = False,
    ) -> dict[str, Any]:
        """Invoke a published actionflow exactly as the designer's Run does: as the account (or anonymous when none),
        with its permissions. Answers ok with the output, or the error, and the run log entry."""
        grant = backend.enter(ctx, project)
        chosen = await account_id(grant, project, account, create_account)
        result: dict[str, Any] = await backend.call("run_actionflow", project, await flow_id(project, actionflow), args or {}, chosen)
        backend.record(grant, project, "run_actionflow", {"actionflow": actionflow, "ok": result.get("ok")})
        return result

    @server.tool(annotations=RUN)
    async def stress_test(
        project: Project,
        actionflow: str,
        ctx: Context,
        args: dict[str, Any] | None = None,
        n: Annotated[int, Field(ge=1, le=20_000)] = 100,
        concurrency: Annotated[int, Field(ge=1, le=200)] = 20,
        account: Account = None,
    ) -> dict[str, Any]:
        """The designer's stress test: n concurrent invocations on a throwaway copy of the data (the real data is never touched).
        Answers counts of outcomes and the final rows."""
        grant = backend.enter(ctx, project)
        chosen = await account_id(grant, project, account, False)
        result: dict[str, Any] = await backend.call("stress_test", project, await flow_id(project, actionflow), args or {}, n, concurrency, chosen)
        return result

    @server.tool(annotations=READ_ONLY)
    async def run_logs(
        project: Project,
        ctx: Context,
        actionflow: Annotated[str | None, Field(description="only this actionflow (id)")] = None,
        status: Annotated[str | None, Field(description="only this status, COMPLETED or FAILED")] = None,
        since: Annotated[datetime | None, Field(description="ISO time: only runs at or after it")] = None,
        until: Annotated[datetime | None, Field(description="ISO time: only runs before it")] = None,
        limit: Annotated[int, Field(ge=1, le=500)] = 50,
    ) -> dict[str, Any]:
        """Search the run log of actionflows, newest first: by actionflow, status and time."""
        backend.enter(ctx, project)
        entries = await backend.call("run_log", project, 500)
        since, until = (t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t for t in (since, until))
        out = []
        for entry in entries:
            at = datetime.fromisoformat(str(entry.get("created_at")))
            if actionflow and entry.get("actionflow") != actionflow:
                continue
            if status and entry.get("status") != status:
                continue
            if (since and at < since) or (until and at >= until):
                continue
            out.append({k: v for k, v in entry.items() if k != "compiled"} | {"compiled": bool(entry.get("compiled"))})
            if len(out) >= limit:
                break
        return {"entries": out}
