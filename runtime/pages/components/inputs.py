"""Input components: a labelled control whose value type and rules are checked before actions run.

Every input renders a ``[data-mm-control]`` element (input, textarea or select) inside
``.mm-field``; the browser (``mm-inputs.js``) reads it as the input's value type.
A date-time input shows and takes times in the app's time zone (Settings).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from runtime.pages.components.base import ComponentKind, RenderContext
from runtime.pages.components.image import image_src
from runtime.pages.formatting import plain_text
from runtime.pages.scope import Scope

INPUT_MODES = {"bigint": "numeric", "decimal": "decimal"}


def local_datetime(value: Any, time_zone: str) -> str:
    """An ISO timestamp as ``YYYY-MM-DDTHH:MM`` in ``time_zone`` (what datetime-local shows); '' if unreadable."""
    if value in (None, ""):
        return ""
    try:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(zoneinfo.ZoneInfo(time_zone)).strftime("%Y-%m-%dT%H:%M")
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return ""


class _InputKind(ComponentKind):
    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        default = scope.value(component.default)
        return {
            "value": self.shown(default, ctx),
            "inputmode": INPUT_MODES.get(getattr(component, "value_type", "text"), "text"),
            "accessible_name": component.label or getattr(component, "placeholder", "") or component.name,
        }

    def shown(self, value: Any, ctx: RenderContext) -> str:
        return plain_text(value)


class TextInputKind(_InputKind):
    type = "text_input"


class TextAreaKind(_InputKind):
    type = "textarea"


class NumberInputKind(_InputKind):
    type = "number_input"


class DateInputKind(_InputKind):
    type = "date_input"

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        return {**super().variables(component, ctx, scope), "html_type": "date"}

    def shown(self, value: Any, ctx: RenderContext) -> str:
        return plain_text(value)[:10]


class DateTimeInputKind(_InputKind):
    type = "datetime_input"

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        return {**super().variables(component, ctx, scope), "html_type": "datetime-local"}

    def shown(self, value: Any, ctx: RenderContext) -> str:
        return local_datetime(value, ctx.display.time_zone)


class SelectKind(_InputKind):
    type = "select"

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        found = super().variables(component, ctx, scope)
        if component.options_source is None:
            options = [(plain_text(o.value), o.label) for o in component.options]
        else:
            rows = ctx.data.options.get(component.id, [])
            field = component.options_source.label_field
            options = [(plain_text(row.get("id")), plain_text(row.get(field))) for row in rows]
        return {**found, "options": options}


class FileInputKind(_InputKind):
    """A picker that uploads at once (``mm-files.js``); the hidden control holds the file's id.

    An edit form binds ``default`` to the record's image / file field (the file's object):
    the current file is shown and its id kept until another is chosen."""

    type = "file_input"

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        found = super().variables(component, ctx, scope)
        current = scope.value(component.default)
        if isinstance(current, Mapping):
            preview = image_src(current, _FULL) if component.kind == "image" else ""
            return {**found, "value": plain_text(current.get("id")), "preview": preview, "filename": plain_text(current.get("filename"))}
        return {**found, "preview": "", "filename": ""}


class _Full:
    width = height = None
    fit = "cover"


_FULL = _Full()


class CheckboxKind(_InputKind):
    type = "checkbox"

    def shown(self, value: Any, ctx: RenderContext) -> str:
        return "true" if value is True or value == "true" else "false"
