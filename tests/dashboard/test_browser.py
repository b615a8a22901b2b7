"""The dashboard in a real headless Chromium: sign-in, the overview, the board, a status change
that reaches the followers in chat, merge and undo, and every refusal (reused, expired and fan's
links, a form without its CSRF token), on a phone-sized screen in Chinese. Every page visited is
saved as a screenshot (.artifacts/dashboard)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from playwright.async_api import expect

from bot.clock import ManualClock
from storage.repositories.feedback import FeedbackRepo
from tests.dashboard.browser import ROOT, WEEK, browser, panel, seeded, shot, signed_in
from tests.dashboard.conftest import LINK, Site


async def test_sign_in_overview_board_and_a_status_change_that_tells_the_followers(site: Site) -> None:
    await seeded(site)
    app = site.h.app  # a second console chat for release news
    await app.chats.ensure(
        "console", "news", title="news", kind="announcement", community_id="console", now=app.clock.now()
    )
    await site.h.say(*WEEK)
    async with browser() as b:
        page = await b.new_page(viewport={"width": 1280, "height": 900})
        await signed_in(site, page)
        wanted = panel(page, "Most wanted this week")
        await expect(wanted).to_contain_text("#1 It would be great if the settings app had a dark mode")
        await expect(wanted).to_contain_text("1 vote")
        waiting = panel(page, "Waiting for an answer")
        await expect(waiting).to_contain_text("4 items not acknowledged yet")
        setup = panel(page, "Setup problems")
        await expect(setup).to_contain_text("No manager chat")
        questions = panel(page, "Open questions")
        await expect(questions).to_contain_text("is there a way to hide the notch in games?")
        await expect(questions).to_contain_text("frank in")
        helpers = panel(page, "Top helpers this week")
        await expect(helpers).to_contain_text("dan · 1 accepted answer")
        release = panel(page, "Next release")
        await expect(release).to_contain_text("3.2.0")
        await expect(release).to_contain_text("1 fan idea ships in it")
        upcoming = panel(page, "Scheduled announcements")
        await expect(upcoming).to_contain_text("Beta sign-ups open on Friday!")
        await shot(page, "overview")

        await page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Feedback").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Feedback")
        await expect(page.locator("tbody tr")).to_have_count(4)
        await expect(page.locator("tbody tr").first).to_contain_text("#1 It would be great")  # most votes first
        await shot(page, "board")
        await page.get_by_label("Kind").select_option("bug")
        await page.get_by_role("button", name="Show").click()
        await expect(page.locator("tbody tr")).to_have_count(1)
        await expect(page.locator("tbody tr")).to_contain_text("#2 The camera app crashes")

        await page.goto(site.base + "/dashboard/feedback")
        await page.get_by_role("link", name="#1 It would be great if the settings app had a dark mode").click()
        await expect(page.get_by_role("heading", name="History")).to_be_visible()
        await expect(page.locator("#h-votes + p")).to_have_text("bob")
        await shot(page, "item")
        before = len(site.h.output())
        await page.get_by_label("New status").select_option("planned")
        await page.get_by_label("Comment or reason (fans see it)").fill("Designs are ready for the next sprint")
        await page.get_by_role("button", name="Change and tell the followers").click()
        await expect(page.locator(".done")).to_contain_text("is now planned")
        await expect(page.locator(".status").first).to_have_text("planned")
        told = site.h.output()[before:]
        assert "bot> #1 “It would be great if the settings app had a dark mode” is now planned" in told
        assert "@alice @bob" in told  # the submitter and the voter, in the fan chat, once
        assert told.count("is now planned") == 1
        await shot(page, "item-after-status-change")

        await page.get_by_role("link", name="Audit log").click()
        await expect(page.locator("main")).to_contain_text("moved #1 from new to planned")
        await shot(page, "audit")
        await page.get_by_role("link", name="Questions").click()
        await expect(page.locator("tbody").first.locator("tr")).to_have_count(1)
        await expect(page.locator("tbody").first).to_contain_text("frank")
        answered = page.locator("tbody").nth(1)
        await expect(answered).to_contain_text("Yes, open Pro mode and switch the format to RAW.")
        await expect(answered).to_contain_text("by dan")
        await shot(page, "questions")
        await answered.get_by_role("button", name="Learn into the FAQ").click()
        await expect(page.locator(".done")).to_contain_text("Added FAQ #1 from the community's answer.")
        await expect(page.locator("tbody")).to_have_count(1)  # nothing left to learn
        assert "Yes, open Pro mode" in (await site.h.say("carol: /faq show 1"))[1]
        await page.get_by_role("link", name="Weekly report").click()
        await expect(
            page.get_by_role("img", name="Ideas and bug reports received: 0, 0, 0, 0, 0, 0, 0, 4")
        ).to_be_visible()
        await expect(page.locator("main")).to_contain_text("4 ideas and bug reports received")
        await shot(page, "report")


async def test_merge_shows_a_preview_then_merges_and_undo_restores(site: Site) -> None:
    await seeded(site)
    async with browser() as b:
        page = await b.new_page()
        await signed_in(site, page)
        await page.goto(site.base + "/dashboard/feedback/4")
        await expect(page.get_by_role("heading", name="Similar open items")).to_be_visible()
        await page.get_by_label("The item to keep").fill("1")
        await page.get_by_label("Why (shown to fans)").fill("Same request as #1")
        await page.get_by_role("button", name="Preview the merge").click()
        await expect(
            page.get_by_role("heading", name="Nothing has changed yet — this is what it would do:")
        ).to_be_visible()
        await shot(page, "merge-preview")
        items = FeedbackRepo(site.h.app.db)
        assert (await items.get(4)).status == "new"  # type: ignore[union-attr]
        await page.get_by_role("button", name="Confirm").click()
        await expect(page.locator(".status").first).to_have_text("merged")
        await expect(page.get_by_role("link", name="#1")).to_be_visible()
        assert (await items.get(4)).duplicate_of == 1  # type: ignore[union-attr]
        assert (await items.get(1)).votes == 2  # type: ignore[union-attr]  # erin's own vote moved over

        await page.get_by_role("button", name="Undo the merge").click()
        await expect(page.locator(".status").first).to_have_text("new")
        await expect(page.locator(".done")).to_be_visible()
        await shot(page, "merge-undone")
        assert (await items.get(4)).duplicate_of is None  # type: ignore[union-attr]
        assert (await items.get(1)).votes == 1  # type: ignore[union-attr]


async def test_reused_expired_and_fans_links_are_refused(site: Site, clock: ManualClock, tmp_path: Path) -> None:
    await seeded(site)
    assert await site.h.say("alice: /dashboard") == ["bot> ⚠ /dashboard is for moderators only."]
    async with browser() as b:
        link = await site.link()
        first = await b.new_page()
        await first.goto(link)  # what a chat app's link preview does: the link is still unused
        await expect(first.get_by_role("button", name="Sign in")).to_be_visible()
        await shot(first, "sign-in")
        await first.get_by_role("button", name="Sign in").click()
        await expect(first.get_by_role("heading", level=1)).to_have_text("Overview")
        second = await (await b.new_context()).new_page()  # another browser: no session cookie
        response = await second.goto(link)
        assert response is not None and response.status == 403
        await expect(second.locator("h1")).to_contain_text("was used already")
        await shot(second, "refused-reused-link")

        stale = await site.link()
        clock.advance(timedelta(minutes=11))
        response = await second.goto(stale)
        assert response is not None and response.status == 403
        await expect(second.locator("h1")).to_contain_text("has expired")
        response = await second.goto(site.base + "/dashboard/feedback")
        assert response is not None and response.status == 401  # still not signed in

        if site.h.app.db.is_sqlite:  # the operator's CLI, on the same database
            fan = _cli_link(tmp_path / "data", "console:alice", site.base)
            response = await second.goto(fan)
            assert response is not None and response.status == 403
            await expect(second.locator("h1")).to_contain_text("for the community's moderators and managers")
            await shot(second, "refused-fan-link")
            response = await second.goto(site.base + "/dashboard/")
            assert response is not None and response.status == 401


async def test_a_form_without_its_csrf_token_is_refused(site: Site) -> None:
    await seeded(site)
    async with browser() as b:
        page = await b.new_page()
        await signed_in(site, page)
        await page.goto(site.base + "/dashboard/feedback/1")
        await page.eval_on_selector_all("input[name=csrf]", "inputs => inputs.forEach(i => i.remove())")
        await page.get_by_label("New status").select_option("planned")
        await page.get_by_role("button", name="Change and tell the followers").click()
        await expect(page.locator("h1")).to_contain_text("This form was not sent from your dashboard page")
        await shot(page, "refused-csrf")
        assert (await FeedbackRepo(site.h.app.db).get(1)).status == "new"  # type: ignore[union-attr]


async def test_a_phone_sized_screen_and_a_chinese_speaking_moderator(site: Site) -> None:
    await seeded(site)
    await site.h.say("max: /language zh-CN")
    async with browser() as b:
        page = await b.new_page(viewport={"width": 375, "height": 800})
        await signed_in(site, page, "max", overview="总览")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375  # nothing runs off the side
        await shot(page, "overview-375px-zh")
        await page.goto(site.base + "/dashboard/feedback/1")
        await expect(page.get_by_role("heading", name="历史")).to_be_visible()
        await expect(page.get_by_role("button", name="修改并通知关注者")).to_have_count(0)  # moderators read
        await shot(page, "item-375px-zh-moderator")


def _cli_link(data_dir: Path, identity: str, base: str) -> str:
    port = base.rsplit(":", 1)[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANLOOP_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "dashboard", "link", identity, "--port", port],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=True,
    )  # fmt: skip
    assert "opens no manager page" in done.stderr
    found = LINK.search(done.stdout)
    assert found, done.stdout
    return found.group(1)
