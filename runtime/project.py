"""One running project: its database pool, its secrets and its published state.

A publish builds a new immutable ``PublishedState`` and swaps it in; a request
takes the state once at its start, so requests in flight finish on the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psycopg_pool import AsyncConnectionPool

from builder.resolved import ResolvedProject
from runtime.graphql.coalesce import ReadCoalescer
from runtime.lease import Lease


@dataclass(frozen=True)
class ProjectSecrets:
    jwt_secret: str
    admin_token: str


@dataclass
class PublishedState:
    """Everything derived from one published definition version."""

    version: int
    resolved: ResolvedProject
    # Derived artefacts, filled lazily by the owning packages (GraphQL schemas per
    # role, compiled flows, page templates). Keyed by owner; never mutated in place
    # once a value is stored.
    cache: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProjectRuntime:
    slug: str
    directory: Path
    conninfo: str
    pool: AsyncConnectionPool
    secrets: ProjectSecrets
    state: PublishedState
    services: dict[str, Any] = field(default_factory=dict)  # live-query hub, task worker ...
    # Connections for single statements in autocommit (GraphQL queries, lone actionflow calls).
    lease: Lease = field(init=False)
    # Concurrent runs of one query plan share a statement (GraphQL queries over HTTP).
    reads: ReadCoalescer = field(init=False)

    def __post_init__(self) -> None:
        self.lease = Lease(self.pool)
        self.reads = ReadCoalescer(self.lease)

    async def close(self) -> None:
        """Give the leased connections back, then close the pool."""
        await self.lease.close()
        await self.pool.close()

    def swap_state(self, state: PublishedState) -> None:
        """Install a newly published state; in-flight requests keep their old one."""
        self.state = state
