"""MCP clients for the tests: the SDK's stdio client on `minimomen mcp`, its Streamable HTTP client on `/mcp`.

Tests reach the server only through these; ``call`` returns a tool's structured result.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import REPO


def stdio_params(workspace: Path, db_url: str, prefix: str, *extra: str) -> StdioServerParameters:
    env = {"DATABASE_URL": db_url, "MINIMOMEN_DB_PREFIX": prefix, "PYTHONPATH": str(REPO), "PATH": os.environ.get("PATH", "")}
    return StdioServerParameters(command=sys.executable, args=["-m", "runtime.cli", "mcp", "--workspace", str(workspace), *extra],
                                 env=env, cwd=str(REPO))


@asynccontextmanager
async def stdio_client(workspace: Path, db_url: str, prefix: str) -> AsyncIterator[Client]:
    async with Client(stdio_params(workspace, db_url, prefix), read_timeout_seconds=300) as client:
        yield client


@asynccontextmanager
async def http_client(url: str, token: str | None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60, read=300)) as http:
        async with Client(streamable_http_client(f"{url}/mcp", http_client=http), read_timeout_seconds=300) as client:
            yield client


class ToolFailed(AssertionError):
    pass


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """The structured result of a tool call; ``ToolFailed`` with the server's text when the tool answered an error."""
    result = await client.call_tool(tool, arguments)
    text = "".join(getattr(block, "text", "") for block in result.content)
    if result.is_error:
        raise ToolFailed(text)
    if result.structured_content is not None:
        return dict(result.structured_content)
    return dict(json.loads(text))
