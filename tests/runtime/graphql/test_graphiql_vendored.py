"""The vendored GraphiQL files are exactly what scripts/vendor_graphiql.py pinned (SHA256SUMS)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[3]


def test_vendored_files_match_their_digests() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "vendor_graphiql.py"), "--check"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
