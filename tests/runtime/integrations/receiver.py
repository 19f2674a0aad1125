"""A real HTTP server on loopback that records what it receives and answers from a script."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """``statuses``: answers to give in order (then ``default_status``); ``answer``: the JSON body of every answer."""

    port: int = 0
    statuses: list[int] = field(default_factory=list)
    default_status: int = 200
    answer: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else self.default_status

    async def received_at_least(self, count: int, timeout: float = 15.0) -> list[Received]:
        """Wait until ``count`` requests arrived, letting the event loop (and its senders) run meanwhile."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.received) < count:
            await asyncio.sleep(0.02)
        return list(self.received)


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # http.server's default backlog (5) resets bursts of first connects


@contextmanager
def receiver(**options: Any) -> Iterator[Receiver]:
    """Serve a ``Receiver`` on 127.0.0.1 (a free port) for the duration of the block."""
    state = Receiver(**options)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            with state.lock:
                state.received.append(Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if state.delay:
                time.sleep(state.delay)
            status = state.next_status()
            payload = json.dumps(state.answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = _Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
