"""Page routes (placeholder)."""
from fastapi import APIRouter


def build_pages_router(runtime) -> APIRouter:  # type: ignore[no-untyped-def]
    return APIRouter()
