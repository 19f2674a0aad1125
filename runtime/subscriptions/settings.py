"""Tunables of live queries and GraphQL over WebSocket, with their defaults.

Read once from the environment (``MINIMOMEN_WS_*`` / ``MINIMOMEN_LIVE_*``) so an
operator or a test can shorten keep-alives without touching code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class LiveSettings:
    # A burst of notifications is collected for ``debounce`` seconds after the last
    # one, but never longer than ``max_delay`` after the first: storms are coalesced
    # without starving subscribers.
    debounce: float = 0.012
    max_delay: float = 0.08
    # Re-runs in flight at once per project; the rest of the pool serves requests.
    max_concurrent_runs: int = 8
    # Seconds between keep-alive messages on an idle connection.
    keepalive: float = 20.0
    # graphql-transport-ws: a client must send connection_init within this time.
    init_timeout: float = 10.0
    max_subscriptions_per_connection: int = 100
    # Messages waiting for a slow client before its connection is closed.
    max_pending_messages: int = 512
    # Seconds between re-checks of every connection's token: a rotated admin token or
    # a deleted account ends the connection, a role change re-keys its live queries.
    # (An expiring token is closed at its expiry time, not at the next check.)
    revalidate: float = 30.0
    # Seconds between LISTEN reconnection attempts grow up to this bound.
    max_reconnect_delay: float = 5.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> LiveSettings:
        """``MINIMOMEN_LIVE_<FIELD>`` overrides a field (e.g. MINIMOMEN_LIVE_KEEPALIVE=1)."""
        env = os.environ if environ is None else environ
        values: dict[str, float | int] = {}
        for f in fields(cls):
            raw = env.get(f"MINIMOMEN_LIVE_{f.name.upper()}")
            if raw:
                values[f.name] = int(raw) if f.type in ("int", int) else float(raw)
        return cls(**values)  # type: ignore[arg-type]


# uvicorn options for GraphQL over WebSocket (runtime/serve.py passes them): the
# sans-I/O implementation, and no permessage-deflate, whose zlib state costs about
# 70 KB per connection (measured: 74 KB -> 33 KB per idle socket) for results of a
# few hundred bytes.
# A message larger than ``MINIMOMEN_WS_MAX_MESSAGE_BYTES`` (1 MiB by default; a GraphQL
# operation is a few KB) closes the connection with 1009 instead of being buffered.
WS_MAX_MESSAGE_ENV = "MINIMOMEN_WS_MAX_MESSAGE_BYTES"
WS_MAX_MESSAGE_BYTES = 1024 * 1024
UVICORN_WEBSOCKET_OPTIONS: dict[str, Any] = {
    "ws": "websockets-sansio", "ws_per_message_deflate": False,
    "ws_max_size": int(os.environ.get(WS_MAX_MESSAGE_ENV) or WS_MAX_MESSAGE_BYTES),
}
