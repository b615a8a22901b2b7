"""/invite on Discord: a unique invite per fan; a member who joins is matched to the invite whose use
count went up; the inviter is credited once the newcomer takes part — the real discord.py client
against the fake Discord."""

from __future__ import annotations

import re

from storage.db import Database
from storage.repositories.points import PointsRepo
from tests.adapters import test_discord_e2e as e2e
from tests.adapters.test_discord_e2e import ALICE, start_bot
from tests.adapters.test_discord_grades import known
from tests.adapters.waits import until
from tests.fakes.discord_api import FakeDiscordAPI

fake = e2e.fake  # the fake Discord (a fixture)
DAN = "4005"
NEW = [{"name": "new", "type": 1, "options": []}]


def idea(text: str) -> list[dict[str, object]]:
    return [{"name": "text", "type": 3, "value": text}]


async def test_a_fans_invite_brings_a_friend_credited_once_they_take_part(fake: FakeDiscordAPI, db: Database) -> None:
    bot = await start_bot(fake, db, members_intent=True)
    try:
        alice = await known(fake, bot, ALICE)
        await fake.slash(ALICE, "invite", NEW)  # a root with subcommands is "/invite new" on Discord
        answer = await until(
            lambda: next((r for r in fake.responses() if "invite link" in str(r.get("content"))), None)
        )
        assert answer["flags"] & 64  # only Alice sees it
        code = re.search(r"https://discord\.gg/(\w+)", answer["content"])
        assert code is not None and code.group(1) in fake.guild_invites.invites

        await fake.guild_invites.join(DAN, "Dan", code.group(1))
        welcome = await until(lambda: [m for m in fake.messages if "invited you" in str(m.get("content"))])
        assert welcome[0]["content"] == (
            "Welcome to fanloop! Alice invited you — say hi, ask anything, share ideas with /idea."
        )
        assert welcome[0]["channel_id"] == f"9{DAN}"  # privately
        assert await bot.app.run_job("invite-credits") == 0  # the join alone earns nothing
        await fake.slash(DAN, "idea", idea("A one-handed mode for the big phones"))
        await fake.slash(DAN, "idea", idea("Bigger text in the quick settings panel"))
        await until(lambda: len([r for r in fake.responses() if "Logged your idea" in str(r.get("content"))]) == 2)
        assert await bot.app.run_job("invite-credits") == 1
        assert await bot.app.run_job("invite-credits") == 0
        assert await PointsRepo(db).balance(alice) == 21  # +1 for hello, +20 for Dan
    finally:
        await bot.adapter.stop()


async def test_without_the_members_intent_the_managers_are_told(fake: FakeDiscordAPI, db: Database) -> None:
    bot = await start_bot(fake, db)
    try:
        await known(fake, bot, ALICE)
        await fake.slash(ALICE, "invite", NEW)  # a root with subcommands is "/invite new" on Discord
        answer = await until(lambda: fake.responses())
        assert answer[0]["content"] == "⚠ I can't make invite links here yet — the team has been told why."
        assert not fake.guild_invites.invites
    finally:
        await bot.adapter.stop()
