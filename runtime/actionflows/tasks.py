"""Async actionflow task worker (placeholder)."""


async def start(project) -> None:  # type: ignore[no-untyped-def]
    return None


async def publish(project) -> None:  # type: ignore[no-untyped-def]
    return None


async def stop(project) -> None:  # type: ignore[no-untyped-def]
    return None
