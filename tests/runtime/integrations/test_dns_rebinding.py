"""The address a Call API request connects to is one the host check saw (no second DNS lookup).

The names here are answered by a scripted resolver put in front of the event loop's
``getaddrinfo`` (the operating system's DNS door); every address is on loopback.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from runtime.integrations.outbound import Outcome, Request, send_once
from tests.runtime.integrations.receiver import receiver


@contextmanager
def scripted_dns(answers: dict[str, list[str]]) -> Iterator[list[str]]:
    """Answer each name in ``answers`` with its next address (the last one repeats); returns the lookups made."""
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo
    asked: list[str] = []

    async def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in answers:
            return await real(host, port, *args, **kwargs)
        asked.append(name)
        script = answers[name]
        address = script.pop(0) if len(script) > 1 else script[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))]

    loop.getaddrinfo = getaddrinfo  # type: ignore[method-assign]
    try:
        yield asked
    finally:
        del loop.getaddrinfo  # type: ignore[method-assign]


def _send(url: str, allowed: list[str], answers: dict[str, list[str]]) -> tuple[Outcome, list[str]]:
    async def scenario() -> tuple[Outcome, list[str]]:
        with scripted_dns(answers) as asked:
            outcome = await send_once(Request("GET", url, timeout_ms=5_000), {}, allowed)
        return outcome, asked

    return asyncio.run(scenario())


def test_the_connection_goes_to_the_address_that_was_checked() -> None:
    # A second lookup would get 127.0.0.3, where nothing listens: the request reaches the
    # receiver only if the checked answer (127.0.0.1) is the one connected to.
    with receiver() as api:
        outcome, asked = _send(f"http://rebind.test:{api.port}/ping", ["rebind.test"], {"rebind.test": ["127.0.0.1", "127.0.0.3"]})
    assert outcome.status == 200, outcome.error
    assert [r.path for r in api.received] == ["/ping"]
    assert asked == ["rebind.test"]  # one lookup per connection


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.5", "169.254.169.254"])
def test_a_private_answer_for_a_wildcard_host_is_refused_at_connect_time(address: str) -> None:
    with receiver() as api:
        outcome, _ = _send(f"http://api.partner.test:{api.port}/", ["*.partner.test"], {"api.partner.test": [address]})
    assert outcome.refused and outcome.status is None
    assert f"resolves to a loopback or private address ({address})" in (outcome.error or "")
    assert api.received == []


def test_no_connection_is_made_outside_a_call_api_request() -> None:
    from runtime.integrations.outbound import client

    async def scenario() -> str:
        try:
            await client().get("http://127.0.0.1:9/")
        except Exception as exc:  # noqa: BLE001 - the refusal is what is checked
            return f"{type(exc).__name__}: {exc}"
        return "sent"

    assert "only made for Call API requests" in asyncio.run(scenario())
