"""HTTP routes of files: the signed upload URL (PUT), the pages' multipart upload (POST)
and signed downloads (GET) under ``/p/<slug>/files/``.

Every refusal is JSON ``{"error": {"code", "message"}}`` with its status; nothing is
stored by a refused upload. Downloads stream from the store in chunks.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from runtime.auth.sessions import session_from_http
from runtime.files.images import TooManyVariants, variant
from runtime.files.signing import file_key, signed_path, verify
from runtime.files.sniff import serving_headers
from runtime.files.store import CHUNK, store_for
from runtime.files.uploads import MB, UploadRefused, check_declared, may_upload, receive_put, store_upload
from runtime.system_tables import SCHEMA
from runtime.types import RuntimeError_

FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the small fields around the file


def _refusal(status: int, code: str, message: str) -> Response:
    return Response(json.dumps({"error": {"code": code, "message": message}}), status_code=status, media_type="application/json",
                    headers={"X-Content-Type-Options": "nosniff"})


def _answer(project: Any, stored: dict[str, Any]) -> Response:
    body = {**stored, "url": signed_path(project.slug, file_key(project.secrets.jwt_secret), stored["id"])}
    return Response(json.dumps(body), media_type="application/json")


async def _form_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


def build_files_router(runtime: Any) -> APIRouter:
    router = APIRouter()

    async def put(request: Request) -> Response:
        project = runtime.get(request.path_params["slug"])
        if project is None:
            return _refusal(404, "NOT_FOUND", "Project not found")
        try:
            stored = await receive_put(project, request.path_params["token"], request.headers.get("content-length"), request.stream())
        except UploadRefused as exc:
            return _refusal(exc.status, exc.code, exc.message)
        return _answer(project, stored)

    async def post_form(request: Request) -> Response:
        project = runtime.get(request.path_params["slug"])
        if project is None:
            return _refusal(404, "NOT_FOUND", "Project not found")
        try:
            session = await session_from_http(project, request.headers.get("authorization"), request.cookies,
                                              request.headers.get("x-csrf-token"), "POST")
        except RuntimeError_ as exc:
            return _refusal(max(exc.http_status, 401), exc.code, exc.message)
        length = request.headers.get("content-length")
        limit = int(project.state.resolved.definition.settings.max_upload_mb) * MB
        try:
            if length is None or not length.isdigit():
                raise UploadRefused(411, "LENGTH_REQUIRED", "Send the form with a Content-Length header")
            if int(length) > limit + FORM_OVERHEAD:  # refused before the body is read
                raise UploadRefused(413, "PAYLOAD_TOO_LARGE", f"The file is larger than this app's limit of {limit // MB} MB")
            if not request.headers.get("content-type", "").startswith("multipart/form-data"):
                raise UploadRefused(400, "BAD_REQUEST", "Send the file as multipart/form-data with the fields `file` and `kind`")
            if not may_upload(project, session):  # before reading the body
                raise UploadRefused(403, "UPLOAD_FORBIDDEN", f"The role {session.role} may not upload files in this app")
            async with request.form(max_files=1, max_fields=4) as form:
                upload, kind = form.get("file"), form.get("kind") or "file"
                if not isinstance(upload, UploadFile):
                    raise UploadRefused(400, "BAD_REQUEST", "The form has no `file`")
                declared = check_declared(project, session, str(kind), upload.filename, upload.content_type or "application/octet-stream", None, None)
                stored = await store_upload(project, declared, _form_chunks(upload), account_id=session.account_id, role=session.role)
        except UploadRefused as exc:
            return _refusal(exc.status, exc.code, exc.message)
        return _answer(project, stored)

    async def get(request: Request) -> Response:
        project = runtime.get(request.path_params["slug"])
        if project is None:
            return _refusal(404, "NOT_FOUND", "Project not found")
        raw_id = request.path_params["asset"]
        params = request.query_params
        if not raw_id.isdigit() or len(raw_id) > 18:
            return _refusal(404, "NOT_FOUND", "No such file")
        asset_id, spec = int(raw_id), params.get("v", "")
        reason = verify(file_key(project.secrets.jwt_secret), asset_id, spec, params.get("e", ""), params.get("s", ""))
        if reason is not None:
            return _refusal(403, "FORBIDDEN", reason)
        async with project.pool.connection() as conn:
            row = await (await conn.execute(
                f"SELECT id, kind, storage_key, filename, content_type, size FROM {SCHEMA}.asset WHERE id = %s", (asset_id,))).fetchone()
        if row is None:
            return _refusal(404, "NOT_FOUND", "No such file")
        asset = dict(zip(("id", "kind", "storage_key", "filename", "content_type", "size"), row, strict=True))
        key, content_type, size = asset["storage_key"], asset["content_type"], asset["size"]
        if spec:
            if asset["kind"] != "image":
                return _refusal(400, "BAD_REQUEST", "Only images have resized variants")
            try:
                key, content_type, size = await variant(project, asset, spec)
            except TooManyVariants as exc:
                return _refusal(400, "TOO_MANY_SIZES", str(exc))
        headers = serving_headers(content_type, asset["filename"])
        headers["Content-Length"] = str(size)
        headers["Cache-Control"] = "private, max-age=3600"
        media_type = headers.pop("Content-Type")
        return StreamingResponse(store_for(project).chunks(key), media_type=media_type, headers=headers)

    router.add_route("/p/{slug}/files/upload/{token}", put, methods=["PUT"])
    router.add_route("/p/{slug}/files/upload", post_form, methods=["POST"])
    router.add_route("/p/{slug}/files/{asset}", get, methods=["GET"])
    return router
