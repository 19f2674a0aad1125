"""GraphQL over WebSocket (placeholder)."""
from fastapi import APIRouter


def build_subscription_router(runtime) -> APIRouter:  # type: ignore[no-untyped-def]
    return APIRouter()
