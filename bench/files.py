"""Files benchmark: upload and thumbnail throughput, and server memory while streaming a big file.

    python bench/files.py [--images 100] [--clients 8] [--big-mb 100]

Against a real ``minimomen serve`` (embedded PostgreSQL, local store under the
workspace) with the sample app plus ``product.cover`` (image):

1. uploads ``--images`` distinct JPEGs of about 1 MB each (random pixels, so they do not
   compress) through ``imagePresignedUrl`` + PUT from ``--clients`` concurrent clients
   -> images/s and MB/s;
2. attaches them to products, reads ``cover { url(width: 200, height: 200, fit: "cover") }``
   and GETs every thumbnail twice: the first pass makes the variants with Pillow, the
   second serves them from the store -> thumbnails/s for each pass;
3. PUTs a ``--big-mb`` MB file (streamed from disk) and downloads it, sampling the
   server's RSS every 20 ms -> peak growth over the idle RSS for each direction
   (the server streams through a temporary file / in 256 KB chunks, so it must stay
   far below the file's size).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import io
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from runtime.database import DatabaseServer
from tests.conftest import start_server, unique_prefix
from tests.runtime.files.harness import SLUG, files_workspace

PRESIGN = """mutation($k: String!, $t: String!, $s: bigint!, $m: String!) {
  %s(filename: $k, contentType: $t, size: $s, md5Base64: $m) { id uploadUrl uploadHeaders } }"""


def jpeg(seed: int) -> bytes:
    """About 1 MB: random pixels do not compress."""
    pixels = hashlib.shake_256(seed.to_bytes(4, "big")).digest(1024 * 1000 * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (1024, 1000), pixels).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


async def upload_all(base: str, token: str, images: list[bytes], clients: int) -> list[int]:
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for item in enumerate(images):
        queue.put_nowait(item)
    ids: dict[int, int] = {}
    headers = {"Authorization": f"Bearer {token}"}

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            index, data = queue.get_nowait()
            variables = {"k": f"photo-{index}.jpg", "t": "image/jpeg", "s": len(data), "m": md5_b64(data)}
            answer = await client.post(f"/p/{SLUG}/graphql", json={"query": PRESIGN % "imagePresignedUrl", "variables": variables}, headers=headers)
            signed = answer.json()["data"]["imagePresignedUrl"]
            put = await client.put(signed["uploadUrl"], content=data, headers=signed["uploadHeaders"])
            put.raise_for_status()
            ids[index] = put.json()["id"]

    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    return [ids[i] for i in range(len(images))]


async def get_all(base: str, urls: list[str], clients: int) -> int:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    total = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal total
        while not queue.empty():
            response = await client.get(queue.get_nowait())
            response.raise_for_status()
            total += len(response.content)

    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    return total


class RssSampler:
    """Peak RSS of a process tree, sampled every 20 ms in a thread."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        return sum(p.memory_info().rss for p in [self.process, *self.process.children(recursive=True)])

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def big_file(path: Path, megabytes: int) -> tuple[int, str]:
    md5 = hashlib.md5(usedforsecurity=False)
    with path.open("wb") as out:
        for i in range(megabytes):
            chunk = hashlib.shake_256(i.to_bytes(4, "big")).digest(1024 * 1024)
            md5.update(chunk)
            out.write(chunk)
    return megabytes * 1024 * 1024, base64.b64encode(md5.digest()).decode()


def from_disk(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--big-mb", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = DatabaseServer.start(root / "pg")
        workspace = files_workspace(root)
        app = workspace / SLUG / "app.json"
        data = json.loads(app.read_text())
        data["settings"]["max_upload_mb"] = args.big_mb + 1
        app.write_text(json.dumps(data))
        server = start_server(workspace, db, prefix=unique_prefix())
        try:
            token = server.admin_token(SLUG)
            images = [jpeg(i) for i in range(args.images)]
            megabytes = sum(len(i) for i in images) / 1e6
            started = time.perf_counter()
            ids = asyncio.run(upload_all(server.url, token, images, args.clients))
            took = time.perf_counter() - started
            print(f"upload: {len(ids)} images, {megabytes:.1f} MB in {took:.2f} s -> {len(ids) / took:.1f} images/s, {megabytes / took:.1f} MB/s "
                  f"({args.clients} clients; presign + PUT + checks + store)")

            objects = ", ".join(f'{{product_name: "p{i}", cover: {asset}}}' for i, asset in enumerate(ids))
            answer = httpx.post(server.graphql_url(SLUG), headers={"Authorization": f"Bearer {token}"}, timeout=120, json={
                "query": f'mutation {{ insert_product(objects: [{objects}]) {{ returning {{ cover {{ thumb: url(width: 200, height: 200, fit: "cover") }} }} }} }}'})
            urls = [r["cover"]["thumb"] for r in answer.json()["data"]["insert_product"]["returning"]]
            for label in ("first (made with Pillow)", "second (cached)"):
                started = time.perf_counter()
                size = asyncio.run(get_all(server.url, urls, args.clients))
                took = time.perf_counter() - started
                print(f"thumbnails 200x200, {label}: {len(urls)} in {took:.2f} s -> {len(urls) / took:.1f}/s ({size / len(urls) / 1000:.1f} KB each)")

            path = root / "big.bin"
            size, md5 = big_file(path, args.big_mb)
            sampler_rss = RssSampler(server.process.pid)
            idle = sampler_rss.rss()
            signed = httpx.post(server.graphql_url(SLUG), headers={"Authorization": f"Bearer {token}"}, json={
                "query": PRESIGN % "filePresignedUrl", "variables": {"k": "big.bin", "t": "application/octet-stream", "s": size, "m": md5}}
            ).json()["data"]["filePresignedUrl"]
            with RssSampler(server.process.pid) as sampler:
                started = time.perf_counter()
                put = httpx.put(server.url + signed["uploadUrl"], content=from_disk(path),
                                headers={**signed["uploadHeaders"], "Content-Length": str(size)}, timeout=600)
                put.raise_for_status()
                took = time.perf_counter() - started
            print(f"stream {args.big_mb} MB up: {took:.2f} s, server RSS idle {idle / 2**20:.1f} MiB, peak {sampler.peak / 2**20:.1f} MiB "
                  f"(+{(sampler.peak - idle) / 2**20:.1f} MiB)")
            url = put.json()["url"]
            idle = sampler_rss.rss()
            with RssSampler(server.process.pid) as sampler:
                started = time.perf_counter()
                received = hashlib.md5(usedforsecurity=False)
                with httpx.stream("GET", server.url + url, timeout=600) as response:
                    for chunk in response.iter_bytes():
                        received.update(chunk)
                took = time.perf_counter() - started
            assert base64.b64encode(received.digest()).decode() == md5, "the download differs from the upload"
            print(f"stream {args.big_mb} MB down: {took:.2f} s, server RSS idle {idle / 2**20:.1f} MiB, peak {sampler.peak / 2**20:.1f} MiB "
                  f"(+{(sampler.peak - idle) / 2**20:.1f} MiB)")
            os.unlink(path)
        finally:
            server.stop()
            db.stop()


if __name__ == "__main__":
    main()
