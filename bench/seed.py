"""What benchmarks start from: fan channels, a small real-looking FAQ, and (grown) a community's
years of data — 50k members, 100k ledger rows, 20k feedback items, 5k FAQ entries — bulk-inserted."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from storage.db import Database
from storage.faq_tables import FaqEntry
from storage.feedback_tables import FeedbackItem
from storage.models import Identity, Member
from storage.points_tables import Balance, LedgerRow
from storage.repositories.chats import ChatRepo
from storage.repositories.faq import FaqRepo

#: (question, answer, a fan's paraphrase)
FAQ = [
    (
        "How do I unlock the bootloader?",
        "Apply in Settings > Mi Unlock status, wait 7 days.",
        "how can i unlock my bootloader?",
    ),
    ("How do I take a screenshot?", "Press power and volume down together.", "how to screenshot on this phone?"),
    ("How do I reset the phone?", "Settings > About phone > Factory reset.", "how do i factory reset it?"),
    (
        "Why does the battery drain fast?",
        "Check Settings > Battery for apps using it.",
        "why is my battery draining so fast?",
    ),
    ("How do I turn on dark mode?", "Settings > Display > Dark mode.", "where is the dark mode switch?"),
    ("How do I update the system?", "Settings > About phone > System update.", "how do i install the latest update?"),
    (
        "How do I back up my photos?",
        "Settings > Backup & restore, or the Gallery's cloud sync.",
        "how can i backup my pictures?",
    ),
    (
        "How do I change the boot animation?",
        "The Themes app has a boot animation section.",
        "can i change the boot animation?",
    ),
]
WORDS = "camera battery update screen launcher theme gesture widget night photo video music charge wifi gallery".split()


async def grow(app: Any, chats: list[int], grown: bool) -> dict[str, int]:
    now = datetime.now(UTC)
    repo = ChatRepo(app.db)
    for chat in chats:
        await repo.ensure("telegram", str(chat), title="fans", kind="fan", community_id=str(chat), now=now)
    faq = FaqRepo(app.db)
    if not await faq.all():
        for question, answer, _ in FAQ:
            await faq.add(question, answer, [], "en", now)
    if not grown:
        return {"faq": len(FAQ)}
    rng = random.Random(3)
    async with app.db.session() as s:
        await s.execute(insert(Member), [{"display_name": f"Old{i}", "created_at": now} for i in range(50_000)])
        rows = [
            {
                "member_id": i + 1,
                "platform": "telegram",
                "user_id": str(900_000_000 + i),
                "username": f"old{i}",
                "display_name": f"Old{i}",
                "first_seen": now - timedelta(days=400),
                "last_seen": now - timedelta(days=rng.randrange(400)),
                "dm_open": False,
            }
            for i in range(50_000)
        ]
        await s.execute(insert(Identity), rows)
        ledger = [
            {
                "member_id": (i % 50_000) + 1,
                "origin_member_id": (i % 50_000) + 1,
                "amount": 1,
                "kind": "message",
                "reason": "chat message",
                "source_key": f"seed:{i}",
                "created_at": now - timedelta(minutes=i),
            }
            for i in range(100_000)
        ]
        await s.execute(insert(LedgerRow), ledger)
        await s.execute(insert(Balance), [{"member_id": m + 1, "balance": 2} for m in range(50_000)])
        items = []
        for i in range(20_000):
            text = f"{rng.choice(['please add', 'it would be great if', 'bug:'])} " + " ".join(
                rng.choice(WORDS) for _ in range(8)
            )
            at = now - timedelta(hours=i)
            items.append(
                {
                    "kind": "idea",
                    "title": text[:80],
                    "text": text,
                    "status": rng.choice(["new", "acknowledged", "planned", "shipped", "declined"]),
                    "submitter_id": rng.randrange(50_000) + 1,
                    "platform": "telegram",
                    "chat_id": str(chats[0]),
                    "source_key": f"seed:{i}",
                    "votes": rng.randrange(30),
                    "created_at": at,
                    "status_changed_at": at,
                }
            )
        await s.execute(insert(FeedbackItem), items)
        entries = [
            {
                "question": f"How do I {rng.choice(WORDS)} the {rng.choice(WORDS)} with {rng.choice(WORDS)} {i}?",
                "answer": "Open Settings and look for it.",
                "language": "en",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(5_000)
        ]
        await s.execute(insert(FaqEntry), entries)
        await s.commit()
    return {"members": 50_000, "ledger": 100_000, "feedback": 20_000, "faq": 5_000 + len(FAQ)}


async def pg_execute(url: str, statement: str) -> None:
    """One statement on a PostgreSQL database (a benchmark's throwaway schema, made and dropped)."""
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.execute(text(statement))
    await db.dispose()
