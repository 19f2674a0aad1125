"""Outbound connections go to the address that was checked, not to a second DNS answer.

A host check that resolves a name and then lets the HTTP client resolve it again can be
beaten by DNS rebinding: the first answer is public, the second is 127.0.0.1. Here the
HTTP client's network backend does the one resolution itself, at connect time: it
resolves, refuses the connection unless every address passes the project's allow-list
(``outbound.addresses_allowed``), and connects to the first of exactly those addresses.
TLS still verifies the certificate against the host name (httpcore passes it as SNI).
The allow-list of the request in flight comes from a context variable set by
``outbound.send_once``; a connection attempted outside it is refused.
"""

from __future__ import annotations

import contextvars
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
import httpx

# The allow-list of the Call API request being sent on this task (None: no request in flight).
ALLOWED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("minimomen_outbound_allowed", default=None)

Checker = Callable[[str, int, list[str]], Awaitable[list[str]]]


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, check: Checker):
        self._inner = httpcore.AnyIOBackend()
        self._check = check

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        allowed = ALLOWED.get()
        if allowed is None:
            raise httpcore.ConnectError("outbound connections are only made for Call API requests")
        addresses = await self._check(host, port, allowed)  # raises outbound.Refused
        return await self._inner.connect_tcp(addresses[0], port, timeout=timeout, local_address=local_address,
                                             socket_options=socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("outbound connections over unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def pinned_transport(check: Checker, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections are resolved and checked by ``check`` (no proxies)."""
    transport = httpx.AsyncHTTPTransport(trust_env=False, limits=limits)
    # httpx has no parameter for the network backend: its pool is rebuilt with ours (same settings).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_CheckedBackend(check),
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
    )
    return transport
