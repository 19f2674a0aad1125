"""What the designer API asks of the runtime, as a protocol the runtime implements.

``builder`` never imports ``runtime``: the app factory passes an object with
these coroutines (``runtime.designer.hooks.designer_callbacks``). Every method
raises ``CallbackError`` (a code and a sentence) for anything the builder of an
app should see; the API turns it into a JSON error.
"""

from __future__ import annotations

from typing import Any, Protocol

from builder.definition import Definition


class CallbackError(Exception):
    """A runtime action failed in a way the designer reports as data."""

    def __init__(self, code: str, message: str, *, status: int = 400, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details or {}


class DesignerCallbacks(Protocol):
    """Runtime actions the designer triggers. All return JSON-ready data."""

    async def publish(self, slug: str, definition: Definition, *, allow_data_loss: bool, dry_run: bool) -> dict[str, Any]:
        """Migrate and swap in ``definition``; returns the migration plan (``steps``, ``destructive`` ...)."""

    async def forget_project(self, slug: str) -> None:
        """Stop a project (it is being deleted) and drop its database."""

    async def admin_graphql(self, slug: str, query: str, variables: dict[str, Any] | None) -> dict[str, Any]:
        """Run a GraphQL document as admin; returns ``{"data": ..., "errors": [...]}``."""

    async def admin_token(self, slug: str) -> str:
        ...

    async def rotate_admin_token(self, slug: str) -> str:
        ...

    async def simulate_login(self, slug: str, *, account_id: int | None, username: str | None, create: bool) -> dict[str, Any]:
        """Returns ``{"token", "account": {...}, "cookies": [{name, value, path, httponly, samesite, max_age}]}``."""

    async def simulate_logout(self, slug: str) -> dict[str, Any]:
        """Returns ``{"cookies": [...]}`` that end the simulated page session (max_age 0)."""

    async def run_actionflow(self, slug: str, flow_id: str, args: dict[str, Any], account_id: int | None,
                             confirm_calls: bool = False) -> dict[str, Any]:
        """Invoke a flow as an account (None: anonymous); returns ``{"ok", "output" | "error", "log"}``.

        A flow with Call API nodes is refused (``CONFIRM_CALLS``, 409, the calls in ``details``) unless ``confirm_calls``."""

    async def run_log(self, slug: str, limit: int) -> list[dict[str, Any]]:
        ...

    async def list_secrets(self, slug: str) -> list[dict[str, Any]]:
        """``[{name, hint, updated_at}]``: never a value."""

    async def set_secret(self, slug: str, name: str, value: str | None) -> dict[str, Any]:
        """Set a secret; ``value`` None generates one and returns it (``{"value"}``) this once, else ``{}``."""

    async def delete_secret(self, slug: str, name: str) -> bool:
        ...

    async def stress_test(self, slug: str, flow_id: str, args: dict[str, Any], n: int, concurrency: int, account_id: int | None) -> dict[str, Any]:
        """Run ``n`` concurrent invocations against a throwaway copy of the data; returns counts and final state."""


class NoRuntime:
    """Callbacks of a designer API served without a runtime (tests of the builder-only endpoints)."""

    def __getattr__(self, name: str) -> Any:
        async def unavailable(*args: Any, **kwargs: Any) -> Any:
            raise CallbackError("RUNTIME_UNAVAILABLE", "The app runtime is not running, so this action is not available.", status=503)

        return unavailable
