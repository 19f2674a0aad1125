"""Builder-only endpoints on a temporary workspace: projects, drafts, undo, renames, registry."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from builder.flows import NODE_TYPES
from builder.pages import ACTION_TYPES, COMPONENT_TYPES
from builder.storage import Workspace

SAMPLE = "inventory_deduction"


def test_create_blank_from_sample_and_copy(client: TestClient, workspace: Workspace) -> None:
    assert client.post("/api/projects", json={"slug": "blank", "name": "Blank"}).status_code == 201
    assert client.post("/api/projects", json={"slug": "from_sample", "name": "Shop", "sample": SAMPLE}).status_code == 201
    assert client.post("/api/projects", json={"slug": "copy", "name": "Copy", "source": "from_sample"}).status_code == 201
    slugs = [p["slug"] for p in client.get("/api/projects").json()["projects"]]
    assert slugs == ["blank", "copy", "from_sample", SAMPLE]
    assert [t.name for t in workspace.load("blank").tables] == ["account"]
    assert workspace.load("copy").name == "Copy"
    assert [f.id for f in workspace.load("copy").actionflows] == ["place_order", "place_order_and_notify", "payment_confirmed"]
    assert {s["slug"] for s in client.get("/api/samples").json()["samples"]} >= {SAMPLE}


def test_create_refuses_bad_names_and_duplicates(client: TestClient) -> None:
    bad = client.post("/api/projects", json={"slug": "Bad Name", "name": "x"})
    assert bad.status_code == 400 and "lowercase letter" in bad.json()["detail"]["message"]
    taken = client.post("/api/projects", json={"slug": SAMPLE, "name": "x"})
    assert taken.status_code == 409 and taken.json()["detail"]["code"] == "STORAGE"
    missing = client.post("/api/projects", json={"slug": "s2", "name": "x", "sample": "no_such_sample"})
    assert missing.status_code == 404


def test_delete(client: TestClient, workspace: Workspace) -> None:
    client.post("/api/projects", json={"slug": "doomed", "name": "Doomed"})
    assert client.delete("/api/projects/doomed").status_code == 200
    assert not workspace.exists("doomed")
    assert client.delete("/api/projects/doomed").status_code == 404


def test_save_validates_and_keeps_history(client: TestClient, workspace: Workspace) -> None:
    state = client.get(f"/api/projects/{SAMPLE}/definition").json()
    assert state["report"]["ok"] and state["history"] == 0
    draft = state["definition"]
    draft["tables"][1]["fields"].append({"id": "fld_sku", "name": "sku", "type": "text"})
    saved = client.put(f"/api/projects/{SAMPLE}/definition", json={"definition": draft}).json()
    assert saved["history"] == 1 and saved["report"]["ok"]
    assert "sku" in [f.name for f in workspace.load(SAMPLE).tables[1].fields]
    undone = client.post(f"/api/projects/{SAMPLE}/undo").json()
    assert "sku" not in [f["name"] for f in undone["definition"]["tables"][1]["fields"]]
    assert "sku" not in [f.name for f in workspace.load(SAMPLE).tables[1].fields]
    assert undone["redo"] == 1
    redone = client.post(f"/api/projects/{SAMPLE}/redo").json()
    assert "sku" in [f["name"] for f in redone["definition"]["tables"][1]["fields"]] and redone["redo"] == 0
    assert client.post(f"/api/projects/{SAMPLE}/redo").status_code in (400, 404, 409)


def test_a_save_based_on_an_old_revision_does_not_overwrite_a_change_made_elsewhere(client: TestClient, workspace: Workspace) -> None:
    state = client.get(f"/api/projects/{SAMPLE}/definition").json()
    assert client.get(f"/api/projects/{SAMPLE}/revision").json()["revision"] == state["revision"]
    elsewhere = workspace.load_raw(SAMPLE)
    elsewhere["tables"][1]["fields"].append({"id": "fld_color", "name": "color", "type": "text"})
    workspace.save(SAMPLE, elsewhere)  # as the MCP server saves
    assert client.get(f"/api/projects/{SAMPLE}/revision").json()["revision"] != state["revision"]
    draft = state["definition"]
    draft["tables"][1]["fields"].append({"id": "fld_sku", "name": "sku", "type": "text"})
    stale = client.put(f"/api/projects/{SAMPLE}/definition", json={"definition": draft, "base_revision": state["revision"]})
    assert stale.status_code == 409 and stale.json()["detail"]["code"] == "CHANGED_ELSEWHERE"
    assert [f.name for f in workspace.load(SAMPLE).tables[1].fields][-1] == "color"
    fresh = client.get(f"/api/projects/{SAMPLE}/definition").json()
    fresh["definition"]["tables"][1]["fields"].append({"id": "fld_sku", "name": "sku", "type": "text"})
    saved = client.put(f"/api/projects/{SAMPLE}/definition", json={"definition": fresh["definition"], "base_revision": fresh["revision"]})
    assert saved.status_code == 200 and saved.json()["revision"] == workspace.revision(SAMPLE)


def test_a_draft_that_does_not_parse_is_refused_whole(client: TestClient, workspace: Workspace) -> None:
    before = workspace.app_path(SAMPLE).read_text()
    draft = client.get(f"/api/projects/{SAMPLE}/definition").json()["definition"]
    draft["tables"][1]["fields"][0]["type"] = "money"
    response = client.put(f"/api/projects/{SAMPLE}/definition", json={"definition": draft})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["code"] == "INVALID_DEFINITION" and detail["problems"]
    assert "Traceback" not in response.text
    assert workspace.app_path(SAMPLE).read_text() == before


def test_cross_reference_problems_are_saved_and_reported_with_locations(client: TestClient) -> None:
    draft = client.get(f"/api/projects/{SAMPLE}/definition").json()["definition"]
    draft["actionflows"][0]["variables"] = []
    report = client.put(f"/api/projects/{SAMPLE}/definition", json={"definition": draft}).json()["report"]
    assert not report["ok"]
    locations = [p["location"] for p in report["problems"] if p["severity"] == "error"]
    assert {"actionflow": "place_order", "node": "set_status_shortage"}.items() <= next(loc for loc in locations if loc.get("node") == "set_status_shortage").items()
    refused = client.post(f"/api/projects/{SAMPLE}/publish", json={"dry_run": True})
    assert refused.status_code == 422 and refused.json()["detail"]["problems"]


def test_publish_without_a_runtime_says_so(client: TestClient) -> None:
    response = client.post(f"/api/projects/{SAMPLE}/publish", json={"dry_run": True})
    assert response.status_code == 503 and response.json()["detail"]["code"] == "RUNTIME_UNAVAILABLE"


def test_rename_field_rewrites_references(client: TestClient) -> None:
    draft = client.get(f"/api/projects/{SAMPLE}/definition").json()["definition"]
    body = {"definition": draft, "kind": "field", "table_id": "tbl_product", "field_id": "fld_product_stock", "name": "in_stock"}
    renamed = client.post(f"/api/projects/{SAMPLE}/rename", json=body).json()["definition"]
    text = json.dumps(renamed)
    assert '"stock"' not in text and "item.stock" not in text
    assert "in_stock" in json.dumps(renamed["actionflows"][0]) and "item.in_stock" in text
    clash = client.post(f"/api/projects/{SAMPLE}/rename", json={**body, "name": "price"})
    assert clash.status_code == 400 and clash.json()["detail"]["code"] == "REFACTOR"
    table = client.post(f"/api/projects/{SAMPLE}/rename", json={"definition": draft, "kind": "table", "table_id": "tbl_order", "name": "purchase"}).json()
    assert [t["name"] for t in table["definition"]["tables"]] == ["account", "product", "purchase"]


def test_registry_lists_every_registered_type_with_its_schema(client: TestClient) -> None:
    registry = client.get("/api/registry").json()
    for key, types in (("node_types", NODE_TYPES), ("component_types", COMPONENT_TYPES), ("action_types", ACTION_TYPES)):
        entries = {e["type"]: e for e in registry[key]}
        assert set(entries) == set(types), key
        for kind, entry in entries.items():
            assert entry["schema"]["properties"]["type"]["const"] == kind
            assert entry["label"]
    outputs = {e["type"]: e.get("outputs") for e in registry["node_types"]}
    assert outputs["update"][:3] == ["affected_rows", "returning", "id"]
    assert "_gte" in [c["op"] for c in registry["comparisons"]]


def test_presets_are_listed_and_loaded_as_components(client: TestClient) -> None:
    presets = client.get("/api/presets").json()["presets"]
    assert presets and all(p["id"] and p["name"] for p in presets)
    components = client.get(f"/api/presets/{presets[0]['id']}").json()["preset"]
    assert isinstance(components, list) and components[0]["type"] in COMPONENT_TYPES
    missing = client.get("/api/presets/no_such_preset")
    assert missing.status_code == 404 and missing.json()["detail"]["code"] == "NOT_FOUND"
