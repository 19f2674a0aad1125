"""Concurrent reads of one plan share a statement: right rows for each request, fewer statements, no mixing of sessions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from psycopg_pool import AsyncConnectionPool

from builder.definition import Definition
from builder.resolved import resolve
from runtime.graphql.coalesce import ReadCoalescer
from runtime.graphql.execute import execute
from runtime.lease import Lease
from runtime.project import PublishedState
from runtime.types import Session
from tests.runtime.graphql.conftest import PROJECT, Shop
from tests.runtime.graphql.counting import STATEMENTS, CountingConnection

BY_PK = "query ($id: bigint!) { product_by_pk(id: $id) { id product_name stock } }"
LIST = "{ product(order_by: {id: asc}) { id product_name } }"


@dataclass
class Project:
    state: PublishedState
    pool: AsyncConnectionPool  # type: ignore[type-arg]
    coalesce: bool
    lease: Lease = field(init=False)
    reads: ReadCoalescer = field(init=False)

    def __post_init__(self) -> None:
        self.lease = Lease(self.pool)
        self.reads = ReadCoalescer(self.lease, enabled=self.coalesce)


def _with_project(shop: Shop, scenario: Callable[[Project], Awaitable[Any]], *, coalesce: bool = True) -> Any:
    state = PublishedState(1, resolve(Definition.model_validate_json((PROJECT / "app.json").read_text())))

    async def main() -> Any:
        async with AsyncConnectionPool(shop.conninfo, min_size=1, max_size=8, connection_class=CountingConnection,
                                       kwargs={"autocommit": True}) as pool:
            project = Project(state, pool, coalesce)
            try:
                return await scenario(project)
            finally:
                await project.lease.close()

    return asyncio.run(main())


def _all(project: Project, calls: list[tuple[str, dict[str, Any] | None, Session]]) -> Awaitable[list[dict[str, Any]]]:
    return asyncio.gather(*(execute(project, session, query, variables) for query, variables, session in calls))


def _expected_names(shop: Shop) -> dict[int, str]:
    return dict(shop.sql("SELECT id, product_name FROM product"))  # type: ignore[arg-type]


def test_concurrent_lookups_of_different_rows_share_one_statement_and_each_gets_its_row(shop: Shop) -> None:
    shop.reset()
    names = _expected_names(shop)
    ids = [1, 2, 3, 4, 99, 2, 1, 3]

    async def scenario(project: Project) -> list[dict[str, Any]]:
        await execute(project, Session.admin(), BY_PK, {"id": 1})  # the plan is compiled and cached
        STATEMENTS.clear()
        return await _all(project, [(BY_PK, {"id": i}, Session.admin()) for i in ids])

    responses = _with_project(shop, scenario)
    assert [r["data"]["product_by_pk"] and r["data"]["product_by_pk"]["product_name"] for r in responses] == [names.get(i) for i in ids]
    assert len(STATEMENTS) == 1 and "unnest" in STATEMENTS[0], STATEMENTS


def test_identical_queries_run_once(shop: Shop) -> None:
    shop.reset()

    async def scenario(project: Project) -> list[dict[str, Any]]:
        await execute(project, Session.admin(), LIST)
        STATEMENTS.clear()
        return await _all(project, [(LIST, None, Session.admin())] * 6)

    responses = _with_project(shop, scenario)
    assert all(r == responses[0] for r in responses) and len(responses[0]["data"]["product"]) == 4
    assert len(STATEMENTS) == 1, STATEMENTS


def test_turned_off_every_request_runs_its_own_statement(shop: Shop) -> None:
    shop.reset()

    async def scenario(project: Project) -> list[dict[str, Any]]:
        await execute(project, Session.admin(), BY_PK, {"id": 1})
        STATEMENTS.clear()
        return await _all(project, [(BY_PK, {"id": i}, Session.admin()) for i in (1, 2, 3)])

    responses = _with_project(shop, scenario, coalesce=False)
    assert [r["data"]["product_by_pk"]["id"] for r in responses] == [1, 2, 3]
    assert len(STATEMENTS) == 3


def test_sessions_never_share_a_statement_or_a_result(shop: Shop) -> None:
    """The user role sees only its own orders: concurrent requests of two users each get their own."""
    shop.reset()
    alice, bob = Session(role="user", account_id=1, roles=("user",)), Session(role="user", account_id=2, roles=("user",))
    query = "{ order(order_by: {id: asc}) { id account_id } }"

    async def scenario(project: Project) -> list[dict[str, Any]]:
        return await _all(project, [(query, None, alice if n % 2 == 0 else bob) for n in range(10)])

    responses = _with_project(shop, scenario)
    for n, response in enumerate(responses):
        owners = {row["account_id"] for row in response["data"]["order"]}
        assert owners == ({1} if n % 2 == 0 else {2}), response


def test_a_failing_member_gets_its_own_error_and_the_others_their_rows(shop: Shop) -> None:
    shop.reset()
    query = "query ($r: String!) { product(where: {product_name: {_regex: $r}}, order_by: {id: asc}) { product_name } }"

    async def scenario(project: Project) -> list[dict[str, Any]]:
        await execute(project, Session.admin(), query, {"r": "x"})
        return await _all(project, [(query, {"r": r}, Session.admin()) for r in ("Vinyl", "(", "Ticket")])

    vinyl, broken, ticket = _with_project(shop, scenario)
    assert vinyl["data"]["product"] == [{"product_name": "Vinyl Record"}]
    assert ticket["data"]["product"] == [{"product_name": "Festival Ticket"}]
    assert broken["data"] is None and broken["errors"][0]["extensions"]["classification"] != "INTERNAL", broken


def test_the_others_are_answered_when_the_first_request_is_cancelled(shop: Shop) -> None:
    shop.reset()
    names = _expected_names(shop)

    async def scenario(project: Project) -> list[Any]:
        await execute(project, Session.admin(), BY_PK, {"id": 1})
        tasks = [asyncio.create_task(execute(project, Session.admin(), BY_PK, {"id": i})) for i in (1, 2, 3)]
        await asyncio.sleep(0)  # all three are waiting in one batch, the first one leading it
        tasks[0].cancel()
        return await asyncio.wait_for(asyncio.gather(*tasks[1:]), 10)

    responses = _with_project(shop, scenario)
    assert [r["data"]["product_by_pk"]["product_name"] for r in responses] == [names[2], names[3]]
