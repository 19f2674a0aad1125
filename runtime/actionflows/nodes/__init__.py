"""The node types of the engine: one module per type, registered here (and only here).

Keys match ``builder.flows.NODE_TYPES``; a test checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from runtime.actionflows.nodes import (
    call_api,
    condition,
    delete,
    get_current_account,
    insert,
    loop,
    query,
    raise_error,
    run_actionflow,
    run_code,
    set_variable,
    update,
)
from runtime.actionflows.types import NodeCompiler

NODE_COMPILERS: Mapping[str, NodeCompiler] = MappingProxyType(
    {
        "get_current_account": get_current_account.compile_node,
        "condition": condition.compile_node,
        "query": query.compile_node,
        "insert": insert.compile_node,
        "update": update.compile_node,
        "delete": delete.compile_node,
        "set_variable": set_variable.compile_node,
        "loop": loop.compile_node,
        "run_actionflow": run_actionflow.compile_node,
        "raise_error": raise_error.compile_node,
        "call_api": call_api.compile_node,
        "run_code": run_code.compile_node,
    }
)
