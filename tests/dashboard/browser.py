"""Headless Chromium (Debian's package) driven by Playwright, and screenshots of every page."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from tests.dashboard.conftest import Site

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


SEED = (
    "alice: /idea It would be great if the settings app had a dark mode",
    "carol: /bug The camera app crashes when switching to night mode",
    "dave: /idea Let fans pin their favourite chats to the top",
    "bob: /vote 1",
    "erin: /idea Please add a dark mode to the settings app",
)

#: the rest of a community's week: questions (one answered by a fan), a release on the train, an announcement
WEEK = (
    "mia: /chat fan",
    "carol: does the camera app support RAW photos?",
    "dan (reply to carol): Yes, open Pro mode and switch the format to RAW.",
    "carol (reply to dan): /accept",
    "frank: is there a way to hide the notch in games?",
    "mia: /release new 3.2.0 Dark mode and more",
    "mia: /release add 3.2.0 3",
    "mia: /release schedule 3.2.0 every fri 17:00",
    "mia: /announce at 2026-01-09 10:00 to here Beta sign-ups open on Friday!",
)


async def seeded(site: Site) -> None:
    await site.h.say(*SEED)


async def signed_in(site: Site, page: Page, who: str = "mia", overview: str = "Overview") -> None:
    """Open ``who``'s sign-in link from /dashboard in chat and press its button: the overview."""
    await open_link(page, await site.link(who))
    await expect(page.get_by_role("heading", level=1)).to_have_text(overview)


async def open_link(page: Page, link: str) -> None:
    """What a manager does with the link: open it, then press the one button on its page."""
    await page.goto(link)
    await page.locator("form[action='/dashboard/login'] button").click()


def panel(page: Page, heading: str) -> Locator:
    """An overview box, by its heading."""
    return page.locator("section.panel").filter(has=page.get_by_role("heading", name=heading))
