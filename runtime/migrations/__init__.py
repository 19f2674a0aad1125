"""Migrations: publishing a definition turns it into tables, via Alembic revisions.

``publish_definition`` is the entry point; see ``apply`` for the sequence and
``diff`` for how two definitions are compared (by ids).
"""

from runtime.migrations.apply import publish_definition
from runtime.migrations.plan import MigrationFailed, MigrationPlan, MigrationRefused

__all__ = ["MigrationFailed", "MigrationPlan", "MigrationRefused", "publish_definition"]
