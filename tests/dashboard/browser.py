"""Headless Chromium (Debian's package) driven by Playwright, and screenshots of every page."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

ROOT = Path(__file__).resolve().parents[2]
#: every page the browser tests visit, as PNG (git ignores the folder)
SHOTS = ROOT / ".artifacts" / "dashboard"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def chromium() -> str:
    """The system's Chromium; tests skip without one, and fail in CI (.ci/run installs it)."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") or os.environ.get("FANLOOP_TEST_REQUIRE_BROWSER"):
        pytest.fail("no chromium on PATH: .ci/run installs Debian's chromium package")
    pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")


@asynccontextmanager
async def browser() -> AsyncIterator[Browser]:
    path = chromium()
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield launched
        finally:
            await launched.close()


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
