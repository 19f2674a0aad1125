"""GraphQL root fields of files, as Momen names them: ``imagePresignedUrl`` and ``filePresignedUrl``.

``(filename, contentType, size, md5Base64) → FZ_PresignedUpload { id uploadUrl uploadMethod
uploadHeaders expiresAt }``: PUT the bytes to ``uploadUrl`` with ``uploadHeaders``, then
put ``id`` into an image / file field (``insert_T``, ``update_T``, flow inputs). Only
roles named in ``permissions.uploads`` (and admin) see these fields.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graphql import GraphQLArgument, GraphQLField, GraphQLNonNull, GraphQLObjectType

from runtime.files.uploads import UploadRefused, check_declared, may_upload, presign
from runtime.graphql.extensions import ExtensionField, TypeRegistry
from runtime.permissions import Grants
from runtime.project import PublishedState
from runtime.types import RequestContext, RuntimeError_


def _resolver(kind: str) -> Callable[[RequestContext, dict[str, Any]], Awaitable[dict[str, Any]]]:
    async def resolve(ctx: RequestContext, args: dict[str, Any]) -> dict[str, Any]:
        try:
            declared = check_declared(ctx.project, ctx.session, kind, args.get("filename"), args.get("contentType"),
                                      args.get("size"), args.get("md5Base64"))
        except UploadRefused as exc:
            raise RuntimeError_(exc.message, code=exc.code) from None
        return await presign(ctx.project, ctx.session, declared)

    return resolve


class _Project:
    """``may_upload`` reads the definition from a project's state; at schema time we have the state."""

    def __init__(self, state: PublishedState):
        self.state = state


def build_fields(state: PublishedState, grants: Grants, types: TypeRegistry) -> list[ExtensionField]:
    if not may_upload(_Project(state), grants.session):
        return []
    string, bigint = types.scalar("String"), types.scalar("bigint")
    answer = types.add(GraphQLObjectType("FZ_PresignedUpload", lambda: {
        "id": GraphQLField(GraphQLNonNull(bigint), description="the asset id to put into an image / file field"),  # type: ignore[arg-type]
        "uploadUrl": GraphQLField(GraphQLNonNull(string), description="PUT the bytes here (single use, 15 minutes)"),  # type: ignore[arg-type]
        "uploadMethod": GraphQLField(GraphQLNonNull(string)),  # type: ignore[arg-type]
        "uploadHeaders": GraphQLField(GraphQLNonNull(types.scalar("JSON"))),  # type: ignore[arg-type]
        "expiresAt": GraphQLField(GraphQLNonNull(types.scalar("timestamptz"))),  # type: ignore[arg-type]
    }, description="A signed upload URL for one declared file"))
    args = {
        "filename": GraphQLArgument(GraphQLNonNull(string)),  # type: ignore[arg-type]
        "contentType": GraphQLArgument(GraphQLNonNull(string)),  # type: ignore[arg-type]
        "size": GraphQLArgument(GraphQLNonNull(bigint), description="bytes"),  # type: ignore[arg-type]
        "md5Base64": GraphQLArgument(GraphQLNonNull(string), description="Base64 of the file's MD5 digest"),  # type: ignore[arg-type]
    }
    return [
        ExtensionField(name=f"{kind}PresignedUrl", operation="mutation", resolve=_resolver(kind), transactional=False,
                       field=GraphQLField(GraphQLNonNull(answer), args=args,  # type: ignore[arg-type]
                                          description=f"A signed URL to upload one {kind} to (then use the returned id)."))
        for kind in ("image", "file")
    ]
