"""The door to the GraphQL engine, as live queries need it.

``Executor`` is the small contract the hub and connections speak; ``GraphQLExecutor``
fulfils it with ``runtime.graphql.execute`` (prepare once, re-run many times).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from runtime.types import Session


class Prepared(Protocol):
    """What ``runtime.graphql.execute.prepare`` returns (only what live queries read)."""

    operation: str  # "query", "mutation" or "subscription"
    tables: frozenset[str]


@dataclass(frozen=True)
class RunResult:
    """One execution: the response as JSON text, and its errors when it could not run at all."""

    text: str
    failed: list[dict[str, Any]] | None = None  # e.g. variables of the wrong type: no "data"


class Executor(Protocol):
    async def prepare(self, state: Any, session: Session, query: str, operation_name: str | None) -> Prepared:
        """Validate ``query`` for ``session``; raises RuntimeError_ when it is not valid."""
        ...

    async def run(self, state: Any, session: Session, prepared: Prepared, variables: dict[str, Any]) -> RunResult:
        """One execution of a prepared operation (a subscription runs as a one-shot query)."""
        ...

    async def run_many(
        self, state: Any, session: Session, prepared: Prepared, variables_list: list[dict[str, Any]]
    ) -> list[RunResult]:
        """``run`` for several variable sets of one operation, at once where possible."""
        ...

    async def execute(
        self, session: Session, query: str, variables: dict[str, Any], operation_name: str | None, headers: dict[str, str]
    ) -> str:
        """A query or a mutation sent over the WebSocket; the response as JSON text."""
        ...

    def stream(
        self, state: Any, session: Session, prepared: Prepared, variables: dict[str, Any], headers: dict[str, str]
    ) -> AsyncIterator[dict[str, Any]] | None:
        """Successive results of a subscription served by an extension field or a ``T_stream`` field, else None."""
        ...


class GraphQLExecutor:
    """``Executor`` over ``runtime.graphql.execute`` for one project."""

    def __init__(self, project: Any):
        self.project = project

    @staticmethod
    def _engine() -> Any:
        from runtime.graphql import (
            execute,  # imported late: the GraphQL package imports the hub's siblings
        )

        return execute

    async def prepare(self, state: Any, session: Session, query: str, operation_name: str | None) -> Prepared:
        prepared = self._engine().prepare(self.project, state, session, query, operation_name)
        if inspect.isawaitable(prepared):
            prepared = await prepared
        return prepared  # type: ignore[no-any-return]

    async def run(self, state: Any, session: Session, prepared: Prepared, variables: dict[str, Any]) -> RunResult:
        # the Response keeps PostgreSQL's JSON text: spliced, never decoded and re-encoded
        response = await self._engine().run_prepared_response(self.project, state, session, prepared, variables)
        text = response.to_bytes().decode()
        return RunResult(text, None if response.has_data else list(response.errors))

    async def run_many(
        self, state: Any, session: Session, prepared: Prepared, variables_list: list[dict[str, Any]]
    ) -> list[RunResult]:
        from runtime.subscriptions.batch import run_batch

        results = await run_batch(self.project, state, session, prepared, variables_list)
        if results is None:
            results = [await self.run(state, session, prepared, variables) for variables in variables_list]
        return results

    async def execute(
        self, session: Session, query: str, variables: dict[str, Any], operation_name: str | None, headers: dict[str, str]
    ) -> str:
        response = await self._engine().execute_response(self.project, session, query, variables, operation_name, headers=headers)
        text: str = response.to_bytes().decode()
        return text

    def stream(
        self, state: Any, session: Session, prepared: Prepared, variables: dict[str, Any], headers: dict[str, str]
    ) -> AsyncIterator[dict[str, Any]] | None:
        if not getattr(prepared, "extension_subscription", False):
            # imported late: the stream module imports the hub, which imports this module
            from runtime.subscriptions.stream import table_stream

            return table_stream(self.project, state, session, prepared, variables)
        stream: AsyncIterator[dict[str, Any]] = self._engine().subscribe_extension(self.project, state, session, prepared, variables)
        return stream
