"""The runtime side of the designer API: ``designer_callbacks(runtime, config)``.

``builder.api`` never imports ``runtime``; the app factory hands it this object.
The app passes a proxy of the ``Runtime`` that only works after start-up, so
every attribute is looked up inside the callbacks, never here. Runtime errors
become ``CallbackError`` (code + sentence) for the designer to show.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets as token_source
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from builder.api.callbacks import CallbackError
from builder.definition import Definition
from runtime.designer.sessions import jsonable as _jsonable
from runtime.designer.sessions import user_session
from runtime.project import ProjectRuntime
from runtime.types import RequestContext, RuntimeError_, Session

log = logging.getLogger("minimomen.designer")

SIMULATED_LOGIN_MINUTES = 12 * 60


@asynccontextmanager
async def _reported() -> AsyncIterator[None]:
    """Turn runtime errors into designer errors with the same code."""
    try:
        yield
    except CallbackError:
        raise
    except RuntimeError_ as exc:
        details: dict[str, Any] = dict(exc.extra)
        if hasattr(exc, "overridable"):
            details["overridable"] = bool(exc.overridable)
        raise CallbackError(exc.code, exc.message, status=409 if exc.code.startswith("MIGRATION") else 400, details=details) from exc


class RuntimeCallbacks:
    """Implements ``builder.api.callbacks.DesignerCallbacks`` on a (proxied) ``Runtime``."""

    def __init__(self, runtime: Any, config: Any) -> None:
        self._runtime = runtime
        self._config = config

    def _project(self, slug: str) -> ProjectRuntime:
        project = self._runtime.get(slug)
        if project is None:
            raise CallbackError("NOT_PUBLISHED", f"Project `{slug}` is not running yet: publish it first.", status=409)
        return project

    async def publish(self, slug: str, definition: Definition, *, allow_data_loss: bool, dry_run: bool) -> dict[str, Any]:
        async with _reported():
            plan = await self._runtime.publish(slug, definition, allow_data_loss=allow_data_loss, dry_run=dry_run)
        if not dry_run:
            await self._runtime.sync.announce_published(slug, plan.version)  # the other server processes swap it in
        return dataclasses.asdict(plan)

    async def forget_project(self, slug: str) -> None:
        await self._runtime.stop_project(slug)
        server = self._runtime.server
        name = server.database_name(slug)
        if await asyncio.to_thread(server.database_exists, name):
            await asyncio.to_thread(server.drop_database, name)
        await self._runtime.sync.announce_deleted(slug)  # the other server processes stop serving it

    async def admin_graphql(self, slug: str, query: str, variables: dict[str, Any] | None) -> dict[str, Any]:
        from runtime.graphql.execute import execute

        project = self._project(slug)
        async with _reported():
            return _jsonable(await execute(project, Session.admin(), query, variables))  # type: ignore[no-any-return]

    async def admin_token(self, slug: str) -> str:
        from runtime.secrets import load_or_create_secrets

        project = self._project(slug)
        # Re-read: another worker (or `minimomen`) may have rotated it.
        fresh = await asyncio.to_thread(load_or_create_secrets, project.conninfo)
        if fresh.admin_token != project.secrets.admin_token:
            project.secrets = dataclasses.replace(project.secrets, admin_token=fresh.admin_token)
        return fresh.admin_token

    async def rotate_admin_token(self, slug: str) -> str:
        from runtime.secrets import rotate_admin_token

        project = self._project(slug)
        token = await asyncio.to_thread(rotate_admin_token, project.conninfo)
        project.secrets = dataclasses.replace(project.secrets, admin_token=token)
        return token

    async def simulate_login(self, slug: str, *, account_id: int | None, username: str | None, create: bool) -> dict[str, Any]:
        from runtime.auth.simulation import simulate_login
        from runtime.pages.cookies import cookie_path

        project = self._project(slug)
        async with _reported():
            result = await simulate_login(project, account_id=account_id, username=username, create=create, ttl_minutes=SIMULATED_LOGIN_MINUTES)
        path = cookie_path(slug)
        max_age = SIMULATED_LOGIN_MINUTES * 60
        return {
            "account": _jsonable(result["account"]),
            "token": result["token"],
            "cookies": [
                {"name": "mm_session", "value": result["token"], "path": path, "httponly": True, "samesite": "lax", "max_age": max_age},
                {"name": "mm_csrf", "value": token_source.token_urlsafe(32), "path": path, "httponly": False, "samesite": "lax", "max_age": max_age},
            ],
        }

    async def simulate_logout(self, slug: str) -> dict[str, Any]:
        from runtime.pages.cookies import cookie_path

        path = cookie_path(slug)
        return {"cookies": [{"name": name, "value": "", "path": path, "max_age": 0, "httponly": name == "mm_session"} for name in ("mm_session", "mm_csrf")]}

    async def run_actionflow(self, slug: str, flow_id: str, args: dict[str, Any], account_id: int | None,
                             confirm_calls: bool = False) -> dict[str, Any]:
        from builder.flows import walk_nodes
        from runtime.actionflows.invoke import invoke
        from runtime.actionflows.runlog import SERVICE, recent

        project = self._project(slug)
        flow = project.state.resolved.actionflow(flow_id)
        calls = [n for n in walk_nodes(flow.nodes) if n.type == "call_api"] if flow is not None else []
        if calls and not confirm_calls:  # Run reaches real endpoints only once the builder has said yes
            described = [{"node": n.name, "method": n.method, "url": n.url if isinstance(n.url, str) else "(computed)", "mode": n.mode} for n in calls]
            raise CallbackError("CONFIRM_CALLS", f"Actionflow {flow.name if flow else flow_id} calls {len(calls)} real API(s); confirm to run it.",
                                status=409, details={"calls": described})
        session = Session.anonymous() if account_id is None else await user_session(project, account_id)
        ctx = RequestContext(project=project, state=project.state, session=session)
        try:
            result: dict[str, Any] = {"ok": True, "output": await invoke(ctx, flow_id, args)}
        except RuntimeError_ as exc:
            result = {"ok": False, "error": {"code": exc.code, "message": exc.message}}
        runlog = project.services.get(SERVICE)
        if runlog is not None:
            await runlog.flush()
        entries = await asyncio.to_thread(recent, project.conninfo, 5)
        result["log"] = [_jsonable(e) for e in entries if e.get("actionflow") == flow_id][:1]
        return result

    async def run_log(self, slug: str, limit: int) -> list[dict[str, Any]]:
        from runtime.actionflows.runlog import recent

        project = self._project(slug)
        return [_jsonable(e) for e in await asyncio.to_thread(recent, project.conninfo, limit)]

    async def list_secrets(self, slug: str) -> list[dict[str, Any]]:
        from runtime.integrations.secrets import list_secrets

        return await asyncio.to_thread(list_secrets, self._project(slug).conninfo)

    async def set_secret(self, slug: str, name: str, value: str | None) -> dict[str, Any]:
        import secrets as token_source

        from runtime.integrations.secrets import set_secret

        project = self._project(slug)
        generated = value is None
        value = value if value is not None else token_source.token_urlsafe(32)
        async with _reported():
            await asyncio.to_thread(set_secret, project.conninfo, name, value)
        return {"value": value} if generated else {}  # a generated key is shown this once, to give to the sender

    async def delete_secret(self, slug: str, name: str) -> bool:
        from runtime.integrations.secrets import delete_secret

        project = self._project(slug)
        async with _reported():
            return await asyncio.to_thread(delete_secret, project.conninfo, name)

    async def stress_test(self, slug: str, flow_id: str, args: dict[str, Any], n: int, concurrency: int, account_id: int | None) -> dict[str, Any]:
        from runtime.designer.stress import run_stress_test

        project = self._project(slug)
        async with _reported():
            return await run_stress_test(self._runtime.server, project, flow_id, args, n=n, concurrency=concurrency, account_id=account_id)


def designer_callbacks(runtime: Any, config: Any) -> RuntimeCallbacks:
    return RuntimeCallbacks(runtime, config)
