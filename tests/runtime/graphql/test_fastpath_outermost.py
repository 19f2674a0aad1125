"""`minimomen serve` answers GraphQL POSTs ahead of the framework's middleware stack."""

from __future__ import annotations

from pathlib import Path

from runtime.app import AppConfig, create_app
from runtime.graphql.fastpath import GraphQLFastPath, outermost


def test_outermost_moves_the_fast_path_in_front_of_the_framework(tmp_path: Path) -> None:
    app = create_app(AppConfig(workspace=tmp_path))
    inner = [m for m in app.user_middleware if m.cls is GraphQLFastPath]
    assert len(inner) == 1
    served = outermost(app)
    assert isinstance(served, GraphQLFastPath) and served.app is app
    assert served.runtime is inner[0].kwargs["runtime"]
    assert not [m for m in app.user_middleware if m.cls is GraphQLFastPath], "the fast path would run twice"
    assert outermost(app) is app  # nothing left to move
