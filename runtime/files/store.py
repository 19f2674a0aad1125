"""Where the bytes live: a folder of the workspace (default) or an S3-compatible bucket.

Keys are made by the runtime (``<2 hex>/<random>``), never from a client's filename,
so a name such as ``../../x`` can only ever be a label. Both stores take a finished
temporary file (``put``) and give the bytes back in chunks (``chunks``), so no file is
ever held in memory whole.

S3 (AWS, MinIO, Cloudflare R2 …) is used when ``MINIMOMEN_S3_BUCKET`` is set:
``MINIMOMEN_S3_ENDPOINT_URL`` (for anything but AWS), ``MINIMOMEN_S3_REGION``, and the
usual ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` read by boto3. Each project's
objects sit under ``<MINIMOMEN_S3_PREFIX><slug>/``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

CHUNK = 256 * 1024
STORE_SERVICE = "files.store"


def new_key() -> str:
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


class Store(Protocol):
    async def put(self, key: str, source: Path, content_type: str) -> None:
        """Store the finished file ``source`` (which may be moved away) under ``key``."""
        ...

    def chunks(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes, a chunk at a time."""
        ...

    async def fetch(self, key: str, target: Path) -> None:
        """Copy the stored file to ``target`` (for making variants)."""
        ...

    async def delete(self, key: str) -> None: ...


class LocalStore:
    """Files under ``root`` (``projects/.minimomen/files/<slug>``), outside any served folder."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:  # keys are ours; this guards a bug, not a client
            raise ValueError(f"storage key {key!r} leaves the store")
        return path

    async def put(self, key: str, source: Path, content_type: str) -> None:
        target = self._path(key)
        await asyncio.to_thread(_move, source, target)

    async def chunks(self, key: str) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(self._path(key).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    async def fetch(self, key: str, target: Path) -> None:
        await asyncio.to_thread(shutil.copyfile, self._path(key), target)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(target))


class S3Store:
    """Objects in one bucket under ``prefix``, through boto3 (its calls run in threads)."""

    def __init__(self, client: Any, bucket: str, prefix: str):
        self.client, self.bucket, self.prefix = client, bucket, prefix

    async def put(self, key: str, source: Path, content_type: str) -> None:
        await asyncio.to_thread(self.client.upload_file, str(source), self.bucket, self.prefix + key,
                                ExtraArgs={"ContentType": content_type})
        await asyncio.to_thread(source.unlink, True)

    async def chunks(self, key: str) -> AsyncIterator[bytes]:
        answer = await asyncio.to_thread(self.client.get_object, Bucket=self.bucket, Key=self.prefix + key)
        body = answer["Body"]
        iterator: Iterator[bytes] = body.iter_chunks(CHUNK)
        try:
            while chunk := await asyncio.to_thread(next, iterator, b""):
                yield chunk
        finally:
            body.close()

    async def fetch(self, key: str, target: Path) -> None:
        await asyncio.to_thread(self.client.download_file, self.bucket, self.prefix + key, str(target))

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self.prefix + key)


def make_store(workspace: Path, slug: str, environ: Mapping[str, str] | None = None) -> Store:
    """The store configured by the environment: S3 when ``MINIMOMEN_S3_BUCKET`` is set, else local."""
    env = os.environ if environ is None else environ
    bucket = env.get("MINIMOMEN_S3_BUCKET")
    if not bucket:
        return LocalStore(workspace / ".minimomen" / "files" / slug)
    import boto3  # only when configured: the local store needs nothing

    client = boto3.client("s3", endpoint_url=env.get("MINIMOMEN_S3_ENDPOINT_URL") or None,
                          region_name=env.get("MINIMOMEN_S3_REGION") or "us-east-1")
    return S3Store(client, bucket, f"{env.get('MINIMOMEN_S3_PREFIX', '')}{slug}/")


def store_for(project: Any) -> Store:
    """The project's store, made once per running project."""
    store = project.services.get(STORE_SERVICE)
    if store is None:
        store = make_store(Path(project.directory).parent, project.slug)
        project.services[STORE_SERVICE] = store
    return store  # type: ignore[no-any-return]


def temp_dir(project: Any) -> Path:
    """Where uploads are written while they arrive (same file system as the local store)."""
    path = Path(project.directory).parent / ".minimomen" / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path
