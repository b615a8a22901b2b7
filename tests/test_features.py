"""Features as modules: a new feature is one folder and one list entry; member data never escapes
/mydata delete, because every member-keyed table must have a data-rights hook."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, Text, delete, func, insert, select
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (every table in the metadata)
from bot.app import App
from bot.clock import ManualClock
from bot.commands import Arg, ArgKind, CommandSpec, Result
from bot.context import CommandContext
from bot.feature import DataRights, Deps, Feature, FeatureError, Forget
from bot.features import DEFAULT_FEATURES, announcements, feedback, releases
from bot.replies import say
from bot.settings import Settings
from storage.db import Database, Tx
from storage.repositories.base import Repository
from storage.rights import member_keyed_tables, uncovered
from tests.conftest import HarnessFactory

# -- a toy feature, as a third party would write it: storage, a command, a data-rights hook --------
TOY = MetaData()
Table("members", TOY, Column("id", Integer, primary_key=True))  # only to resolve the foreign key
NOTES = Table(
    "toy_notes",
    TOY,
    Column("id", Integer, primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("text", Text, nullable=False),
)


class NoteRepo(Repository):
    async def add(self, member_id: int, text: str) -> int:
        async with self.db.session() as s:
            await s.execute(insert(NOTES).values(member_id=member_id, text=text))
            count = await s.scalar(select(func.count()).select_from(NOTES).where(NOTES.c.member_id == member_id))
            await s.commit()
        return int(count or 0)

    async def count(self) -> int:
        async with self.db.session() as s:
            return int(await s.scalar(select(func.count()).select_from(NOTES)) or 0)

    @staticmethod
    async def export(tx: Tx, member_id: int) -> Mapping[str, Any]:
        rows = await tx.execute(select(NOTES.c.text).where(NOTES.c.member_id == member_id))
        return {"notes": [text for (text,) in rows]}

    @staticmethod
    async def forget(tx: Tx, req: Forget) -> Mapping[str, int]:
        result = await tx.execute(delete(NOTES).where(NOTES.c.member_id == req.member_id))
        return {"notes_deleted": int(getattr(result, "rowcount", 0) or 0)}


def build_notes(deps: Deps) -> Feature:
    repo = NoteRepo(deps.db)

    async def note(ctx: CommandContext) -> Result:
        count = await repo.add(ctx.member.member_id, ctx.args["text"])
        return say(f"Noted ({count} note{'s' if count != 1 else ''}).")

    return Feature(
        name="notes",
        commands=(CommandSpec("note", "Keep a note", note, args=(Arg("text", ArgKind.TEXT, "what to keep"),)),),
        data_rights=(DataRights(tables=("toy_notes",), export=repo.export, forget=repo.forget),),
    )


@pytest.fixture
async def notes_table(db: Database) -> AsyncIterator[None]:
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync: TOY.create_all(sync, tables=[NOTES]))
    yield
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync: TOY.drop_all(sync, tables=[NOTES]))


async def test_a_new_feature_is_one_list_entry_and_its_rows_go_with_the_member(
    make_harness: HarnessFactory, notes_table: None, db: Database
) -> None:
    harness = await make_harness(features=[build_notes])
    assert await harness.say("alice: /note buy a new phone case") == ["bot> Noted (1 note)."]
    assert await harness.say("alice: /note back up the photos") == ["bot> Noted (2 notes)."]
    assert await harness.say("bob: /note hello") == ["bot> Noted (1 note)."]
    assert "/note TEXT… — Keep a note" in "\n".join(await harness.say("alice: /help"))
    assert uncovered(TOY, harness.app.data_rights.tables()) == []

    await harness.say("alice: /mydata delete confirm")
    assert await NoteRepo(db).count() == 1  # bob's note stays, alice's are gone


def test_every_member_keyed_table_has_a_data_rights_hook() -> None:
    app = App(Settings(), db=Database("sqlite+aiosqlite://"), clock=ManualClock())
    assert member_keyed_tables(SQLModel.metadata)  # the walk finds the tables it should check
    assert uncovered(SQLModel.metadata, app.data_rights.tables()) == []


def test_the_check_names_a_table_nobody_covers() -> None:
    meta = MetaData()
    Table("members", meta, Column("id", Integer, primary_key=True))
    Table("identities", meta, Column("id", Integer, primary_key=True))
    Table("wishlists", meta, Column("id", Integer, primary_key=True), Column("owner_id", ForeignKey("members.id")))
    Table("sessions", meta, Column("id", Integer, primary_key=True), Column("who", ForeignKey("identities.id")))
    Table("covered", meta, Column("id", Integer, primary_key=True), Column("member_id", ForeignKey("members.id")))
    Table("products", meta, Column("id", Integer, primary_key=True), Column("name", Text))
    assert uncovered(meta, ["covered"]) == ["sessions (who)", "wishlists (owner_id)"]


def test_a_missing_dependency_is_named_when_the_list_is_built() -> None:
    db = Database("sqlite+aiosqlite://")
    with pytest.raises(FeatureError, match="'releases' needs 'feedback'"):
        App(Settings(), db=db, features=[announcements.build, releases.build])
    with pytest.raises(FeatureError, match="installed twice"):
        App(Settings(), db=db, features=[feedback.build, feedback.build])
    assert [f.name for f in App(Settings(), db=db).features] == [
        "points",
        "grades",
        "beta",
        "feedback",
        "faq",
        "announcements",
        "releases",
        "awards",
        "polls",
        "invites",
        "report",
        "mydata",
        "dashboard",
        "core",
    ]
    assert len(DEFAULT_FEATURES) == 14


async def test_a_feature_left_out_is_gone_and_the_rest_works(make_harness: HarnessFactory) -> None:
    with pytest.raises(FeatureError, match="'grades' needs 'grading'"):  # the features built on points say so
        await make_harness(only=[b for b in DEFAULT_FEATURES if b.__module__ != "bot.features.points"])
    on_points = (
        "bot.features.points",
        "bot.features.grades",
        "bot.features.beta",
        "bot.features.awards",
        "bot.features.invites",
    )
    harness = await make_harness(only=[b for b in DEFAULT_FEATURES if b.__module__ not in on_points])
    assert await harness.say("alice: /rank") == ["bot> ⚠ Unknown command /rank. Try /help."]
    out = await harness.say("alice: /idea Dark mode for the settings app", "bob: /vote 1")
    assert out[0].startswith("bot> Thanks alice! Logged your idea as #1")
    assert out[1].startswith("bot> Your vote for #1")
    assert "points_ledger" not in harness.app.data_rights.tables()
