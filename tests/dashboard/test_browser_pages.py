"""The dashboard's other pages in headless Chromium, each action checked where fans see it:
members and points, the FAQ editor and flagged entries, the announcements calendar and delivery
report, a release shipped from the browser, a beta followed and ended."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from bot.clock import ManualClock
from storage.repositories.feedback import FeedbackRepo
from tests.dashboard.browser import browser, panel, seeded, shot, signed_in
from tests.dashboard.conftest import Site


async def test_members_page_finds_a_fan_and_points_given_there_reach_their_history(site: Site) -> None:
    await seeded(site)
    async with browser() as b:
        page = await b.new_page()
        await signed_in(site, page)
        await page.get_by_role("link", name="Members").click()
        await page.get_by_label("Name, @username, platform id or member:N").fill("alic")
        await page.get_by_role("button", name="Find").click()
        await expect(page.locator("tbody tr")).to_have_count(1)
        await shot(page, "members")
        await page.get_by_role("link", name="alice").click()
        await page.get_by_label("Points", exact=True).fill("25")
        await page.get_by_label("Why (recorded and shown in their history)").fill("Great dark-mode write-up")
        await page.get_by_role("button", name="Record it").click()
        await expect(page.locator(".done")).to_be_visible()
        await expect(page.locator("#h-points + ul li").first).to_contain_text(
            "+25 · granted by a manager: Great dark-mode write-up"
        )
        await shot(page, "member")
    out = await site.h.say("alice: /points history")
    assert any("Great dark-mode write-up" in line for line in out)


async def test_faq_editor_tests_a_question_adds_a_phrasing_edits_and_removes(site: Site) -> None:
    await site.h.say(
        "mia: /faq add How do I unlock the bootloader? | Apply in Settings > Mi Unlock status, wait 7 days.",
        "mia: /faq add How do I take a screenshot? | Press power and volume down together.",
    )
    async with browser() as b:
        page = await b.new_page()
        await signed_in(site, page)
        await page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="FAQ").click()
        await expect(page.locator("tbody tr")).to_have_count(2)
        await page.get_by_label("A question as a fan would ask it").fill("how can I unlock my bootloader?")
        await page.get_by_role("button", name="Test").click()
        best = page.locator("section.box tbody tr").first
        await expect(best).to_contain_text("#1 How do I unlock the bootloader?")
        await expect(best).to_contain_text("answered")
        await shot(page, "faq")

        await best.get_by_role("link").click()
        await page.get_by_label("How fans ask it").fill("bootloader unlock steps")
        await page.get_by_role("button", name="Add the phrasing").click()
        await expect(page.locator("#h-alts + ul")).to_contain_text("bootloader unlock steps")
        await page.locator("textarea[name=answer]").fill("Apply in Settings > Mi Unlock status; wait 7 days.")
        await page.get_by_role("button", name="Save the answer").click()
        await expect(page.locator(".quote").first).to_have_text("Apply in Settings > Mi Unlock status; wait 7 days.")
        await shot(page, "faq-entry")
        await page.get_by_role("button", name="Remove it").click()
        await expect(page.locator(".box")).to_contain_text("fans asking its question will no longer get this answer")
        await page.get_by_role("button", name="Confirm").click()
        await expect(page.locator("tbody tr")).to_have_count(1)
    out = await site.h.say("alice: /faq show 1")
    assert out == ["bot> ⚠ There is no FAQ entry #1."]


async def test_announcements_calendar_schedules_pauses_and_reports_deliveries(site: Site, clock: ManualClock) -> None:
    app = site.h.app
    await app.chats.ensure(
        "console", "news", title="news", kind="announcement", community_id="console", now=clock.now()
    )
    async with browser() as b:
        page = await b.new_page(viewport={"width": 1280, "height": 900})
        await signed_in(site, page)
        await page.get_by_role("link", name="Announcements").click()
        await page.get_by_label("When").fill("every fri 17:00")
        await page.get_by_label("Where").select_option("console:news")
        await page.get_by_label("Text").fill("Weekly beta build is out — tell us what breaks!")
        await page.get_by_role("button", name="Schedule it").click()
        await expect(page.locator(".done")).to_contain_text("Scheduled announcement #1")
        await expect(page.locator(".calendar a")).to_have_count(4)  # four Fridays in four weeks
        await shot(page, "announcements")

        clock.advance(timedelta(days=4, hours=5, minutes=1))  # Friday 17:01
        await app.run_job("announcements")
        assert "bot> #news: Weekly beta build is out — tell us what breaks!" in site.h.output()
        await signed_in(site, page)  # four days on: yesterday's session has ended
        await page.goto(site.base + "/dashboard/announcements/1")
        await expect(page.locator("#h-deliveries + table")).to_contain_text("console:news")
        await expect(page.locator("#h-deliveries + table")).to_contain_text("sent")
        await page.get_by_role("button", name="Pause").click()
        await expect(page.locator(".status").first).to_have_text("paused")
        await shot(page, "announcement")


async def test_an_entry_fans_flagged_is_on_the_overview(site: Site) -> None:
    await site.h.say(
        "mia: /faq add How do I unlock the bootloader? | Apply in Settings.",
        *(
            line
            for fan in ("alice", "bob", "carol")
            for line in (f"{fan}: /ask how do I unlock it?", f"{fan}: [press 2]")
        ),
    )
    async with browser() as b:
        page = await b.new_page()
        await signed_in(site, page)
        await expect(panel(page, "FAQ entries fans flagged")).to_contain_text("#1 How do I unlock the bootloader?")
        await expect(panel(page, "Setup problems")).to_contain_text("got 3 👎 and 0 👍 — please review it")
        await shot(page, "overview-flagged")
        await panel(page, "FAQ entries fans flagged").get_by_role("link", name="All flagged entries").click()
        await expect(page.locator("tbody tr")).to_have_count(1)
        await expect(page.locator("tbody tr")).to_contain_text("flagged")


async def test_a_release_is_drafted_filled_and_shipped_from_the_browser(site: Site, clock: ManualClock) -> None:
    await seeded(site)
    app = site.h.app
    await app.chats.ensure(
        "console", "news", title="news", kind="announcement", community_id="console", now=clock.now()
    )
    async with browser() as b:
        page = await b.new_page(viewport={"width": 1280, "height": 900})
        await signed_in(site, page)
        await page.get_by_role("link", name="Releases").click()
        await page.get_by_label("Version").fill("3.2.0")
        await page.get_by_label("Release notes").fill("Dark mode and a faster camera")
        await page.get_by_role("button", name="Create the draft").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Release 3.2.0")
        await page.get_by_label("Feedback item").fill("1")
        await page.get_by_role("button", name="Add it").click()
        await expect(page.locator("#h-items + ul")).to_contain_text("#1 It would be great if the settings app")
        await page.get_by_role("button", name="Ship it").click()
        await expect(
            page.get_by_role("heading", name="Nothing has changed yet — this is what it would do:")
        ).to_be_visible()
        await shot(page, "release-ship-preview")
        before = len(site.h.output())
        await page.get_by_role("button", name="Confirm").click()
        await expect(page.locator(".status").first).to_have_text("shipped")
        await shot(page, "release")
    told = site.h.output()[before:]
    assert "shipped in 3.2.0 — thanks for the idea!" in told  # the idea's followers
    assert "bot> #news:" in told  # the release announcement
    assert (await FeedbackRepo(app.db).get(1)).status == "shipped"  # type: ignore[union-attr]


async def test_a_beta_is_followed_messaged_trimmed_and_ended_from_the_browser(site: Site) -> None:
    for name in ("ann", "ben", "cat"):
        await site.h.say(f"{name}: hi")
    for name, points in (("ann", 700), ("ben", 300), ("cat", 250)):
        await site.h.say(f"mia: /points grant @{name} {points} great reports")
    await site.h.say("mia: /beta pick 2", "ann: [press 1]")  # ann joins, ben is invited, cat waits
    async with browser() as b:
        page = await b.new_page()
        await signed_in(site, page)
        await page.get_by_role("link", name="Beta tests").click()
        await expect(page.locator("tbody tr")).to_have_count(1)
        await expect(page.locator("tbody tr")).to_contain_text("1 of 2")
        await page.get_by_role("link", name="#1").click()
        rows = page.locator("tbody tr")
        await expect(rows).to_have_count(3)
        await expect(rows.nth(0)).to_contain_text("ann")
        await expect(rows.nth(0)).to_contain_text("joined")
        await expect(rows.nth(1)).to_contain_text("invited")
        await expect(rows.nth(1)).to_contain_text("answer by")
        await expect(rows.nth(2)).to_contain_text("on the waitlist")
        await shot(page, "beta")
        await page.get_by_label("Message", exact=True).fill("Build 3.2-beta1 is live: update from the beta channel")
        await page.get_by_role("button", name="Send it").click()
        await expect(page.locator(".done")).to_contain_text("Sent to 1 tester.")
        await page.get_by_label("Fan", exact=True).select_option(label="ben")
        await page.get_by_role("button", name="Take out").click()
        await expect(page.locator(".done")).to_contain_text("Took ben out of beta #1.")
        await expect(rows.filter(has_text="ben")).to_contain_text("taken out")
        await page.get_by_role("button", name="End it", exact=True).click()
        await expect(page.locator("#preview-h")).to_be_visible()  # nothing ended yet
        await page.get_by_role("button", name="Confirm").click()
        await expect(page.locator(".done")).to_contain_text("Beta #1 has ended.")
        await expect(page.locator(".status").first).to_have_text("ended")
        await expect(page.get_by_role("button", name="End it", exact=True)).to_have_count(0)
    assert "bot> @ann: Build 3.2-beta1 is live: update from the beta channel" in site.h.output()
    assert await site.h.say("mia: /beta list") == ["bot> No beta test is open. Start one with /beta pick N."]
