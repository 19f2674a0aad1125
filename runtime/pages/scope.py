"""What a binding can see while a page renders on the server.

References (see ``builder.pages``): ``item.<field>`` inside a list item,
``page.<variable>``, ``param.<name>``, ``record.<container id>.<field>``, ``component.<id>.value``, ``global.is_logged_in``,
``global.current_account.<field>``. ``result.*`` and ``error.*`` only exist
while actions run, in the browser; on the server they are null.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from runtime.expressions import evaluate, holds, lookup


@dataclass(frozen=True)
class Scope:
    """The values visible to bindings at one place of the component tree."""

    globals: Mapping[str, Any] = field(default_factory=dict)
    page: Mapping[str, Any] = field(default_factory=dict)
    item: Mapping[str, Any] | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)  # component id -> current value
    params: Mapping[str, Any] = field(default_factory=dict)  # page parameters, typed
    records: Mapping[str, Any] = field(default_factory=dict)  # container id -> its row (None: not found)

    def resolve(self, path: str) -> Any:
        root, _, rest = path.partition(".")
        if root == "item":
            return lookup(self.item or {}, rest) if rest else self.item
        if root == "page":
            return lookup(self.page, rest)
        if root == "global":
            return lookup(self.globals, rest)
        if root == "param":
            return lookup(self.params, rest)
        if root == "record":
            container, _, inner = rest.partition(".")
            row = self.records.get(container)
            return (lookup(row, inner) if inner else row) if row is not None else None
        if root == "component":
            component_id, _, key = rest.partition(".")
            return self.inputs.get(component_id) if key == "value" else None
        return None

    def with_record(self, container: str, row: Mapping[str, Any] | None) -> Scope:
        return replace(self, records={**self.records, container: row})

    def with_item(self, item: Mapping[str, Any]) -> Scope:
        return replace(self, item=item, inputs=dict(self.inputs))

    def value(self, expression: Any) -> Any:
        """The value of a binding; a binding that cannot be evaluated shows as null."""
        try:
            return evaluate(expression, self.resolve)
        except (ValueError, TypeError, ArithmeticError):
            return None

    def holds(self, condition: Mapping[str, Any] | None) -> bool:
        try:
            return holds(condition, self.resolve)
        except (ValueError, TypeError, ArithmeticError):
            return False
