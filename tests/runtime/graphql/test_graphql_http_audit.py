"""The GraphQL-over-HTTP conformance audit (npm ``graphql-http``, pinned in ``tests/node/graphql_http``).

Node runs every ``serverAudits`` check against the running server; no MUST ("error")
and no SHOULD ("warn") may fail. MAY items ("notice") are reported, not required.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.runtime.graphql.conftest import Shop

AUDIT = Path(__file__).parents[2] / "node" / "graphql_http"


def test_no_must_or_should_failure(shop: Shop) -> None:
    assert (AUDIT / "node_modules" / "graphql-http").is_dir(), "run scripts/test: it installs tests/node/* with npm ci"
    run = subprocess.run(["node", "audit.mjs", shop.url, f"Bearer {shop.token}"], cwd=AUDIT, capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert len(results) > 40, run.stdout  # the audit really ran
    failed = [r for r in results if r["status"] in ("error", "warn")]
    assert not failed, json.dumps(failed, indent=1)
    assert sum(r["status"] == "ok" for r in results) >= 40
