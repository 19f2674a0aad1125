"""Subscribers with state of their own (a stream's cursor): woken by the hub, never grouped.

A live group's result is shared by its subscribers; a stream's next batch depends on
what that one subscriber was sent, so each stream is a ``Watcher``. The hub marks the
watchers of a changed table as it marks groups, and wakes them after the same
debounce; it also tells them about publishes and about new rights of the
connection that serves them.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from runtime.types import Session


class Watcher(Protocol):
    """A subscriber that keeps its own state; the hub only tells it what happened."""

    tables: frozenset[str]
    owner: asyncio.Task[Any] | None  # the task serving it (a connection's operation)

    def changed(self) -> None:
        """One of ``tables`` changed (after the debounce), or anything may have changed."""
        ...

    def republish(self) -> None:
        """A new definition is live."""
        ...

    def rekey(self, session: Session) -> None:
        """The connection serving it has new rights."""
        ...


class Watchers:
    """The watchers of one hub, indexed by table, with those a change is due for."""

    def __init__(self) -> None:
        self._tables: dict[Watcher, frozenset[str]] = {}  # watcher -> the tables it was added for
        self._by_table: dict[str, set[Watcher]] = {}
        self._due: set[Watcher] = set()

    def add(self, watcher: Watcher) -> None:
        """Wake ``watcher`` when one of its tables changes (add it again when its tables change)."""
        self.remove(watcher)
        self._tables[watcher] = watcher.tables
        for table in watcher.tables:
            self._by_table.setdefault(table, set()).add(watcher)

    def remove(self, watcher: Watcher) -> None:
        for table in self._tables.pop(watcher, ()):
            members = self._by_table.get(table)
            if members is not None:
                members.discard(watcher)
                if not members:
                    del self._by_table[table]
        self._due.discard(watcher)

    def mark(self, table: str | None) -> bool:
        """A committed change of ``table`` (None: of anything); True when a watcher became due."""
        before = len(self._due)
        self._due.update(self._tables if table is None else self._by_table.get(table, ()))
        return len(self._due) != before

    def wake(self) -> None:
        """The debounce is over: every due watcher hears of its change."""
        due, self._due = self._due, set()
        for watcher in due:
            watcher.changed()

    def republish(self) -> None:
        for watcher in list(self._tables):
            watcher.republish()

    def rekey(self, owner: asyncio.Task[Any], session: Session) -> None:
        """The connection serving ``owner`` has new rights: its watchers take them on."""
        for watcher in [w for w in self._tables if w.owner is owner]:
            watcher.rekey(session)

    def __len__(self) -> int:
        return len(self._tables)
