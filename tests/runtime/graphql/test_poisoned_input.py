"""One caller's bad text never fails another caller's query.

A lone UTF-16 surrogate or a NUL in a variable is refused at the edge as
``BAD_USER_INPUT`` naming the variable; and should such a parameter reach a shared
(coalesced) statement anyway, every other request of the batch still gets its row.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from runtime.graphql.prepared import Variables, plan_for, prepare
from runtime.types import Session
from tests.runtime.graphql.conftest import Shop
from tests.runtime.graphql.test_coalesce import Project, _with_project

BY_NAME = "query ($name: String!) { product(where: {product_name: {_eq: $name}}) { id } }"


def test_300_concurrent_good_requests_and_a_poisoned_one_over_http(shop: Shop) -> None:
    async def main() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            async def ask(name: str) -> httpx.Response:
                body = json.dumps({"query": BY_NAME, "variables": {"name": name}})  # \ud800 stays escaped in the JSON
                return await client.post(shop.url, content=body, headers={**shop.headers("admin"), "content-type": "application/json"})

            names = [f"product {i % 7}" for i in range(300)]
            names[150:150] = ["\ud800", "bad\x00nul"]
            return await asyncio.gather(*(ask(n) for n in names))

    responses = asyncio.run(main())
    bodies = [r.json() for r in responses]
    poisoned = [bodies.pop(151), bodies.pop(150)]
    assert all("errors" not in b and isinstance(b["data"]["product"], list) for b in bodies), [b for b in bodies if "errors" in b][:3]
    for body in poisoned:
        assert body["errors"][0]["extensions"]["classification"] == "BAD_USER_INPUT", body
        assert "$name" in body["errors"][0]["message"]


def test_a_batch_that_cannot_encode_one_parameter_still_answers_the_others(shop: Shop) -> None:
    shop.reset()
    session = Session.admin()

    async def scenario(project: Project) -> list[Any]:
        prepared = prepare(project, project.state, session, BY_NAME, None)
        good = Variables(prepared, {"name": "x"}).coerced
        plan = plan_for(project.state, session, prepared, good)
        assert plan.params is not None
        params = [plan.params.bind({"name": f"n{i}"}) for i in range(20)]
        params.insert(1, plan.params.bind({"name": "\ud800"}))  # past the edge check: straight into the shared statement
        return await asyncio.gather(*(project.reads.fetch(plan, p) for p in params), return_exceptions=True)

    results = _with_project(shop, scenario)
    failed = [i for i, r in enumerate(results) if isinstance(r, BaseException)]
    assert failed == [1], [(i, repr(results[i])) for i in failed]
