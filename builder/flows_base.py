"""The shared pieces of flow models (value types, identifiers, the node base), apart so node modules can import them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

ValueType = Literal["text", "bigint", "decimal", "boolean", "timestamptz", "date", "jsonb"]
Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NodeBase(Model):
    id: Ident
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
