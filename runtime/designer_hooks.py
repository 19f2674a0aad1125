"""Callbacks the designer API gets from the runtime (placeholder)."""


def designer_callbacks(runtime, config):  # type: ignore[no-untyped-def]
    return None
