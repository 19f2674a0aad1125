"""Receiving files: signed single-use upload URLs (GraphQL) and the pages' multipart form.

``presign`` checks who uploads (``permissions.uploads``), the declared name, type, size
(``settings.max_upload_mb``) and Base64 MD5, reserves the asset id and returns a URL
valid for ``UPLOAD_TTL_SECONDS``; only a hash of its token is kept. ``receive`` takes the
PUT there: 413 from ``Content-Length`` before any body byte is read, then the bytes are
streamed to a temporary file while counted and hashed, checked (size, MD5, sniffed type
against the declared one, images decoded for their size) and only then stored and
recorded. A refused upload stores nothing and leaves the URL usable until it expires.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import secrets
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.asset_types import ASSET_TYPES
from runtime.files.images import image_size
from runtime.files.sniff import RASTER_IMAGES, SNIFF_BYTES, clean_filename, matches, normalise, sniff
from runtime.files.store import new_key, store_for, temp_dir
from runtime.system_tables import SCHEMA
from runtime.types import Session

UPLOAD_TTL_SECONDS = 15 * 60
MB = 1024 * 1024


class UploadRefused(Exception):
    """A refused upload: ``status`` and ``code`` for the HTTP answer, a sentence for people."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Declared:
    kind: str
    filename: str
    content_type: str
    size: int | None  # None: not declared (multipart), counted
    md5: bytes | None


def limit_bytes(project: Any) -> int:
    return int(project.state.resolved.definition.settings.max_upload_mb) * MB


def may_upload(project: Any, session: Session) -> bool:
    if session.is_admin:
        return True
    allowed = set(project.state.resolved.definition.permissions.uploads)
    roles = ("anonymous",) if session.account_id is None else ("user", *session.roles)
    return bool(allowed.intersection(roles))


def check_declared(project: Any, session: Session, kind: str, filename: Any, content_type: Any, size: Any, md5: Any) -> Declared:
    """The upload as declared, or ``UploadRefused`` saying what is wrong."""
    if not may_upload(project, session):
        raise UploadRefused(403, "UPLOAD_FORBIDDEN", f"The role {session.role} may not upload files in this app")
    if kind not in ASSET_TYPES:
        raise UploadRefused(400, "BAD_USER_INPUT", f"kind must be one of {', '.join(ASSET_TYPES)}")
    name = clean_filename(filename) if isinstance(filename, str) else None
    if name is None:
        raise UploadRefused(400, "BAD_FILENAME", "filename must be a plain file name (no folders, no control characters, at most 255 characters)")
    declared_type = normalise(content_type) if isinstance(content_type, str) else None
    if declared_type is None:
        raise UploadRefused(400, "BAD_CONTENT_TYPE", "contentType must be a media type such as image/png")
    if ASSET_TYPES[kind].image and declared_type not in RASTER_IMAGES:
        raise UploadRefused(415, "UNSUPPORTED_MEDIA_TYPE", f"an image must be one of {', '.join(sorted(RASTER_IMAGES))}")
    limit = limit_bytes(project)
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise UploadRefused(400, "BAD_USER_INPUT", "size must be the file's length in bytes (at least 1)")
        if size > limit:
            raise UploadRefused(413, "PAYLOAD_TOO_LARGE", f"The file is larger than this app's limit of {limit // MB} MB")
    digest = None
    if md5 is not None:
        try:
            digest = base64.b64decode(md5, validate=True) if isinstance(md5, str) else b""
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != 16:
            raise UploadRefused(400, "BAD_CHECKSUM", "md5Base64 must be the Base64 of the file's 16-byte MD5 digest")
    return Declared(kind, name, declared_type, size, digest)


async def presign(project: Any, session: Session, declared: Declared) -> dict[str, Any]:
    """Reserve an asset id and record a single-use upload URL for ``declared``."""
    token = secrets.token_urlsafe(32)
    async with project.pool.connection() as conn:
        row = await (await conn.execute(
            f"""INSERT INTO {SCHEMA}.upload (token_hash, asset_id, kind, filename, content_type, size, md5,
                                             uploader_account_id, uploader_role, expires_at)
                VALUES (%s, nextval(pg_get_serial_sequence('{SCHEMA}.asset', 'id')), %s, %s, %s, %s, %s, %s, %s,
                        now() + make_interval(secs => %s))
                RETURNING asset_id, expires_at""",
            (hashlib.sha256(token.encode()).digest(), declared.kind, declared.filename, declared.content_type, declared.size,
             base64.b64encode(declared.md5 or b"").decode(), session.account_id, session.role, UPLOAD_TTL_SECONDS),
        )).fetchone()
    assert row is not None
    return {
        "id": row[0],
        "uploadUrl": f"/p/{project.slug}/files/upload/{token}",
        "uploadMethod": "PUT",
        "uploadHeaders": {"Content-Type": declared.content_type, "Content-MD5": base64.b64encode(declared.md5 or b"").decode()},
        "expiresAt": row[1].isoformat(),
    }


async def receive_put(project: Any, token: str, content_length: str | None, chunks: AsyncIterator[bytes]) -> dict[str, Any]:
    """Handle the PUT on a signed upload URL; the stored asset's fields, or ``UploadRefused``."""
    token_hash = hashlib.sha256(token.encode()).digest()
    async with project.pool.connection() as conn:
        row = await (await conn.execute(
            f"""UPDATE {SCHEMA}.upload SET claimed_at = now()
                WHERE token_hash = %s AND claimed_at IS NULL AND done_at IS NULL AND expires_at > now()
                RETURNING asset_id, kind, filename, content_type, size, md5, uploader_account_id, uploader_role""",
            (token_hash,),
        )).fetchone()
        if row is None:
            state = await (await conn.execute(
                f"SELECT done_at IS NOT NULL, expires_at <= now() FROM {SCHEMA}.upload WHERE token_hash = %s", (token_hash,))).fetchone()
    if row is None:
        if state is None:
            raise UploadRefused(404, "NOT_FOUND", "This upload link does not exist")
        if state[0]:
            raise UploadRefused(410, "UPLOAD_USED", "This upload link was already used; ask for a new one")
        if state[1]:
            raise UploadRefused(410, "UPLOAD_EXPIRED", "This upload link has expired; ask for a new one")
        raise UploadRefused(409, "UPLOAD_IN_PROGRESS", "An upload to this link is in progress")
    asset_id, kind, filename, content_type, size, md5, account_id, role = row
    declared = Declared(kind, filename, content_type, size, base64.b64decode(md5))
    try:
        length = _content_length(content_length, limit_bytes(project))
        if length != size:
            raise UploadRefused(413 if length > size else 400, "SIZE_MISMATCH", f"The body has {length} bytes; {size} were declared")
        stored = await store_upload(project, declared, chunks, asset_id=asset_id, account_id=account_id, role=role)
    except BaseException:
        async with project.pool.connection() as conn:  # refused: the link stays usable until it expires
            await conn.execute(f"UPDATE {SCHEMA}.upload SET claimed_at = NULL WHERE token_hash = %s AND done_at IS NULL", (token_hash,))
        raise
    async with project.pool.connection() as conn:
        await conn.execute(f"UPDATE {SCHEMA}.upload SET done_at = now() WHERE token_hash = %s", (token_hash,))
    return stored


def _content_length(header: str | None, limit: int) -> int:
    if header is None:
        raise UploadRefused(411, "LENGTH_REQUIRED", "Send the file with a Content-Length header")
    if not header.strip().isdigit():
        raise UploadRefused(400, "BAD_REQUEST", "Content-Length is not a number")
    length = int(header)
    if length > limit:
        raise UploadRefused(413, "PAYLOAD_TOO_LARGE", f"The file is larger than this app's limit of {limit // MB} MB")
    return length


async def store_upload(project: Any, declared: Declared, chunks: AsyncIterator[bytes], *, asset_id: int | None = None,
                       account_id: int | None, role: str) -> dict[str, Any]:
    """Stream ``chunks`` to a temporary file, check them against ``declared``, store and record the asset."""
    limit = min(limit_bytes(project), declared.size or limit_bytes(project))
    handle = tempfile.NamedTemporaryFile(dir=temp_dir(project), delete=False)  # noqa: SIM115 - moved into the store on success
    path = Path(handle.name)
    try:
        md5, size, head = hashlib.md5(usedforsecurity=False), 0, b""
        with handle:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise UploadRefused(413, "PAYLOAD_TOO_LARGE", f"The file is larger than {'declared' if declared.size else 'this app allows'}")
                md5.update(chunk)
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                handle.write(chunk)
        if size == 0:
            raise UploadRefused(400, "EMPTY_FILE", "The file is empty")
        if declared.size is not None and size != declared.size:
            raise UploadRefused(400, "SIZE_MISMATCH", f"The body has {size} bytes; {declared.size} were declared")
        if declared.md5 is not None and md5.digest() != declared.md5:
            raise UploadRefused(400, "CHECKSUM_MISMATCH", "The file's MD5 does not match the declared checksum")
        sniffed = sniff(head)
        if not matches(declared.content_type, sniffed):
            raise UploadRefused(415, "CONTENT_TYPE_MISMATCH", f"The file's bytes are {sniffed}, not the declared {declared.content_type}")
        width = height = None
        if ASSET_TYPES[declared.kind].image:
            if sniffed not in RASTER_IMAGES:
                raise UploadRefused(415, "UNSUPPORTED_MEDIA_TYPE", f"an image must be one of {', '.join(sorted(RASTER_IMAGES))}")
            dimensions = await image_size(path)
            if dimensions is None:
                raise UploadRefused(415, "BAD_IMAGE", "The image cannot be decoded")
            width, height = dimensions
        key = new_key()
        store = store_for(project)
        await store.put(key, path, sniffed)
        try:
            async with project.pool.connection() as conn:
                row = await (await conn.execute(
                    f"""INSERT INTO {SCHEMA}.asset (id, kind, storage_key, filename, content_type, size, width, height, checksum,
                                                    uploader_account_id, uploader_role)
                        VALUES (coalesce(%s, nextval(pg_get_serial_sequence('{SCHEMA}.asset', 'id'))), %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                        RETURNING id, created_at""",
                    (asset_id, declared.kind, key, declared.filename, sniffed, size, width, height,
                     base64.b64encode(md5.digest()).decode(), account_id, role),
                )).fetchone()
        except BaseException:
            await store.delete(key)
            raise
        assert row is not None
        return {"id": row[0], "kind": declared.kind, "filename": declared.filename, "content_type": sniffed, "size": size,
                "width": width, "height": height, "created_at": row[1].isoformat()}
    finally:
        await asyncio.to_thread(path.unlink, True)
