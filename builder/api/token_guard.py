"""The designer token's exchange: once only when it was generated, and guesses throttled.

``minimomen serve`` prints a link with a random token when none is configured; that
token is exchanged for a session once, then refused (a marker file in the workspace,
created exclusively, so every worker of the server agrees). A token configured with
``MINIMOMEN_DESIGNER_TOKEN`` is the operator's own secret and may be exchanged again.
Wrong tokens are counted per client address with the ``limits`` library: past
``GUESSES`` a window, the address is answered 429 with ``Retry-After`` until it passes.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from builder.api.session import DesignerAuth

GUESSES = RateLimitItemPerMinute(10)


@dataclass
class Exchange:
    """What an exchange attempt came to: ``ok``, or ``status`` and ``message`` (and ``retry_after`` on 429)."""

    ok: bool
    status: int = 200
    message: str = ""
    retry_after: int = 0


@dataclass
class TokenGuard:
    auth: DesignerAuth
    once: bool = False
    marker_dir: Path | None = None
    limiter: MovingWindowRateLimiter = field(default_factory=lambda: MovingWindowRateLimiter(MemoryStorage()))

    def _spend(self, token: str) -> bool:
        """True the first time ``token`` is spent (by any worker), False after."""
        if not self.once or self.marker_dir is None:
            return True
        digest = hashlib.sha256(b"minimomen-designer-token:" + token.encode()).hexdigest()[:24]
        try:
            fd = os.open(self.marker_dir / f".designer-token-{digest}.used", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return False
        os.close(fd)
        return True

    def exchange(self, token: str | None, address: str | None) -> Exchange:
        key = address or "unknown"
        if not self.limiter.test(GUESSES, key):
            reset = self.limiter.get_window_stats(GUESSES, key).reset_time
            wait = max(1, int(reset - time.time()) + 1)
            return Exchange(False, 429, f"Too many wrong designer tokens from this address; try again in {wait} s.", wait)
        if not self.auth.token_matches(token):
            self.limiter.hit(GUESSES, key)
            return Exchange(False, 401, "That designer token is not valid.")
        if not self._spend(str(token)):
            return Exchange(False, 401, "That designer link was already used: it works once. Use the designer tab it opened, "
                                        "or restart `minimomen serve` for a new link (or set MINIMOMEN_DESIGNER_TOKEN).")
        return Exchange(True)
