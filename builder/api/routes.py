"""The designer's REST API (placeholder)."""
from fastapi import APIRouter


def build_designer_router(workspace, callbacks, token) -> APIRouter:  # type: ignore[no-untyped-def]
    return APIRouter()
