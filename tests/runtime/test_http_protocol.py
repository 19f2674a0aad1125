"""One write per response: the gathering transport, and a real server answering pipelined requests in order."""

from __future__ import annotations

import asyncio
import json
import socket
import time

from runtime.http_protocol import GatheringTransport


class RecordingTransport(asyncio.Transport):
    """The socket end of the stack: records what would go out."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes) -> None:  # type: ignore[override]
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_extra_info(self, name: str, default: object = None) -> object:
        return ("127.0.0.1", 1234) if name == "peername" else default


def test_writes_of_one_callback_leave_as_one_write_after_it() -> None:
    async def main() -> None:
        raw = RecordingTransport()
        gathering = GatheringTransport(raw, asyncio.get_running_loop())
        gathering.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        gathering.write(b"{}")
        assert raw.writes == [], "nothing leaves before the callback ends"
        await asyncio.sleep(0)
        assert raw.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]
        gathering.write(b"next")
        await asyncio.sleep(0)
        assert raw.writes[1:] == [b"next"]
        assert gathering.get_extra_info("peername") == ("127.0.0.1", 1234), "everything else is the real transport's"

    asyncio.run(main())


def test_close_sends_what_is_pending_first_and_abort_drops_it() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        raw = RecordingTransport()
        gathering = GatheringTransport(raw, loop)
        gathering.write(b"last words")
        gathering.close()
        assert raw.writes == [b"last words"] and raw.closed
        await asyncio.sleep(0)
        assert raw.writes == [b"last words"], "the scheduled flush finds nothing left"

        raw = RecordingTransport()
        gathering = GatheringTransport(raw, loop)
        gathering.write(b"never sent")
        gathering.abort()
        await asyncio.sleep(0)
        assert raw.writes == [] and raw.aborted

    asyncio.run(main())


def test_unwrapping_for_a_websocket_flushes_and_returns_the_real_transport() -> None:
    async def main() -> None:
        raw = RecordingTransport()
        gathering = GatheringTransport(raw, asyncio.get_running_loop())
        gathering.write(b"pending")
        assert gathering.unwrapped() is raw
        assert raw.writes == [b"pending"]

    asyncio.run(main())


def _responses(data: bytes) -> list[tuple[int, bytes]]:
    """(status, body) of each complete HTTP/1.1 response in ``data``."""
    out = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        headers = dict(line.split(b": ", 1) for line in lines[1:])
        length = int(headers[b"content-length"])
        out.append((int(lines[0].split()[1]), rest[:length]))
        data = rest[length:]
    return out


def test_a_real_server_answers_pipelined_requests_completely_and_in_order(module_server) -> None:
    token = module_server.admin_token()
    requests = b""
    for n in range(3):
        body = json.dumps({"query": f"query Q{n} {{ n{n}: __typename }}"}).encode()
        requests += (b"POST /p/inventory_deduction/graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + token.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    with socket.create_connection(("127.0.0.1", module_server.port), timeout=10) as sock:
        sock.sendall(requests)
        received = b""
        deadline = time.monotonic() + 10
        while received.count(b"query_root") < 3 and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    answers = _responses(received)
    assert [status for status, _ in answers] == [200, 200, 200]
    assert [json.loads(body)["data"] for _, body in answers] == [{"n0": "query_root"}, {"n1": "query_root"}, {"n2": "query_root"}]
