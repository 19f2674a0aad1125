"""Frames to one WebSocket, in order, written at once whenever the socket takes them.

The hub pushes one result to thousands of sockets from one event loop. A writer
task per connection, woken for every frame, costs a task switch per subscriber
on top of the send itself. So ``Outbox.put`` drives the ASGI send coroutine
inline: while the transport is writable, uvicorn's send completes without
suspending and the frame is with the kernel before ``put`` returns; no task, no
loop iteration. Only a send that suspends (flow control paused the transport:
the client does not read) is finished by a task, and later frames queue behind
it, at most ``limit`` of them; past that the connection is dropped (its
subscriptions end) rather than buffered forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket

log = logging.getLogger("minimomen.live")

Send = Coroutine[Any, Any, None]


@dataclass(frozen=True)
class Close:
    code: int
    reason: str = ""


class Outbox:
    """Writes text frames and, last, a close frame to one accepted WebSocket."""

    __slots__ = ("_on_gone", "_queue", "_task", "_websocket", "closing", "gone", "limit")

    def __init__(self, websocket: WebSocket, limit: int, on_gone: Callable[[], None]):
        self._websocket = websocket
        self._on_gone = on_gone  # called once: the close was sent, or the peer is gone
        self._queue: deque[str | Close] = deque()
        self._task: asyncio.Task[None] | None = None  # finishes a suspended send, then the queue
        self.limit = limit
        self.closing = False
        self.gone = False

    def put(self, text: str) -> None:
        """Send ``text`` now, or after the frames still waiting for the client."""
        if self.closing or self.gone:
            return
        if self._task is None:
            self._drive(self._websocket.send_text(text), closes=False)
        elif len(self._queue) >= self.limit:
            log.warning("live queries: closing a client that does not read its messages")
            self._queue.clear()
            self._task.cancel()  # a send waiting for a paused transport has written nothing yet
            self._task = None
            self.closing = True
            self._finished()
        else:
            self._queue.append(text)

    def close(self, code: int, reason: str = "") -> None:
        """Send a close frame after everything put before; nothing is sent after it."""
        if self.closing or self.gone:
            return
        self.closing = True
        if self._task is None:
            self._drive(self._websocket.close(code, reason), closes=True)
        else:
            self._queue.append(Close(code, reason))

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _finished(self) -> None:
        if not self.gone:
            self.gone = True
            self._on_gone()

    def _drive(self, send: Send, *, closes: bool) -> None:
        # One step of the coroutine, as a Task would take it, but without a Task.
        try:
            waiting_on = send.send(None)
        except StopIteration:
            if closes:
                self._finished()
            return
        except Exception:  # noqa: BLE001 - the peer is gone; nothing left to tell it
            self._finished()
            return
        self._task = asyncio.get_running_loop().create_task(self._resume(send, waiting_on, closes))

    async def _resume(self, send: Send, waiting_on: Any, closes: bool) -> None:
        try:
            while True:
                # what the coroutine yielded: a future to wait for, or None for "let others run"
                if waiting_on is None:
                    await asyncio.sleep(0)
                else:
                    await asyncio.wait((waiting_on,))
                try:
                    waiting_on = send.send(None)  # the coroutine reads the future's outcome itself
                except StopIteration:
                    break
            if closes:
                self._finished()
                return
            while self._queue:
                item = self._queue.popleft()
                if isinstance(item, Close):
                    await self._websocket.close(item.code, item.reason)
                    self._finished()
                    return
                await self._websocket.send_text(item)
        except asyncio.CancelledError:
            send.close()
            raise
        except Exception:  # noqa: BLE001 - the peer is gone
            self._finished()
            return
        self._task = None
