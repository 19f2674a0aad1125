"""The error table: every runtime code has a Hasura code, and the README documents exactly the table."""

from __future__ import annotations

import re
from pathlib import Path

from runtime.graphql.error_codes import CLASSIFICATIONS, HASURA_CODES, public

README = Path(__file__).parents[3] / "README.md"


def test_readme_table_is_the_table() -> None:
    rows = re.findall(r"^\| `([a-z-]+)` \| `([A-Z_]+)` \|", README.read_text(), re.MULTILINE)
    assert sorted(rows) == sorted((HASURA_CODES[c], CLASSIFICATIONS.get(c, c)) for c in HASURA_CODES)


def test_public_is_idempotent_and_keeps_the_message() -> None:
    error = {"message": "Uniqueness violation", "path": ["insert_product", 0], "extensions": {"code": "CONSTRAINT_VIOLATION", "constraint": "c"}}
    once = public(error)
    assert once == {"message": "Uniqueness violation", "path": ["insert_product", 0],
                    "extensions": {"code": "constraint-violation", "classification": "CONSTRAINT_VIOLATION",
                                   "path": "$.selectionSet.insert_product[0]", "constraint": "c"}}
    assert public(once) == once
    assert public({"message": "m", "extensions": {"code": "PUBLISH_RETRY"}})["extensions"]["code"] == "publish-retry"
