"""A GraphQL response whose table results stay JSON text from PostgreSQL until sent.

``RawJSON`` marks text that PostgreSQL already encoded; ``to_bytes`` splices it
into the body without decoding and re-encoding it in Python.
"""

from __future__ import annotations

import datetime
import decimal
import json
from dataclasses import dataclass, field
from typing import Any

from runtime.graphql.error_codes import public_all


@dataclass(frozen=True)
class RawJSON:
    text: str


def _default(value: Any) -> Any:
    if isinstance(value, RawJSON):
        return json.loads(value.text)
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    if isinstance(value, RawJSON):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value, default=_default, separators=(",", ":"))


def plain(value: Any) -> Any:
    """``value`` with every RawJSON decoded (for callers that want Python data)."""
    if isinstance(value, RawJSON):
        return json.loads(value.text)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@dataclass
class Response:
    data: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    has_data: bool = True  # False: the response has no "data" key (the request never executed)

    def to_bytes(self) -> bytes:
        parts = []
        if self.errors:
            parts.append('"errors":' + json.dumps(public_all(self.errors), default=_default, separators=(",", ":")))
        if self.has_data:
            parts.append('"data":' + ("null" if self.data is None else dumps(self.data)))
        return ("{" + ",".join(parts) + "}").encode()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.errors:
            out["errors"] = public_all(self.errors)
        if self.has_data:
            out["data"] = None if self.data is None else plain(self.data)
        return json.loads(json.dumps(out, default=_default))
