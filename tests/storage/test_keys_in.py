"""Looking rows up by many composite keys at once uses the unique index, on both databases: the
hot path's batched statements (events finished, members seen) cost the same at any table size."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select, text

from storage.db import Database
from storage.models import ProcessedEvent
from storage.repositories.base import keys_in

T = ProcessedEvent.__table__.c  # type: ignore[attr-defined]


async def test_the_rows_of_exactly_these_keys_are_found(db: Database) -> None:
    now = datetime.now(UTC)
    rows = [
        {"platform": "telegram", "chat_id": str(i % 7), "message_id": str(i), "status": "done", "claimed_by": "w",
         "claimed_at": now, "attempts": 1}
        for i in range(300)
    ]  # fmt: skip
    async with db.session() as s:
        await s.execute(insert(ProcessedEvent), rows)
        await s.commit()
    for n in (1, 2, 3, 5, 100, 300):  # padded to 1, 2, 4, 8, 128, 512 keys
        keys = [("telegram", str(i % 7), str(i)) for i in range(0, 3 * n, 3) if i < 300]
        keys += [("telegram", "0", "no such message")]
        async with db.session() as s:
            found = await s.execute(select(T.message_id).where(keys_in((T.platform, T.chat_id, T.message_id), keys)))
            assert sorted(found.scalars()) == sorted(k[2] for k in keys[:-1])


async def test_sqlite_searches_the_index_instead_of_scanning_the_table(sqlite_db: Database) -> None:
    keys = [("telegram", "1", "10"), ("telegram", "2", "20"), ("discord", "3", "30")]
    query = select(T.status).where(keys_in((T.platform, T.chat_id, T.message_id), keys))
    sql = str(query.compile(sqlite_db.engine, compile_kwargs={"literal_binds": True}))
    async with sqlite_db.session() as s:
        plan = " ".join(str(r[-1]) for r in (await s.execute(text("EXPLAIN QUERY PLAN " + sql))).all())
    assert "USING" in plan and "INDEX" in plan and "SCAN" not in plan, plan
