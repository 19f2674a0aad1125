"""The run log writer: ``flush`` returns only once every record handed to it is in the table."""

from __future__ import annotations

import asyncio
from pathlib import Path

from runtime.actionflows.runlog import RunRecord, record
from tests.runtime.actionflows.conftest import FlowProject, running_project


def test_flush_waits_for_the_batch_the_writer_already_holds(flow_project: FlowProject, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_project(flow_project, tmp_path) as project:
            runlog = project.services["runlog"]
            record(project, RunRecord("held", 1, "admin", "COMPLETED", None, None, 1.0))
            await asyncio.sleep(0.01)  # the writer task takes it off the queue and waits to batch more
            assert runlog.queue.empty()
            await runlog.flush()
            assert flow_project.sql("SELECT actionflow, caller FROM minimomen.run_log WHERE actionflow = 'held'") == [("held", "admin")]

    asyncio.run(scenario())
