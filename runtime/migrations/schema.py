"""SQLAlchemy Core tables for a schema spec, built per call (never module-level metadata)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from runtime.migrations.spec import SchemaSpec

SA_TYPES: dict[str, sa.types.TypeEngine] = {
    "text": sa.Text(),
    "bigint": sa.BigInteger(),
    "decimal": sa.Numeric(),
    "boolean": sa.Boolean(),
    "timestamptz": sa.DateTime(timezone=True),
    "date": sa.Date(),
    "jsonb": postgresql.JSONB(),
}


def build_metadata(spec: SchemaSpec) -> sa.MetaData:
    """A fresh ``MetaData`` holding one ``Table`` per table of ``spec`` (schema ``public``)."""
    metadata = sa.MetaData(schema="public")
    for table in spec.tables.values():
        sa.Table(
            table.name,
            metadata,
            sa.Column("id", sa.BigInteger(), sa.Identity(always=False), primary_key=True),
            *(sa.Column(c.name, SA_TYPES[c.type], nullable=c.nullable) for c in table.columns.values()),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        )
    return metadata
