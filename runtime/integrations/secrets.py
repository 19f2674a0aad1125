"""Project secrets (API keys, webhook signing keys): named values kept in the project database.

They live in ``minimomen.project_secret``, never in ``app.json``, so a definition can
live in git. A definition names one as ``{{secret:<name>}}`` (``builder.integrations``);
``fill`` puts values in as a request leaves and ``Redactor`` removes them from anything
that could be shown (errors, run log). No API returns a value in full: ``list_secrets``
gives names, lengths and the last two characters. Separate from ``minimomen.secret``,
the runtime's own admin token and JWT key, which project flows can never name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import psycopg
from psycopg import AsyncConnection

from builder.integrations import SECRET_NAME, SECRET_REF
from runtime.system_tables import INTEGRATION_DDL, SCHEMA
from runtime.types import BadUserInput, RuntimeError_

MAX_VALUE = 8192
_NAME = re.compile(SECRET_NAME)


class MissingSecret(RuntimeError_):
    """One or more secrets a request names are not set (every one is named, so one fix covers them all)."""

    def __init__(self, *names: str):
        listed = ", ".join(f"`{name}`" for name in names)
        what = f"project secret {listed} is" if len(names) == 1 else f"project secrets {listed} are"
        them = "it" if len(names) == 1 else "them"
        super().__init__(f"{what} not set; set {them} in the designer's Settings or with `minimomen secret set`", code="BAD_USER_INPUT")


def _ensure(conn: psycopg.Connection[Any]) -> None:
    for statement in INTEGRATION_DDL[:1]:
        conn.execute(statement)  # type: ignore[arg-type]


def check_name(name: str) -> None:
    if not _NAME.match(name):
        raise BadUserInput(f"`{name}` is not a secret name: use lowercase letters, digits and _ (starting with a letter)")


def set_secret(conninfo: str, name: str, value: str) -> None:
    """Create or replace a secret."""
    check_name(name)
    if not value or len(value) > MAX_VALUE:
        raise BadUserInput(f"a secret value has 1 to {MAX_VALUE} characters")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        _ensure(conn)
        conn.execute(
            f"INSERT INTO {SCHEMA}.project_secret (name, value) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
            (name, value),
        )


def delete_secret(conninfo: str, name: str) -> bool:
    check_name(name)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        _ensure(conn)
        return conn.execute(f"DELETE FROM {SCHEMA}.project_secret WHERE name = %s", (name,)).rowcount > 0


def masked(value: str) -> str:
    """What may be shown of a value: its last two characters when it is long enough to spare them."""
    return "•" * 8 + value[-2:] if len(value) >= 12 else "•" * 8


def list_secrets(conninfo: str) -> list[dict[str, Any]]:
    """``[{name, hint, updated_at}]``: never the value."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        _ensure(conn)
        rows = conn.execute(f"SELECT name, value, updated_at FROM {SCHEMA}.project_secret ORDER BY name").fetchall()
    return [{"name": name, "hint": masked(value), "updated_at": updated.isoformat()} for name, value, updated in rows]


async def load_found(conn: AsyncConnection[Any], names: Iterable[str]) -> dict[str, str]:
    """The values of those of ``names`` that are set (on the caller's connection)."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    cur = await conn.execute(f"SELECT name, value FROM {SCHEMA}.project_secret WHERE name = ANY(%s)", (wanted,))
    return {str(name): str(value) for name, value in await cur.fetchall()}


async def load(conn: AsyncConnection[Any], names: Iterable[str]) -> dict[str, str]:
    """The values of ``names``; ``MissingSecret`` naming every one that is not set."""
    wanted = set(names)
    found = await load_found(conn, wanted)
    missing = sorted(wanted - set(found))
    if missing:
        raise MissingSecret(*missing)
    return found


def fill(value: Any, secrets: Mapping[str, str]) -> Any:
    """``value`` with every ``{{secret:<name>}}`` replaced by the secret (nested lists and objects too)."""
    if isinstance(value, str):
        return SECRET_REF.sub(lambda m: secrets[m.group(1)], value)
    if isinstance(value, dict):
        return {k: fill(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, secrets) for v in value]
    return value


class Redactor:
    """Replaces every secret value in a text by ``{{secret:<name>}}``."""

    def __init__(self, secrets: Mapping[str, str]):
        self.pairs = sorted(((v, k) for k, v in secrets.items() if v), key=lambda p: -len(p[0]))

    def __call__(self, text: str) -> str:
        for value, name in self.pairs:
            text = text.replace(value, "{{secret:" + name + "}}")
        return text
