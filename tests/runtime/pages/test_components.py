"""The component registry agrees with builder's, and every kind renders from its own template."""

from __future__ import annotations

from builder.pages import COMPONENT_TYPES
from runtime.pages.components import component_kinds
from runtime.pages.rendering import TEMPLATES


def test_registry_matches_builder_component_types() -> None:
    kinds = component_kinds()
    assert set(kinds) == set(COMPONENT_TYPES)
    for name, kind in kinds.items():
        assert kind.type == name
        assert (TEMPLATES / "components" / f"{name}.html").is_file(), f"no template for {name}"


def test_child_trees_stay_out_of_client_specs() -> None:
    kinds = component_kinds()
    for name, model in COMPONENT_TYPES.items():
        trees = {field for field, info in model.model_fields.items() if "Component" in str(info.annotation) and field != "events"}
        if name == "conditional_view":
            trees = set()  # branches stay, without their children (checked in test_rendering)
        assert trees <= kinds[name].tree_fields, name
