"""Every designer route, walked from its OpenAPI description with generated malformed requests: never a 5xx.

The schema is built from the designer router in-process; the requests go to a real
server (with its runtime and database) on loopback.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.api.routes import build_designer_router
from builder.storage import Workspace
from tests.conftest import LiveServer
from tests.runtime.shared_servers import designer

SAMPLE = "inventory_deduction"


def _routes() -> list[tuple[str, str, dict[str, Any]]]:
    app = FastAPI()
    app.include_router(build_designer_router(Workspace("/nonexistent"), None, "x"))
    schema = app.openapi()
    routes = [(method.upper(), path, op) for path, ops in schema["paths"].items() for method, op in ops.items()]
    # Wrong designer tokens get the walking client's address throttled: that route goes last.
    return sorted(routes, key=lambda r: r[:2] == ("POST", "/api/session"))


ROUTES = _routes()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
# Keys the designer's bodies use, so that generated objects reach past the first missing field.
known_keys = st.sampled_from(["definition", "kind", "table_id", "field_id", "name", "slug", "sample", "source", "token",
                              "query", "variables", "account_id", "username", "args", "n", "concurrency", "dry_run", "allow_data_loss", "create"])
near_bodies = st.dictionaries(known_keys, json_values, max_size=6)
raw_bodies = st.sampled_from([b"", b"{", b"[]", b"null", b'"x"', b"\xff\xfe", b'{"definition": {"tables": 5}}', b"1e999999"])
bodies = st.one_of(json_values.map(lambda v: json.dumps(v).encode()), near_bodies.map(lambda v: json.dumps(v).encode()), raw_bodies)
texts = st.one_of(st.text(max_size=30), st.sampled_from(["abc", "-1", "0", "1e9", "99999999999999999999", "%00", "a\nb", SAMPLE]))


def _path(path: str, slug: str, flow: str) -> str:
    return path.replace("{slug}", slug).replace("{flow_id}", flow).replace("{preset_id}", flow)


@pytest.mark.parametrize(("method", "path", "op"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_a_malformed_request_never_answers_5xx(module_server: LiveServer, method: str, path: str, op: dict[str, Any]) -> None:
    params = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
    # A DELETE with a valid slug is a valid request; the generated slugs for it are never the sample's.
    slugs = st.text(max_size=20).filter(lambda s: s != SAMPLE) if method == "DELETE" else st.one_of(st.just(SAMPLE), st.text(max_size=20))
    with designer(module_server) as client:

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(slug=slugs, flow=texts, body=bodies, query=st.dictionaries(st.sampled_from(params or ["x"]), texts, max_size=3))
        def walk(slug: str, flow: str, body: bytes, query: dict[str, str]) -> None:
            url = _path(path, quote(slug, safe="") or "%20", quote(flow, safe="") or "x")
            response = client.request(method, url, params=query, content=body if "requestBody" in op else None,
                                      headers={"content-type": "application/json"})
            assert response.status_code < 500, (method, url, body, query, response.status_code, response.text)
            assert "Traceback" not in response.text

        walk()
