"""Browser fixtures: one real Chromium per test module (Debian's, at /usr/bin/chromium).

``browser`` is module-scoped, not session-scoped: while Playwright's sync API is
running, the main thread counts as inside an event loop, so every later test that
calls ``asyncio.run`` (actionflows, subscriptions, auth) would fail with "cannot be
called from a running event loop". Stopping Playwright after each browser module
keeps the rest of the suite independent of test order.

``new_context(browser, base_url)`` opens an isolated context (own cookies) with
sensible timeouts; the ``contexts`` fixture hands out contexts that are closed
after the test. A missing browser fails loudly. ``screenshot_path(name)`` says
where a test saves a screenshot: into docs/screenshots only when
``MINIMOMEN_SCREENSHOTS=1``, so ordinary runs leave the tracked images alone.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 15_000
SCREENSHOTS_ENV = "MINIMOMEN_SCREENSHOTS"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_path(name: str) -> Path:
    """Where to save screenshot ``name`` (e.g. ``"page-order.png"``); its folder exists.

    docs/screenshots holds tracked images: a test run rewrites them only when asked
    (``MINIMOMEN_SCREENSHOTS=1``). Otherwise they go to one fixed temporary folder,
    overwritten run after run, so nothing piles up.
    """
    if os.environ.get(SCREENSHOTS_ENV) == "1":
        folder = DOCS_SCREENSHOTS
    else:
        folder = Path(tempfile.gettempdir()) / f"minimomen-screenshots-{os.getuid()}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is required for browser tests and was not found at {CHROMIUM}", pytrace=False)
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
    yield launched
    launched.close()


def new_context(browser: Browser, base_url: str | None = None, **options: Any) -> BrowserContext:
    """A fresh browsing context (own cookies and storage) with default timeouts."""
    options.setdefault("viewport", {"width": 1280, "height": 860})
    if base_url:
        options["base_url"] = base_url
    context = browser.new_context(**options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    return context


@pytest.fixture
def contexts(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """``contexts(base_url=..., **options)`` -> a context closed at the end of the test."""
    opened: list[BrowserContext] = []

    def open_context(base_url: str | None = None, **options: Any) -> BrowserContext:
        context = new_context(browser, base_url, **options)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()
