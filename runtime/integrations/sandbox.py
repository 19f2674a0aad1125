"""Run Code: JavaScript in a fresh V8 isolate per call (``mini-racer``), bounded in time and memory.

The isolate has no network, file or process access (V8 alone offers none), and
binary buffers (``ArrayBuffer``, typed arrays, ``WebAssembly``) are removed before
the builder's code runs, because their memory lies outside the heap limit. The code
sees ``context``:

- ``getArg(name)`` — an argument of the node (JSON values);
- ``setResult(value)`` — the node's result (an object whose declared keys become outputs);
- ``log(...)`` — lines kept with the result (at most ``MAX_LOG_LINES``);
- ``await runGql(query, variables, {role})`` — GraphQL on the flow's own transaction.

The code is the body of an async function, so ``await`` works at its top level.
A runaway loop is cancelled at the time limit and an allocation beyond the heap limit
ends the call; both end only that call, on an isolate that is then thrown away (closed
on a worker thread, so the event loop keeps serving meanwhile).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from py_mini_racer import JSEvalException, JSFunction, JSOOMException, JSPromiseError, MiniRacer

MAX_LOG_LINES = 100
MAX_RESULT_CHARS = 1_000_000

GqlRunner = Callable[[str, dict[str, Any], str | None], Awaitable[str]]

# Removes what could allocate memory outside the heap limit, then defines `context`.
_PRELUDE = """
for (const name of ["ArrayBuffer", "SharedArrayBuffer", "DataView", "Atomics", "WebAssembly", "Int8Array", "Uint8Array",
    "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array",
    "BigInt64Array", "BigUint64Array", "Float16Array"]) { delete globalThis[name]; }
var __mm = { args: {}, result: undefined, logs: [] };
"""

_CONTEXT = """(function (argsJson, gql) {
  __mm.args = JSON.parse(argsJson);
  globalThis.context = Object.freeze({
    getArg: (name) => (Object.prototype.hasOwnProperty.call(__mm.args, name) ? __mm.args[name] : null),
    setResult: (value) => { __mm.result = value; },
    log: (...parts) => { if (__mm.logs.length < MAX_LOGS) __mm.logs.push(parts.map((p) => typeof p === "string" ? p : JSON.stringify(p)).join(" ")); },
    runGql: async (query, variables, options) => JSON.parse(await gql(String(query), JSON.stringify(variables ?? {}),
      options && options.role ? String(options.role) : "")),
  });
})""".replace("MAX_LOGS", str(MAX_LOG_LINES))

_RUN = """(async () => { CODE
})().then(() => JSON.stringify({ result: __mm.result === undefined ? null : __mm.result, logs: __mm.logs }))"""


class CodeFailed(Exception):
    """The code threw, ran out of time or memory, or returned something that is not JSON."""

    def __init__(self, message: str, cause: str = "RUN_CODE_FAILED"):
        super().__init__(message)
        self.message = message
        self.cause = cause


@dataclass
class CodeResult:
    result: Any
    logs: list[str] = field(default_factory=list)


def _js_message(exc: Exception) -> str:
    text = str(exc).replace("JavaScript rejected promise with reason: ", "")
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0][:500] if lines else type(exc).__name__


async def run_code(code: str, args: dict[str, Any], gql: GqlRunner, *, timeout_ms: int, memory_mb: int) -> CodeResult:
    """Run ``code`` with ``args``; the result and log lines, or ``CodeFailed``."""
    racer = MiniRacer()  # on the loop: mini-racer binds an isolate to the event loop that creates it
    racer.set_hard_memory_limit(memory_mb * 1024 * 1024)

    async def call_gql(query: Any, variables: Any, role: Any) -> str:
        return await gql(str(query), json.loads(str(variables)), str(role) or None)

    try:
        async with racer.wrap_py_function(call_gql) as js_gql:
            racer.eval(_PRELUDE)
            install = racer.eval(_CONTEXT)
            assert isinstance(install, JSFunction)
            install(json.dumps(args, default=str), js_gql)
            try:
                async with asyncio.timeout(timeout_ms / 1000):
                    promise = await racer.eval_cancelable(_RUN.replace("CODE", code, 1))
                    text = await promise  # type: ignore[misc]
            except TimeoutError:
                raise CodeFailed(f"the code ran longer than its limit of {timeout_ms} ms and was stopped", "TIMEOUT") from None
            except JSOOMException:
                raise CodeFailed(f"the code used more than its memory limit of {memory_mb} MB and was stopped", "OUT_OF_MEMORY") from None
            except (JSEvalException, JSPromiseError) as exc:
                if racer.was_hard_memory_limit_reached():
                    raise CodeFailed(f"the code used more than its memory limit of {memory_mb} MB and was stopped", "OUT_OF_MEMORY") from None
                raise CodeFailed(f"the code failed: {_js_message(exc)}") from None
    finally:
        asyncio.get_running_loop().run_in_executor(None, racer.close)  # may wait for V8 to unwind; not on the loop
    if not isinstance(text, str) or len(text) > MAX_RESULT_CHARS:
        raise CodeFailed(f"the result is larger than {MAX_RESULT_CHARS} characters of JSON")
    data = json.loads(text)
    return CodeResult(data.get("result"), list(data.get("logs") or []))
