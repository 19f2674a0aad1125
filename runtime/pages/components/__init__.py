"""The registry of component kinds, keyed like ``builder.pages.COMPONENT_TYPES``."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from runtime.pages.components.base import ComponentKind
from runtime.pages.components.button import ButtonKind
from runtime.pages.components.conditional_view import ConditionalViewKind
from runtime.pages.components.container import ContainerKind
from runtime.pages.components.image import ImageKind
from runtime.pages.components.inputs import (
    CheckboxKind,
    DateInputKind,
    DateTimeInputKind,
    FileInputKind,
    NumberInputKind,
    SelectKind,
    TextAreaKind,
    TextInputKind,
)
from runtime.pages.components.list import ListKind
from runtime.pages.components.text import TextKind


def component_kinds() -> Mapping[str, ComponentKind]:
    """A fresh, read-only registry of every component kind."""
    kinds = (
        ContainerKind(), ListKind(), TextKind(), ImageKind(), ButtonKind(), ConditionalViewKind(),
        TextInputKind(), TextAreaKind(), NumberInputKind(), DateInputKind(), DateTimeInputKind(), SelectKind(), CheckboxKind(),
        FileInputKind(),
    )
    return MappingProxyType({kind.type: kind for kind in kinds})
