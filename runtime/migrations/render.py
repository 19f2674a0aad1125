"""Render migration steps as an Alembic revision file, and load such a file back.

The file is the record of what was applied: ``publish_definition`` applies the
module it just rendered, so file and database never disagree.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path
from types import ModuleType

from runtime.migrations.ops import Step

HEADER = '''"""minimomen revision {revision} of project {slug!r}, definition version {version}.

Written by `minimomen` when the definition was published and applied in one
transaction. minimomen migrates forward only: to go back, publish an earlier
definition.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = {revision!r}
down_revision = {down_revision!r}
branch_labels = None
depends_on = None

# Steps:
{summary}


def upgrade() -> None:
{body}


def downgrade() -> None:
    raise NotImplementedError("minimomen migrates forward only: publish an earlier definition instead")
'''


def revision_id(version: int, digest: str) -> str:
    return f"{version:04d}_{digest[:12]}"


def render_revision(*, slug: str, version: int, revision: str, down_revision: str | None, steps: list[Step]) -> str:
    """The source of an Alembic revision applying ``steps``."""
    summary = "\n".join(f"# - {_one_line(step.describe())}" for step in steps) or "# (none)"
    body = "\n".join(f"    {line}" for step in steps for line in step.render()) or "    pass"
    return HEADER.format(revision=revision, slug=slug, version=version, down_revision=down_revision, summary=summary, body=body)


def load_revision(path: Path) -> ModuleType:
    """Import a revision file as a module (not registered in ``sys.modules``)."""
    name = f"minimomen_revision_{path.stem.strip('.')}"
    loader = importlib.machinery.SourceFileLoader(name, str(path))  # explicit: the file may end in .tmp
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _one_line(text: str) -> str:
    return " ".join(text.split())
