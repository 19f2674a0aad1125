"""Outbound HTTP of Call API nodes: the request as stored, the host checks, sending with retries.

A ``Request`` holds evaluated flow values but secrets only as ``{{secret:<name>}}``;
values are put in by ``send`` as the request leaves, so neither the outbox nor the
run log ever holds them, and every error text passes through a ``Redactor``.

A host is reachable when ``settings.outbound_hosts`` lists it (or a ``*.domain`` of
it). Its addresses are resolved first: a loopback, private, link-local or otherwise
special address is refused unless the host (or that address) is listed exactly, so a
wildcard entry or a DNS answer cannot turn a flow into a probe of the server's network.
The connection then goes to an address of that same answer (``runtime.integrations.pinned``:
no second lookup for DNS rebinding to change). Redirects are not followed (the target of
one has not been checked).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import time
import weakref
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from builder.integrations import secret_names
from builder.validation.integrations import host_allowed
from runtime.integrations.pinned import ALLOWED, pinned_transport
from runtime.integrations.secrets import Redactor, fill

MAX_RESPONSE_BYTES = 1_000_000
RETRY_PAUSE_SECONDS = 0.2  # inline retries: 0.2 s, 0.4 s, 0.8 s ...
RETRY_STATUSES = frozenset({429, 502, 503, 504, 500})

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()


def client() -> httpx.AsyncClient:
    """One client per event loop (connection reuse; no proxies from the environment)."""
    loop = asyncio.get_running_loop()
    found = _clients.get(loop)
    if found is None or found.is_closed:
        limits = httpx.Limits(max_connections=100)
        found = _clients[loop] = httpx.AsyncClient(trust_env=False, follow_redirects=False, limits=limits,
                                                   transport=pinned_transport(addresses_allowed, limits))
    return found


class Refused(Exception):
    """The request may not leave (host not allowed, address refused, bad URL)."""


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body_type: str = "none"
    body: dict[str, Any] = field(default_factory=dict)
    timeout_ms: int = 10_000

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Request:
        return cls(**data)

    def secrets(self) -> set[str]:
        return secret_names([self.url, self.headers, self.query, self.body])

    @property
    def host(self) -> str:
        """The host as written (a URL that is itself a secret shows as ``(secret)``, never its value)."""
        try:
            found = urlsplit(self.url).hostname
        except ValueError:
            found = None
        return found or ("(secret)" if secret_names(self.url) else "?")


@dataclass
class Outcome:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    error: str | None = None
    attempts: int = 0
    duration_ms: float = 0.0
    refused: bool = False  # never sent: retrying cannot help

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        return not self.refused and (self.status is None or self.status in RETRY_STATUSES)

    def log_entry(self, request: Request, node: str, mode: str) -> dict[str, Any]:
        """What the run log keeps of a call: never headers, query or body (they may carry secrets)."""
        return {"node": node, "mode": mode, "method": request.method, "host": request.host, "status": self.status,
                "ms": round(self.duration_ms, 1), "attempts": self.attempts, "error": self.error}


def text_value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _special(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def addresses_allowed(host: str, port: int, allowed: list[str]) -> list[str]:
    """The addresses ``host`` resolves to, once; ``Refused`` unless the allow-list admits every one of them."""
    if not host_allowed(host, allowed):
        raise Refused(f"host `{host}` is not in the project's outbound hosts (Settings)")
    listed = {entry.lower().strip() for entry in allowed}
    try:
        addresses = [str(ipaddress.ip_address(host.strip("[]")))]  # an address literal: nothing to look up
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            raise Refused(f"host `{host}` could not be resolved") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        if _special(address) and host.lower() not in listed and address not in listed:
            raise Refused(f"host `{host}` resolves to a loopback or private address ({address}); list it exactly in the outbound hosts to allow it")
    if not addresses:
        raise Refused(f"host `{host}` could not be resolved")
    return addresses


async def check_host(url: str, allowed: list[str]) -> None:
    """Raise ``Refused`` unless ``url`` may be called under the allow-list ``allowed`` (checked again at connect time)."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise Refused("the URL is not an http(s) URL with a host")
    if not host_allowed(host, allowed):
        raise Refused(f"host `{host}` is not in the project's outbound hosts (Settings)")


async def _read(response: httpx.Response) -> Any:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise Refused(f"the answer is larger than {MAX_RESPONSE_BYTES} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if "json" in response.headers.get("content-type", "") and raw:
        try:
            return json.loads(raw)
        except ValueError:
            pass
    return raw.decode("utf-8", errors="replace")


async def send_once(request: Request, secrets: dict[str, str], allowed: list[str]) -> Outcome:
    """One attempt: check the host, put the secrets in, send, read the answer (errors redacted)."""
    redact = Redactor(secrets)
    started = time.perf_counter()
    outcome = Outcome(attempts=1)
    try:
        url = fill(request.url, secrets)
        await check_host(url, allowed)
        kwargs: dict[str, Any] = {
            "headers": {k: text_value(fill(v, secrets)) for k, v in request.headers.items()},
            "params": {k: text_value(fill(v, secrets)) for k, v in request.query.items()},
            "timeout": request.timeout_ms / 1000,
        }
        if request.body_type == "json":
            kwargs["json"] = fill(request.body, secrets)
        elif request.body_type == "form":
            kwargs["data"] = {k: text_value(fill(v, secrets)) for k, v in request.body.items()}
        scope = ALLOWED.set(list(allowed))
        try:
            async with client().stream(request.method, url, **kwargs) as response:
                outcome.status = response.status_code
                outcome.headers = {k.lower(): redact(v) for k, v in response.headers.items()}
                outcome.body = await _read(response)
        finally:
            ALLOWED.reset(scope)
    except Refused as exc:
        outcome.error = redact(str(exc))
        outcome.refused = True
    except httpx.TimeoutException:
        outcome.error = f"no answer within {request.timeout_ms} ms"
    except httpx.HTTPError as exc:
        outcome.error = redact(f"{type(exc).__name__}: {exc}")[:300]
    outcome.duration_ms = (time.perf_counter() - started) * 1000
    return outcome


async def send(request: Request, secrets: dict[str, str], allowed: list[str], retries: int) -> Outcome:
    """``send_once`` with up to ``retries`` more attempts on a network error or a 5xx/429 answer."""
    total = 0.0
    for attempt in range(retries + 1):
        outcome = await send_once(request, secrets, allowed)
        total += outcome.duration_ms
        outcome.attempts = attempt + 1
        if not outcome.retryable or attempt == retries:
            outcome.duration_ms = total
            return outcome
        await asyncio.sleep(RETRY_PAUSE_SECONDS * 2**attempt)
    raise AssertionError("unreachable")
