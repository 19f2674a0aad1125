"""The workspace on disk: one folder per project, atomic saves, bounded undo history.

Layout of a project ``<root>/<slug>/``::

    app.json        the definition (pretty JSON, model key order, trailing newline)
    migrations/     owned by the runtime's migrations; created empty here
    .history/       previous versions of app.json, newest last (git-ignored)
    .redo/          versions undone since the last save, newest last (git-ignored)

A save writes a temporary file in the same folder, fsyncs it and renames it over
``app.json``, so a crash leaves either the old or the new file, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from builder.definition import ACCOUNT_TABLE, Definition, Table
from builder.errors import DefinitionError, StorageError
from builder.loader import load_definition

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
APP_FILE = "app.json"
HISTORY_DIR = ".history"
REDO_DIR = ".redo"
MIGRATIONS_DIR = "migrations"
HISTORY_LIMIT = 50
_HISTORY_NAME = re.compile(r"^(\d{8}T\d{6}\d{6}Z)-(\d{6,})\.json$")


@dataclass(frozen=True)
class ProjectInfo:
    slug: str
    name: str
    path: Path


@dataclass(frozen=True)
class HistoryEntry:
    """One kept previous version of ``app.json``."""

    number: int
    saved_at: datetime
    path: Path


def check_slug(slug: str) -> str:
    """Return ``slug`` when it is a valid project slug, else raise ``StorageError``."""
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        raise StorageError(
            f"`{slug}` is not a valid project name for a folder: use a lowercase letter, then up to 40 "
            "lowercase letters, digits or underscores (e.g. inventory_deduction)."
        )
    return slug


def blank_definition(name: str) -> Definition:
    """A new project: only the built-in ``account`` table."""
    return Definition(name=name, tables=[Table(id="tbl_account", name=ACCOUNT_TABLE, fields=[])])


def render_definition(definition: Definition) -> str:
    """The canonical text of ``app.json``."""
    return json.dumps(definition.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a synced temporary file and a rename."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Workspace:
    """A folder of projects (``./projects`` by default)."""

    def __init__(self, root: Path | str, *, history_limit: int = HISTORY_LIMIT) -> None:
        self.root = Path(root)
        self.history_limit = history_limit

    # ------------------------------------------------------------ paths

    def project_dir(self, slug: str) -> Path:
        return self.root / check_slug(slug)

    def app_path(self, slug: str) -> Path:
        return self.project_dir(slug) / APP_FILE

    def history_dir(self, slug: str) -> Path:
        return self.project_dir(slug) / HISTORY_DIR

    def redo_dir(self, slug: str) -> Path:
        return self.project_dir(slug) / REDO_DIR

    def exists(self, slug: str) -> bool:
        return self.app_path(slug).is_file()

    def _require(self, slug: str) -> Path:
        path = self.app_path(slug)
        if not path.is_file():
            raise StorageError(f"Project `{slug}` does not exist in {self.root}.")
        return path

    # ------------------------------------------------------------ projects

    def list_projects(self) -> list[ProjectInfo]:
        """Projects of the workspace, by slug; a project whose app.json is unreadable is listed under its slug."""
        if not self.root.is_dir():
            return []
        projects = []
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and SLUG_PATTERN.fullmatch(folder.name) and (folder / APP_FILE).is_file():
                try:
                    name = str(self.load_raw(folder.name).get("name") or folder.name)
                except StorageError:
                    name = folder.name
                projects.append(ProjectInfo(slug=folder.name, name=name, path=folder))
        return projects

    def slugs(self) -> list[str]:
        """Slugs of the workspace's projects, sorted."""
        return [project.slug for project in self.list_projects()]

    def create(self, slug: str, name: str, from_slug: str | None = None) -> Definition:
        """Create a project, blank or as a copy of ``from_slug``'s definition."""
        folder = self.project_dir(slug)
        if folder.exists():
            raise StorageError(f"Project `{slug}` already exists.")
        if from_slug is not None:
            definition = self.load(from_slug).model_copy(update={"name": name})
        else:
            definition = blank_definition(name)
        folder.mkdir(parents=True)
        (folder / MIGRATIONS_DIR).mkdir()
        write_atomically(folder / APP_FILE, render_definition(definition))
        return definition

    def clone(self, source: str, target: str, name: str | None = None) -> Definition:
        """Copy ``source``'s definition (not its migrations or history) into a new project."""
        self._require(source)
        return self.create(target, name or str(self.load_raw(source).get("name") or target), from_slug=source)

    def delete(self, slug: str) -> None:
        folder = self.project_dir(slug)
        if not folder.is_dir():
            raise StorageError(f"Project `{slug}` does not exist in {self.root}.")
        shutil.rmtree(folder)

    # ------------------------------------------------------------ definitions

    def load_raw(self, slug: str) -> dict[str, Any]:
        """The JSON data of ``app.json`` as stored (not upgraded, not validated)."""
        path = self._require(slug)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise StorageError(f"Project `{slug}`: app.json is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from exc
        if not isinstance(data, dict):
            raise StorageError(f"Project `{slug}`: app.json must hold a JSON object.")
        return data

    def revision(self, slug: str) -> str:
        """A short fingerprint of ``app.json`` as stored: it changes with every save, whoever saved (designer, MCP, an editor)."""
        return hashlib.sha256(self._require(slug).read_bytes()).hexdigest()[:16]

    def load(self, slug: str) -> Definition:
        """The parsed definition, upgraded to the current format; ``DefinitionError`` when it does not parse."""
        return load_definition(self.load_raw(slug))

    def save(self, slug: str, definition: Definition | dict[str, Any]) -> Definition:
        """Write the definition atomically, keeping the previous version in the history."""
        path = self._require(slug)
        if not isinstance(definition, Definition):
            definition = load_definition(definition)
        text = render_definition(definition)
        previous = path.read_text(encoding="utf-8")
        if previous == text:
            return definition
        self._keep(slug, previous)
        write_atomically(path, text)
        # A new change ends what could be redone (the undone versions no longer follow it).
        shutil.rmtree(self.redo_dir(slug), ignore_errors=True)
        return definition

    # ------------------------------------------------------------ history

    def history(self, slug: str) -> list[HistoryEntry]:
        """Kept previous versions, oldest first."""
        self._require(slug)
        return self._entries(self.history_dir(slug))

    def redoable(self, slug: str) -> list[HistoryEntry]:
        """Versions undone since the last save, oldest first (the last one is redone next)."""
        self._require(slug)
        return self._entries(self.redo_dir(slug))

    @staticmethod
    def _entries(folder: Path) -> list[HistoryEntry]:
        if not folder.is_dir():
            return []
        entries = []
        for path in folder.iterdir():
            match = _HISTORY_NAME.fullmatch(path.name)
            if match:
                saved_at = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
                entries.append(HistoryEntry(number=int(match.group(2)), saved_at=saved_at, path=path))
        return sorted(entries, key=lambda entry: entry.number)

    def undo(self, slug: str) -> Definition:
        """Restore the most recent previous version and drop it from the history."""
        return self._step(slug, self.history(slug), self.redo_dir(slug),
                          f"Project `{slug}` has no earlier version to go back to.", "the previous version")

    def redo(self, slug: str) -> Definition:
        """Go forward again to the version the last undo left; the current one goes back into the history."""
        return self._step(slug, self.redoable(slug), self.history_dir(slug), f"Project `{slug}` has nothing to redo.", "the undone version")

    def _step(self, slug: str, entries: list[HistoryEntry], keep_in: Path, none_left: str, what: str) -> Definition:
        """Make the newest of ``entries`` current (removing it there); the current version is kept in ``keep_in``."""
        path = self._require(slug)
        if not entries:
            raise StorageError(none_left)
        latest = entries[-1]
        text = latest.path.read_text(encoding="utf-8")
        try:
            definition = load_definition(json.loads(text))
        except (json.JSONDecodeError, DefinitionError) as exc:
            raise StorageError(f"Project `{slug}`: {what} {latest.path.name} cannot be read.") from exc
        self._keep(slug, path.read_text(encoding="utf-8"), keep_in)
        write_atomically(path, text)
        latest.path.unlink()
        return definition

    def _keep(self, slug: str, text: str, folder: Path | None = None) -> None:
        folder = folder or self.history_dir(slug)
        folder.mkdir(exist_ok=True)
        entries = self._entries(folder)
        number = entries[-1].number + 1 if entries else 1
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        write_atomically(folder / f"{stamp}-{number:06d}.json", text)
        for old in entries[: max(0, len(entries) + 1 - self.history_limit)]:
            old.path.unlink(missing_ok=True)
