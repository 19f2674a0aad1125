"""The definition (``app.json``): the single source of truth for a project.

Identity is by ``id`` (stable, never reused); names can change. Structural
references (a relation's tables, a node's table, a permission's table, a list's
data source) use table ids; filters, values and bindings use field names, as the
GraphQL API does, and ``builder.refactor`` rewrites them when a field is renamed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from builder.asset_types import ASSET_TYPES
from builder.display_formats import DEFAULT_CURRENCY, DEFAULT_LOCALE, DEFAULT_TIME_ZONE
from builder.expressions import BoolExp, Expression
from builder.flows import Actionflow, Ident, Model
from builder.pages import Page

FORMAT_VERSION = 1

FieldType = Literal["text", "bigint", "decimal", "boolean", "timestamptz", "date", "jsonb", "image", "file"]
# The value types, then the stored-file types of builder.asset_types (one registry for both).
FIELD_TYPES: tuple[str, ...] = ("text", "bigint", "decimal", "boolean", "timestamptz", "date", "jsonb", *ASSET_TYPES)

# Fields every table has; they are not listed in the definition.
SYSTEM_FIELDS: tuple[str, ...] = ("id", "created_at", "updated_at")
ACCOUNT_TABLE = "account"
ACCOUNT_SYSTEM_FIELDS: tuple[str, ...] = ("username",)
BUILTIN_ROLES: tuple[str, ...] = ("anonymous", "user", "admin")


class FieldDef(Model):
    id: Ident
    name: Ident
    type: FieldType
    required: bool = False
    unique: bool = False
    default: Any = Field(default=None, description="a JSON literal used as the column default")
    description: str = ""


class Table(Model):
    id: Ident
    name: Ident
    description: str = ""
    fields: list[FieldDef] = Field(default_factory=list)


class ForeignKey(Model):
    id: Ident = Field(description="stable id of the foreign-key column")
    name: Ident = Field(description="column name in the target table, e.g. account_id")


class Relation(Model):
    """``from_table`` has many (or one) ``to_table``; ``to_table`` holds the foreign key."""

    id: Ident
    kind: Literal["one_to_many", "one_to_one"] = "one_to_many"
    from_table: str = Field(description="table id of the referenced ('one') side")
    to_table: str = Field(description="table id of the side holding the foreign key")
    foreign_key: ForeignKey
    from_field: Ident = Field(description="field on from_table listing the related rows, e.g. orders")
    to_field: Ident = Field(description="field on to_table pointing to the related row, e.g. account")
    on_delete: Literal["restrict", "cascade", "set_null"] = "set_null"
    required: bool = False


class UniqueConstraint(Model):
    id: Ident
    name: Ident
    table: str = Field(description="table id")
    fields: list[str] = Field(min_length=1, description="field names")


class Role(Model):
    id: Ident
    name: Ident
    description: str = ""


Columns = list[str] | Literal["*"]


class SelectRule(Model):
    columns: Columns = "*"
    filter: BoolExp = Field(default_factory=dict)
    aggregate: bool = True
    limit: int | None = Field(default=None, ge=1)


class InsertRule(Model):
    columns: Columns = "*"
    check: BoolExp = Field(default_factory=dict)
    presets: dict[str, Expression] = Field(default_factory=dict, description="column -> value forced on insert")


class UpdateRule(Model):
    columns: Columns = "*"
    filter: BoolExp = Field(default_factory=dict)
    check: BoolExp = Field(default_factory=dict)
    presets: dict[str, Expression] = Field(default_factory=dict)


class DeleteRule(Model):
    filter: BoolExp = Field(default_factory=dict)


class TablePermission(Model):
    role: str = Field(description="role name: anonymous, user or a custom role")
    table: str = Field(description="table id")
    select: SelectRule | None = None
    insert: InsertRule | None = None
    update: UpdateRule | None = None
    delete: DeleteRule | None = None


class Permissions(Model):
    tables: list[TablePermission] = Field(default_factory=list)
    uploads: list[str] = Field(default_factory=list, description="role names that may upload files and images (admin always may)")
    actionflows: dict[str, list[str]] = Field(default_factory=dict, description="role name -> actionflow ids it may invoke")


class SeedRows(Model):
    table: str = Field(description="table id")
    rows: list[dict[str, Any]] = Field(default_factory=list)


class Settings(Model):
    home_page: str | None = Field(default=None, description="page id shown at /p/<slug>/")
    token_ttl_minutes: int = Field(default=60 * 24 * 7, ge=1)
    accent_color: str = Field(default="#4f46e5", pattern=r"^#[0-9a-fA-F]{6}$")
    # Checked against builder.display_formats by builder.validation.settings (a clear sentence, not a schema error).
    currency: str = Field(default=DEFAULT_CURRENCY, description="ISO 4217 code of the app's money, e.g. EUR")
    locale: str = Field(default=DEFAULT_LOCALE, description="BCP 47 tag for numbers and dates, e.g. de-DE")
    time_zone: str = Field(default=DEFAULT_TIME_ZONE, description="IANA time zone dates are shown in, e.g. Europe/Berlin")
    # Browser origins besides the app's own that may call the API (CORS and the WebSocket Origin check).
    allowed_origins: list[Annotated[str, Field(pattern=r"^(\*|https?://[^/\s?#]+)$")]] = Field(
        default_factory=list, max_length=50, description="e.g. https://shop.example.com; `*` only for requests without cookies")
    stringify_numeric_types: bool = Field(default=False, description="bigint and numeric values as JSON strings (Hasura's option)")
    max_upload_mb: int = Field(default=10, ge=1, le=5120, description="largest file or image one upload may store, in MB")
    outbound_hosts: list[str] = Field(
        default_factory=list,
        description="hosts Call API nodes may reach (`api.example.com`, `*.example.com`); loopback and private addresses only when listed",
    )

    @model_serializer(mode="wrap")
    def _drop_empty_hosts(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Projects without outbound calls save exactly as before the field existed.
        data: dict[str, Any] = handler(self)
        if not data.get("outbound_hosts"):
            data.pop("outbound_hosts", None)
        return data


class Definition(Model):
    format: int = FORMAT_VERSION
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    tables: list[Table] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    constraints: list[UniqueConstraint] = Field(default_factory=list)
    actionflows: list[Actionflow] = Field(default_factory=list)
    pages: list[Page] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    permissions: Permissions = Field(default_factory=Permissions)
    seed: list[SeedRows] = Field(default_factory=list)
    settings: Settings = Field(default_factory=Settings)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``app.json``, as exported to the designer and to ``minimomen schema``."""
    return Definition.model_json_schema()
