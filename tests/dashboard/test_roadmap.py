"""The public roadmap: off unless a manager turns it on; then planned, in progress and shipped
items with their votes, for anyone, with no member's name."""

from __future__ import annotations

import aiohttp
from playwright.async_api import expect

from tests.dashboard.browser import browser, shot
from tests.dashboard.conftest import SiteFactory


async def test_the_roadmap_is_off_by_default(make_site: SiteFactory) -> None:
    site = await make_site()
    async with aiohttp.ClientSession() as http, http.get(site.base + "/roadmap") as page:
        assert page.status == 404


async def test_the_roadmap_shows_what_is_planned_and_shipped_without_names(make_site: SiteFactory) -> None:
    site = await make_site(feedback={"roadmap": True})
    await site.h.say(
        "alice: /idea It would be great if the settings app had a dark mode",
        "bob: /idea Let fans pin their favourite chats to the top",
        "carol: /vote 1",
        "mia: /status 1 planned",
        "mia: /status 2 shipped 3.2.0",
    )
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    async with aiohttp.ClientSession() as http, http.get(site.base + "/roadmap", headers=zh) as page:  # anyone
        assert page.status == 200
        html = await page.text()
    assert "路线图" in html and "已计划" in html
    assert "#1 It would be great if the settings app had a dark mode" in html and "1 票" in html
    assert "#2 Let fans pin their favourite chats to the top" in html and "3.2.0" in html
    assert not any(name in html for name in ("alice", "bob", "carol", "mia"))
    assert 'name="csrf"' not in html and "Sign out" not in html and "退出登录" not in html
    async with browser() as b:
        page = await b.new_page(viewport={"width": 1024, "height": 700})
        await page.goto(site.base + "/roadmap")
        await expect(page.get_by_role("heading", name="Planned")).to_be_visible()
        await shot(page, "roadmap")
