"""Grades as Discord roles: the real discord.py client against the fake Discord, which keeps the
server's roles and who holds them."""

from __future__ import annotations

from bot.contracts import POINTS
from bot.events import ChatRef, Platform
from storage.db import Database
from storage.repositories.grades import GradeRepo
from storage.repositories.notices import NoticeRepo
from tests.adapters import test_discord_e2e as e2e
from tests.adapters.test_discord_e2e import ALICE, BOB, Bot, start_bot
from tests.adapters.waits import member_id
from tests.fakes.discord_api import CHANNEL_ID, GUILD_ID, FakeDiscordAPI

ROLES = {"Regular": "Regular", "Contributor": "Contributor"}
fake = e2e.fake  # the fake Discord (a fixture)
CHANNEL = ChatRef(Platform("discord"), CHANNEL_ID, community_id=GUILD_ID)


async def known(fake: FakeDiscordAPI, bot: Bot, uid: str) -> int:
    """The member fanloop knows once ``uid`` said something in the channel."""
    await fake.user_says(uid, "hello everyone, glad to be here")
    return await member_id(bot.app, "discord", uid)


async def grant(bot: Bot, member_id: int, points: int, key: str) -> None:
    awarder = bot.app.get(POINTS)
    assert awarder is not None
    await awarder.award(member_id, points, "grant", "test", key, bot.app.clock.now())


def role_calls(fake: FakeDiscordAPI) -> list[str]:
    return [f"{c.method} {c.path}" for c in fake.calls if "/roles" in c.path]


async def test_grade_roles_follow_the_grade_up_and_down(fake: FakeDiscordAPI, db: Database) -> None:
    fake.guild_roles.add(GUILD_ID, "Regular")  # the server has one grade's role already
    bot = await start_bot(fake, db, grade_roles=ROLES)
    try:
        alice = await known(fake, bot, ALICE)
        await grant(bot, alice, 60, "g1")  # Regular
        assert await bot.app.run_job("grade-roles") == 1
        assert fake.guild_roles.names(GUILD_ID, ALICE) == {"Regular"}
        await grant(bot, alice, 200, "g2")  # Contributor: its role is created, Regular's taken away
        assert await bot.app.run_job("grade-roles") == 1
        assert fake.guild_roles.names(GUILD_ID, ALICE) == {"Contributor"}
        assert [r["name"] for r in fake.guild_roles.roles[GUILD_ID]].count("Contributor") == 1
        await grant(bot, alice, -255, "g3")  # back to Newcomer, which has no role
        assert await bot.app.run_job("grade-roles") == 1
        assert fake.guild_roles.names(GUILD_ID, ALICE) == set()
        assert await bot.app.run_job("grade-roles") == 0  # nothing left queued
        assert not any("Manage Roles" in line for line in await bot.app.health(CHANNEL))
    finally:
        await bot.adapter.stop()


async def test_roles_given_by_hand_or_missed_while_away_are_repaired(fake: FakeDiscordAPI, db: Database) -> None:
    fake.guild_roles.add(GUILD_ID, "Contributor")
    fake.guild_roles.give(GUILD_ID, BOB, "Contributor")  # by hand: Bob has no points
    bot = await start_bot(fake, db, grade_roles=ROLES, members_intent=True)  # every member's roles seen
    try:
        alice = await known(fake, bot, ALICE)
        await known(fake, bot, BOB)
        await grant(bot, alice, 250, "a1")  # earned while no process served Discord's roles
        assert await bot.app.run_job("grade-roles-repair") == 2
        assert fake.guild_roles.names(GUILD_ID, BOB) == set()
        assert fake.guild_roles.names(GUILD_ID, ALICE) == {"Contributor"}
        assert role_calls(fake) == [
            "POST /guilds/2000/roles",  # Regular, named in the mapping, didn't exist
            "PUT /guilds/2000/members/4001/roles/7000",
            "DELETE /guilds/2000/members/4002/roles/7000",
        ]
        # the queued change for Alice finds her role already right: no further request
        assert await bot.app.run_job("grade-roles") == 1
        assert len(role_calls(fake)) == 3
    finally:
        await bot.adapter.stop()


async def test_missing_manage_roles_is_told_to_the_managers_once(fake: FakeDiscordAPI, db: Database) -> None:
    bot = await start_bot(fake, db, grade_roles=ROLES)
    try:
        alice = await known(fake, bot, ALICE)
        bob = await known(fake, bot, BOB)
        fake.guild_roles.forbidden = True
        await grant(bot, alice, 60, "f1")
        await grant(bot, bob, 60, "f2")
        assert await bot.app.run_job("grade-roles") == 0
        notices, _ = await NoticeRepo(db).unseen()
        assert [n.text for n in notices] == [
            "⚠ I can't manage roles in Discord server Acme fans: give me Manage Roles and put my role above the "
            "grade roles"
        ]
        # failed, not retried every 15 s: the hourly repair puts them right once the permission is given
        syncs, _ = await GradeRepo(db).backlog()
        assert syncs == 0
        fake.guild_roles.forbidden = False
        assert await bot.app.run_job("grade-roles-repair") == 2
        assert fake.guild_roles.names(GUILD_ID, ALICE) == fake.guild_roles.names(GUILD_ID, BOB) == {"Regular"}
    finally:
        await bot.adapter.stop()
