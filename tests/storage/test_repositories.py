"""Repository behaviour on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlmodel import SQLModel

import storage.tables  # noqa: F401
from bot.clock import ManualClock
from storage.db import Database
from storage.migrate import current_revision, head_revision, upgrade
from storage.repositories import AuditRepo, ChatRepo, ClaimResult, EventRepo, MemberRepo


async def test_migrations_reach_head_and_match_the_models(db: Database) -> None:
    assert await current_revision(db) == head_revision()

    def diff(conn: Connection) -> list[object]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, SQLModel.metadata))

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_members_are_created_once_even_when_two_workers_race(db: Database, clock: ManualClock) -> None:
    repo = MemberRepo(db)
    views = await asyncio.gather(*(repo.ensure("telegram", "42", "Alice", "alice", clock.now()) for _ in range(5)))
    assert len({v.member_id for v in views}) == 1
    assert await repo.count() == 1
    found = await repo.find("telegram", username="ALICE")
    assert found is not None and found.member_id == views[0].member_id
    assert await repo.find("telegram", user_id="nobody") is None


async def test_members_are_created_once_when_two_processes_race(db: Database, clock: ManualClock) -> None:
    """Each process's group commit inserts the member; the identity's key decides, and the loser's
    spare member row goes."""
    other = Database(db.url, connect_args=db.connect_args)  # a second process on the same database
    try:
        for round_ in range(5):
            user_id = f"race{round_}"
            views = await asyncio.gather(
                *(MemberRepo(d).ensure("telegram", user_id, "Bea", None, clock.now()) for d in (db, other, db, other))
            )
            assert len({v.member_id for v in views}) == 1
        assert await MemberRepo(db).count() == 5
    finally:
        await other.dispose()


async def test_member_names_follow_the_platform(db: Database, clock: ManualClock) -> None:
    repo = MemberRepo(db)
    first = await repo.ensure("discord", "1", "Old", None, clock.now())
    again = await repo.ensure("discord", "1", "New name", "newname", clock.now())
    assert again.member_id == first.member_id and again.display_name == "New name"
    await repo.set_dm_open("discord", "1", True)
    assert (await repo.identities(first.member_id))[0].dm_open is True


async def test_event_claims(db: Database, clock: ManualClock) -> None:
    repo = EventRepo(db)
    lease = timedelta(seconds=30)
    results = await asyncio.gather(*(repo.claim("telegram", "-1", "5", f"w{i}", clock.now(), lease) for i in range(4)))
    assert sorted(results) == sorted([ClaimResult.CLAIMED] + [ClaimResult.BUSY] * 3)
    await repo.finish("telegram", "-1", "5", clock.now())
    assert await repo.claim("telegram", "-1", "5", "w9", clock.now(), lease) is ClaimResult.DONE
    # the same message id in another chat is another event
    assert await repo.claim("telegram", "-2", "5", "w9", clock.now(), lease) is ClaimResult.CLAIMED
    await repo.release("telegram", "-2", "5", "w9")
    assert await repo.claim("telegram", "-2", "5", "w1", clock.now(), lease) is ClaimResult.CLAIMED
    clock.advance(timedelta(days=2))
    assert await repo.prune(clock.now() - timedelta(days=1)) == 1


async def test_chats_and_audit(db: Database, clock: ManualClock) -> None:
    chats = ChatRepo(db)
    await chats.ensure("telegram", "-5", title="Fans", kind="other", community_id="-5", now=clock.now())
    await chats.set_kind("telegram", "-5", "announcement")
    await chats.mark_unreachable("telegram", "-5", "bot was kicked")
    await chats.migrate("telegram", "-5", "-1005")
    [chat] = await chats.by_kind("announcement")
    assert (chat.chat_id, chat.reachable, chat.unreachable_reason) == ("-1005", False, "bot was kicked")

    audit = AuditRepo(db)
    await audit.record(
        at=clock.now(),
        actor="telegram:1",
        actor_member_id=None,
        action="x",
        target="#1",
        args={"n": 1},
        reason="why",
    )
    clock.advance(1)
    await audit.record(at=clock.now(), actor="telegram:1", actor_member_id=None, action="y", target="#2")
    assert [e.action for e in await audit.recent()] == ["y", "x"]
    [entry] = await audit.recent(target="#1")
    assert entry.args == {"n": 1} and entry.reason == "why" and entry.at.tzinfo is not None


@pytest.mark.postgres
async def test_processes_starting_together_on_a_fresh_postgres_all_come_up(pg_schema: str) -> None:
    import uuid

    from sqlalchemy import text as sql

    from tests.conftest import _pg_url, pg_database

    url = _pg_url()
    assert url is not None
    schema = f"fresh_{uuid.uuid4().hex[:8]}"
    admin = Database(url)
    async with admin.engine.begin() as conn:
        await conn.execute(sql(f'CREATE SCHEMA "{schema}"'))
    dbs = [pg_database(url, schema) for _ in range(3)]
    try:
        await asyncio.gather(*(upgrade(d) for d in dbs))  # three processes, one fresh database
        assert {await current_revision(d) for d in dbs} == {head_revision()}
    finally:
        for d in dbs:
            await d.dispose()
        async with admin.engine.begin() as conn:
            await conn.execute(sql(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
