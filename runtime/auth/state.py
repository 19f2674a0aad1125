"""Per-process, per-project auth caches: accounts' roles and the admin token's freshness.

Kept on ``project.services["auth"]`` (not in a module global), so each project
and each test server has its own. Every entry expires after a few seconds, so
a change made through another worker (a role granted, the admin token rotated)
reaches this one promptly; changes made through this worker apply at once.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

ACCOUNT_TTL_SECONDS = 3.0
ADMIN_TOKEN_TTL_SECONDS = 2.0
ADMIN_REFRESH_MIN_INTERVAL = 0.5  # bounds the database reads that wrong tokens can cause
SERVICE_KEY = "auth"


@dataclass(frozen=True)
class CachedAccount:
    account_id: int
    username: str
    roles: tuple[str, ...]  # custom roles only
    loaded_at: float
    token_version: int = 0  # a token carrying another version was revoked


@dataclass
class AuthState:
    accounts: dict[int, CachedAccount] = field(default_factory=dict)
    admin_checked_at: float = field(default_factory=time.monotonic)
    admin_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def account(self, account_id: int) -> CachedAccount | None:
        cached = self.accounts.get(account_id)
        if cached is None or time.monotonic() - cached.loaded_at > ACCOUNT_TTL_SECONDS:
            return None
        return cached

    def remember(self, account_id: int, username: str, roles: tuple[str, ...], token_version: int = 0) -> CachedAccount:
        if len(self.accounts) > 10_000:  # bound memory: drop everything stale at once
            now = time.monotonic()
            self.accounts = {k: v for k, v in self.accounts.items() if now - v.loaded_at <= ACCOUNT_TTL_SECONDS}
        cached = CachedAccount(account_id, username, roles, time.monotonic(), token_version)
        self.accounts[account_id] = cached
        return cached

    def forget(self, account_id: int) -> None:
        self.accounts.pop(account_id, None)


def auth_state(project: Any) -> AuthState:
    state = project.services.get(SERVICE_KEY)
    if state is None:
        state = project.services[SERVICE_KEY] = AuthState()
    return state
