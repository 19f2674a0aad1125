"""A psycopg connection that records every statement it executes (tests count round trips with it)."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

STATEMENTS: list[str] = []


class CountingConnection(AsyncConnection):  # type: ignore[type-arg]
    async def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        STATEMENTS.append(query if isinstance(query, str) else repr(query))
        return await super().execute(query, params, **kwargs)
