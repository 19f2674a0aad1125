"""GraphQL over HTTP and WebSocket (placeholder until the GraphQL package lands)."""
from fastapi import APIRouter


def build_graphql_router(runtime) -> APIRouter:  # type: ignore[no-untyped-def]
    return APIRouter()
