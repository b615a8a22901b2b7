"""Chats a fan is let into by the bot: the beta testers' chat, a grade-gated chat, and the fan chat
through a fan's own invite link — Telegram join requests on the fake Bot API (the real
python-telegram-bot client)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.telegram import TelegramAdapter
from bot.app import App
from bot.contracts import POINTS
from bot.events import ChatRef, Platform
from bot.features import DEFAULT_FEATURES
from bot.settings import Settings
from storage.db import Database
from storage.repositories.points import PointsRepo
from tests.adapters.test_telegram_e2e import ALICE, MIA, section_for
from tests.adapters.waits import member_id, until
from tests.fakes.telegram_api import GROUP, FakeTelegramAPI, user

BOB = user(43, "Bob")
TESTERS = {"id": -1009990001, "type": "supergroup", "title": "Beta testers"}
LOUNGE = {"id": -1009990002, "type": "supergroup", "title": "Contributors' lounge"}
SETTINGS = Settings(
    limits={"commands_per_window": 1000},  # type: ignore[arg-type]
    points={"grade_chats": {f"telegram:{LOUNGE['id']}": "Contributor"}},  # type: ignore[arg-type]
    beta={"chat": f"telegram:{TESTERS['id']}", "chat_link": "https://t.me/+testers"},  # type: ignore[arg-type]
)


@pytest.fixture
async def app(fake: FakeTelegramAPI, db: Database) -> AsyncIterator[App]:
    fake.admins[int(GROUP["id"])] = {MIA["id"]}
    app = App(SETTINGS, db=db, features=list(DEFAULT_FEATURES))
    adapter = TelegramAdapter(settings=section_for(fake), clock=app.clock, poll_timeout=1, retry_delay=0.05)
    app.add_adapter(adapter)
    await app.prepare()
    await adapter.start(app.dispatcher)
    yield app
    await adapter.stop()


async def member(app: App, fake: FakeTelegramAPI, who: dict[str, Any], points: int) -> None:
    """``who`` says hello in the fan group, then has ``points``."""
    fake.push_message("hello everyone, long time fan here", sender=who)
    found = await member_id(app, "telegram", str(who["id"]))
    awarder = app.get(POINTS)
    assert awarder is not None
    await awarder.award(found, points, "grant", "test", f"t:{who['id']}", app.clock.now())


def dms(fake: FakeTelegramAPI, who: dict[str, Any]) -> list[str]:
    return [m["visible"] for m in fake.sent if m["chat_id"] == str(who["id"])]


async def test_the_testers_chat_admits_fans_in_a_beta_and_declines_the_others(fake: FakeTelegramAPI, app: App) -> None:
    await member(app, fake, ALICE, 700)
    await member(app, fake, BOB, 100)  # not a grade with beta testing
    fake.push_message("/beta pick 1", sender=MIA)
    invitation = await until(lambda: next((m for m in fake.sent if m["chat_id"] == "42"), None))
    assert "beta.accept|1" in str(invitation["reply_markup"])
    fake.push_callback("beta.accept|1", fake.message("x", chat={"id": 42, "type": "private"}), sender=ALICE)
    await until(lambda: any("You're in beta test #1" in t for t in dms(fake, ALICE)))
    joined = next(m for m in fake.sent if "You're in beta test #1" in m["visible"])
    assert 'href="https://t.me/+testers"' in joined["text"]  # the testers' chat link
    fake.push_join_request(TESTERS, ALICE)
    fake.push_join_request(TESTERS, BOB)
    await until(lambda: fake.approved and fake.declined)
    assert fake.approved == {(TESTERS["id"], 42)} and fake.declined == {(TESTERS["id"], 43)}
    await until(lambda: dms(fake, BOB))
    assert dms(fake, ALICE)[-1] == "Welcome to the testers' chat — you're testing beta #1."
    assert dms(fake, BOB) == [
        "The testers' chat is for fans testing an open beta. Testers are picked by grade and activity; /rank "
        "shows yours."
    ]
    assert not [m for m in fake.sent if m["chat_id"] == str(TESTERS["id"])]  # nothing said in the chat itself


async def test_a_grade_gated_chat_lets_in_members_at_its_grade(fake: FakeTelegramAPI, app: App) -> None:
    await member(app, fake, ALICE, 250)  # Contributor
    await member(app, fake, BOB, 119)  # Regular: 120 with the point for saying hello
    fake.push_join_request(LOUNGE, ALICE)
    fake.push_join_request(LOUNGE, BOB)
    await until(lambda: fake.approved and fake.declined and dms(fake, BOB))
    assert fake.approved == {(LOUNGE["id"], 42)} and fake.declined == {(LOUNGE["id"], 43)}
    assert dms(fake, ALICE) == ["Welcome to Contributors' lounge! It's for Contributor and up, and you're Contributor."]
    assert dms(fake, BOB) == [
        "Contributors' lounge is for Contributor and up. You're Regular with 120 points — 80 to go. /rank shows "
        "what counts; ask again once you're there."
    ]
    # a chat nobody configured is left to its admins
    other = {"id": -1009990003, "type": "supergroup", "title": "Off-topic"}
    update = fake.push_join_request(other, BOB)
    await until(lambda: fake.confirmed > update["update_id"])  # handled (getUpdates moved past it)...
    assert (other["id"], 43) in fake.join_requests  # ...and left waiting


async def test_a_fans_invite_link_brings_a_friend_and_credits_them_once_the_friend_takes_part(
    fake: FakeTelegramAPI, app: App
) -> None:
    fake.can_invite.add(int(GROUP["id"]))
    dan = user(45, "Dan")
    await member(app, fake, ALICE, 0)
    fake.push_message("/invite", sender=ALICE)
    dm = await until(lambda: next((m for m in fake.sent if "Your invite link" in m["visible"]), None))
    assert dm["chat_id"] == "42"  # privately
    link = re.search(r"https://t\.me/\+fake\d+", dm["visible"])
    assert link is not None and fake.invite_links[link.group(0)]["creates_join_request"]
    fake.push_message("/invite", sender=ALICE)  # one link per fan and chat
    await until(lambda: len([m for m in fake.sent if "Your invite link" in m["visible"]]) == 2)
    assert len(fake.invite_links) == 1

    fake.push_join_request(GROUP, dan, link=link.group(0))
    await until(lambda: (GROUP["id"], 45) in fake.approved and dms(fake, dan))
    assert dms(fake, dan) == ["Welcome to Acme fans! Alice invited you — say hi, ask anything, share ideas with /idea."]
    assert await app.run_job("invite-credits") == 0  # joining alone earns Alice nothing
    fake.push_message("/idea A one-handed mode for the big phones", sender=dan)
    fake.push_message("/idea Bigger text in the quick settings panel", sender=dan)  # 10 points: he took part
    await until(lambda: len([m for m in fake.sent if "Logged your idea" in m["visible"]]) == 2)
    assert await app.run_job("invite-credits") == 1
    assert await app.run_job("invite-credits") == 0  # once
    alice = await app.members.find("telegram", user_id="42")
    assert alice is not None
    assert await PointsRepo(app.db).balance(alice.member_id) == 21  # +1 for hello, +20 for Dan
    fake.push_message("/invite list", sender=MIA)
    board = await until(lambda: next((m for m in fake.sent if "Who brought whom" in m["visible"]), None))
    assert board["visible"].splitlines()[1] == "Alice brought Dan (took part)"


async def test_a_chat_where_the_bot_may_not_answer_join_requests_is_shown_in_setup(
    fake: FakeTelegramAPI, app: App
) -> None:
    fake.no_join_rights.add(LOUNGE["id"])
    await member(app, fake, ALICE, 250)
    fake.push_join_request(LOUNGE, ALICE)
    adapter = app.adapters["telegram"]
    assert isinstance(adapter, TelegramAdapter)
    await until(lambda: adapter.join_trouble)  # Telegram refused the bot's approval
    fake.push_message("/setup", sender=MIA)
    setup = await until(lambda: next((m for m in fake.sent if "join requests" in m["visible"]), None))
    assert (
        "⚠ I can't answer join requests in “Contributors' lounge”: make me an admin there who can add members."
        in setup["visible"]
    )
    fake.no_join_rights.clear()
    fake.push_join_request(LOUNGE, ALICE)  # she asks again once the bot has the right
    await until(lambda: (LOUNGE["id"], 42) in fake.approved)
    await until(lambda: not adapter.join_trouble)  # the approval's answer is back (it lands after the fake saw it)
    status = await app.health(ChatRef(Platform("telegram"), str(GROUP["id"])))
    assert not any("join requests" in line for line in status)  # put right: no longer shown
