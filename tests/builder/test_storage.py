"""The workspace: projects on disk, atomic saves, undo history."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from builder import storage
from builder.definition import Definition
from builder.errors import BuilderError, DefinitionError, StorageError
from builder.loader import load_definition
from builder.storage import Workspace, render_definition

SAMPLE = Path(__file__).resolve().parents[2] / "projects" / "inventory_deduction" / "app.json"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "projects")
    ws.root.mkdir()
    folder = ws.root / "shop"
    folder.mkdir()
    (folder / "app.json").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return ws


def renamed(definition: Definition, name: str) -> Definition:
    return definition.model_copy(update={"name": name})


def test_create_blank_project(workspace: Workspace) -> None:
    definition = workspace.create("notes", "Notes")
    folder = workspace.root / "notes"
    assert (folder / "migrations").is_dir() and list((folder / "migrations").iterdir()) == []
    raw = json.loads((folder / "app.json").read_text())
    assert raw["name"] == "Notes"
    assert raw["tables"] == [{"id": "tbl_account", "name": "account", "description": "", "fields": []}]
    assert raw["actionflows"] == [] and raw["pages"] == [] and raw["relations"] == []
    assert workspace.load("notes") == definition
    assert [(p.slug, p.name) for p in workspace.list_projects()] == [("notes", "Notes"), ("shop", "Inventory Deduction")]
    assert workspace.slugs() == ["notes", "shop"]


def test_create_from_another_project_and_clone(workspace: Workspace) -> None:
    copy = workspace.create("shop_two", "Shop Two", from_slug="shop")
    assert copy.name == "Shop Two"
    assert copy.actionflows == workspace.load("shop").actionflows
    clone = workspace.clone("shop", "shop_three")
    assert clone.name == "Inventory Deduction"
    assert (workspace.root / "shop_three" / "migrations").is_dir()
    assert not (workspace.root / "shop_three" / ".history").exists()
    with pytest.raises(StorageError, match="already exists"):
        workspace.clone("shop", "shop_two")
    with pytest.raises(StorageError, match="does not exist"):
        workspace.clone("nothing", "other")


def test_delete(workspace: Workspace) -> None:
    workspace.create("temp", "Temp")
    workspace.delete("temp")
    assert not (workspace.root / "temp").exists()
    assert [p.slug for p in workspace.list_projects()] == ["shop"]
    with pytest.raises(StorageError, match="does not exist"):
        workspace.delete("temp")


@pytest.mark.parametrize("slug", ["", "Shop", "1shop", "shop-two", "../etc", "a" * 42, "shop/x"])
def test_bad_slugs_are_refused(workspace: Workspace, slug: str) -> None:
    with pytest.raises(StorageError) as caught:
        workspace.create(slug, "X")
    assert "not a valid project name" in caught.value.message
    assert isinstance(caught.value, BuilderError)


def test_save_writes_pretty_stable_json(workspace: Workspace) -> None:
    definition = renamed(workspace.load("shop"), "Flash Shop")
    workspace.save("shop", definition)
    text = (workspace.root / "shop" / "app.json").read_text()
    assert text == json.dumps(definition.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    assert text.endswith("}\n") and '\n  "format": 1,' in text
    assert list(json.loads(text)) == list(Definition.model_fields)  # model key order
    # A dict is accepted too, and parsed through the loader.
    workspace.save("shop", {**definition.model_dump(mode="json"), "name": "From Dict"})
    assert workspace.load("shop").name == "From Dict"


def test_save_refuses_unparsable_data_and_keeps_the_file(workspace: Workspace) -> None:
    before = (workspace.root / "shop" / "app.json").read_text()
    with pytest.raises(DefinitionError):
        workspace.save("shop", {"name": ""})
    assert (workspace.root / "shop" / "app.json").read_text() == before
    assert workspace.history("shop") == []


def test_save_is_atomic(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash between writing the temporary file and the rename leaves the old file intact."""
    before = (workspace.root / "shop" / "app.json").read_text()

    def crash(src: str, dst: str) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(storage.os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        workspace.save("shop", renamed(workspace.load("shop"), "Half Written"))
    monkeypatch.undo()
    assert (workspace.root / "shop" / "app.json").read_text() == before
    leftovers = [p.name for p in (workspace.root / "shop").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_save_fsyncs_before_rename(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(storage.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(storage.os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    workspace.save("shop", renamed(workspace.load("shop"), "Synced"))
    app_write = events[events.index("replace") - 1 :]
    assert app_write[0] == "fsync" and "replace" in app_write


def test_undo_restores_previous_versions_in_turn(workspace: Workspace) -> None:
    original = workspace.load("shop")
    workspace.save("shop", renamed(original, "One"))
    workspace.save("shop", renamed(original, "Two"))
    workspace.save("shop", renamed(original, "Two"))  # unchanged: no new history entry
    assert [e.number for e in workspace.history("shop")] == [1, 2]
    assert workspace.undo("shop").name == "One"
    assert workspace.load("shop").name == "One"
    assert workspace.undo("shop").name == original.name
    assert workspace.load("shop") == original
    with pytest.raises(StorageError, match="no earlier version"):
        workspace.undo("shop")


def test_redo_goes_forward_again_until_a_new_save(workspace: Workspace) -> None:
    original = workspace.load("shop")
    workspace.save("shop", renamed(original, "One"))
    workspace.save("shop", renamed(original, "Two"))
    with pytest.raises(StorageError, match="nothing to redo"):
        workspace.redo("shop")
    workspace.undo("shop")
    workspace.undo("shop")
    assert len(workspace.redoable("shop")) == 2
    assert workspace.redo("shop").name == "One"
    assert workspace.load("shop").name == "One"
    assert workspace.redo("shop").name == "Two"
    assert [workspace.load("shop").name, len(workspace.history("shop"))] == ["Two", 2]
    workspace.undo("shop")
    workspace.save("shop", renamed(original, "Three"))  # a new change: the undone "Two" is gone
    assert workspace.redoable("shop") == []
    with pytest.raises(StorageError, match="nothing to redo"):
        workspace.redo("shop")


def test_history_is_bounded(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, history_limit=3)
    definition = ws.create("shop", "V0")
    for number in range(1, 7):
        ws.save("shop", renamed(definition, f"V{number}"))
    entries = ws.history("shop")
    assert [e.number for e in entries] == [4, 5, 6]
    assert [json.loads(e.path.read_text())["name"] for e in entries] == ["V3", "V4", "V5"]
    assert all(e.path.parent.name == ".history" for e in entries)


def test_load_errors(workspace: Workspace) -> None:
    (workspace.root / "shop" / "app.json").write_text("{ nope", encoding="utf-8")
    with pytest.raises(StorageError, match="not valid JSON"):
        workspace.load("shop")
    assert [p.name for p in workspace.list_projects()] == ["shop"]  # still listed
    with pytest.raises(StorageError, match="does not exist"):
        workspace.load("ghost")


def test_load_goes_through_the_loader(workspace: Workspace) -> None:
    raw = workspace.load_raw("shop")
    assert workspace.load("shop") == load_definition(raw)
    raw["format"] = 99
    (workspace.root / "shop" / "app.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(DefinitionError, match="newer minimomen"):
        workspace.load("shop")
    assert render_definition(load_definition({**raw, "format": 1})).endswith("\n")
