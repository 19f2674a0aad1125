"""Endpoints backed by the running app: publish, admin data access, Connect Backend,
simulated login, running and stress-testing actionflows, the run log.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from builder.api.callbacks import DesignerCallbacks
from builder.api.errors import ApiError, DesignerRoute
from builder.loader import load_definition
from builder.storage import Workspace
from builder.validation import validate


class PublishBody(BaseModel):
    dry_run: bool = True
    allow_data_loss: bool = False


class GraphQLBody(BaseModel):
    query: str = Field(min_length=1, max_length=100_000)
    variables: dict[str, Any] | None = None


class SimulateBody(BaseModel):
    account_id: int | None = None
    username: str | None = Field(default=None, max_length=120)
    create: bool = False


class RunBody(BaseModel):
    args: dict[str, Any] = Field(default_factory=dict)
    account_id: int | None = None
    confirm_calls: bool = False  # the builder agreed that Call API nodes reach their real endpoints


class SecretBody(BaseModel):
    value: str | None = Field(default=None, min_length=1, max_length=8192, description="None: generate a signing key")


class StressBody(BaseModel):
    args: dict[str, Any] = Field(default_factory=dict)
    n: int = Field(default=100, ge=1, le=20_000)
    concurrency: int = Field(default=20, ge=1, le=200)
    account_id: int | None = None


def _set_cookies(response: JSONResponse, cookies: list[dict[str, Any]]) -> None:
    for cookie in cookies:
        response.set_cookie(
            key=str(cookie["name"]),
            value=str(cookie.get("value", "")),
            path=str(cookie.get("path", "/")),
            max_age=cookie.get("max_age"),
            httponly=bool(cookie.get("httponly", False)),
            samesite=cookie.get("samesite", "lax"),
            secure=bool(cookie.get("secure", False)),
        )


def _connection(request: Request, slug: str) -> dict[str, str]:
    base = str(request.base_url).rstrip("/")
    ws_base = "ws" + base[4:] if base.startswith("http") else base
    http_url = f"{base}/p/{slug}/graphql"
    return {
        "http_url": http_url,
        "ws_url": f"{ws_base}/p/{slug}/graphql",
        "graphiql_url": http_url,
        "momen_http_url": f"{base}/zero/{slug}/api/graphql-v2",
        "momen_ws_url": f"{ws_base}/zero/{slug}/api/graphql-subscription",
        "app_url": f"{base}/p/{slug}/",
    }


def build_live_router(workspace: Workspace, callbacks: DesignerCallbacks) -> APIRouter:
    router = APIRouter(route_class=DesignerRoute)

    @router.post("/api/projects/{slug}/publish")
    async def publish(slug: str, body: PublishBody) -> dict[str, Any]:
        data = workspace.load_raw(slug)
        report = validate(data)
        if not report.ok:
            raise ApiError(422, "INVALID_DEFINITION", "The app cannot be published until these problems are fixed.", problems=report.to_json()["problems"])
        plan = await callbacks.publish(slug, load_definition(data), allow_data_loss=body.allow_data_loss, dry_run=body.dry_run)
        return {"plan": plan, "dry_run": body.dry_run, "report": report.to_json()}

    @router.post("/api/projects/{slug}/graphql")
    async def admin_graphql(slug: str, body: GraphQLBody) -> dict[str, Any]:
        workspace.load_raw(slug)
        return await callbacks.admin_graphql(slug, body.query, body.variables)

    @router.get("/api/projects/{slug}/connection")
    async def connection(slug: str, request: Request) -> dict[str, Any]:
        workspace.load_raw(slug)
        return _connection(request, slug)

    @router.get("/api/projects/{slug}/admin-token")
    async def admin_token(slug: str) -> dict[str, Any]:
        return {"token": await callbacks.admin_token(slug)}

    @router.post("/api/projects/{slug}/admin-token/rotate")
    async def rotate(slug: str) -> dict[str, Any]:
        return {"token": await callbacks.rotate_admin_token(slug)}

    @router.post("/api/projects/{slug}/simulate-login")
    async def simulate_login(slug: str, body: SimulateBody) -> JSONResponse:
        if body.account_id is None and not body.username:
            raise ApiError(400, "BAD_REQUEST", "Choose a test account or type a username.")
        result = await callbacks.simulate_login(slug, account_id=body.account_id, username=body.username, create=body.create)
        response = JSONResponse({"account": result.get("account")})
        _set_cookies(response, list(result.get("cookies", [])))
        return response

    @router.post("/api/projects/{slug}/simulate-logout")
    async def simulate_logout(slug: str) -> JSONResponse:
        result = await callbacks.simulate_logout(slug)
        response = JSONResponse({"account": None})
        _set_cookies(response, list(result.get("cookies", [])))
        return response

    @router.post("/api/projects/{slug}/actionflows/{flow_id}/run")
    async def run(slug: str, flow_id: str, body: RunBody) -> dict[str, Any]:
        return await callbacks.run_actionflow(slug, flow_id, body.args, body.account_id, body.confirm_calls)

    @router.post("/api/projects/{slug}/actionflows/{flow_id}/stress")
    async def stress(slug: str, flow_id: str, body: StressBody) -> dict[str, Any]:
        return await callbacks.stress_test(slug, flow_id, body.args, body.n, body.concurrency, body.account_id)

    @router.get("/api/projects/{slug}/secrets")
    async def secrets(slug: str) -> dict[str, Any]:
        return {"secrets": await callbacks.list_secrets(slug)}

    @router.put("/api/projects/{slug}/secrets/{name}")
    async def set_secret(slug: str, name: str, body: SecretBody) -> dict[str, Any]:
        return await callbacks.set_secret(slug, name, body.value)

    @router.delete("/api/projects/{slug}/secrets/{name}")
    async def delete_secret(slug: str, name: str) -> dict[str, Any]:
        if not await callbacks.delete_secret(slug, name):
            raise ApiError(404, "NOT_FOUND", f"Secret {name} does not exist.")
        return {"deleted": name}

    @router.get("/api/projects/{slug}/logs")
    async def logs(slug: str, limit: int = 50) -> dict[str, Any]:
        return {"entries": await callbacks.run_log(slug, max(1, min(limit, 500)))}

    return router
