"""Per-project background services (live-query hub, async task worker, scheduler), started in order.

Each service module exposes ``async start(project)``, ``async publish(project)``
(called after a new state is swapped in) and ``async stop(project)``; this list is
the one place that names them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from runtime.project import ProjectRuntime

SERVICE_MODULES: tuple[str, ...] = (
    "runtime.subscriptions.hub",
    "runtime.actionflows.groupcommit",
    "runtime.actionflows.tasks",
    "runtime.actionflows.schedules",  # after the task worker it queues runs for
    "runtime.integrations.outbox",  # after the task worker, whose run log it writes to
    "runtime.files.sweep",
)


def _modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in SERVICE_MODULES]


async def start_project(project: ProjectRuntime) -> None:
    for module in _modules():
        await module.start(project)


async def publish_project(project: ProjectRuntime) -> None:
    for module in _modules():
        await module.publish(project)


async def stop_project(project: ProjectRuntime) -> None:
    for module in reversed(_modules()):
        await module.stop(project)
