"""Auth routes (placeholder)."""
from fastapi import APIRouter


def build_auth_router(runtime, config) -> APIRouter:  # type: ignore[no-untyped-def]
    return APIRouter()
