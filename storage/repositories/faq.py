"""FAQ entries and phrasings, posted answers and their ratings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.faq_tables import FaqEntry, FaqFeedback, FaqPhrasing, FaqPost, Question
from storage.repositories.base import is_unique_violation, rowcount, saved_once
from storage.repositories.questions import Questions


@dataclass(frozen=True, slots=True)
class NewPost:
    """The bot answering a fan's question with an FAQ entry (what 👍/👎 later rate)."""

    entry_id: int
    platform: str
    chat_id: str
    question_message_id: str
    question_text: str
    asker_member_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class EntryView:
    id: int
    question: str
    answer: str
    tags: tuple[str, ...]
    language: str
    alternates: tuple[str, ...]
    negatives: tuple[str, ...]
    helpful_up: int
    helpful_down: int
    flagged: bool


class FaqRepo(Questions):
    """FAQ entries, phrasings, posted answers and their ratings; fans' questions come from Questions."""

    # -- entries ---------------------------------------------------------------------------
    async def add(
        self,
        question: str,
        answer: str,
        tags: list[str],
        language: str,
        at: datetime,
        alternates: list[str] | None = None,
    ) -> int:
        async with self.db.session() as s:
            entry = FaqEntry(
                question=question[:500],
                answer=answer,
                tags=",".join(tags)[:200],
                language=language,
                created_at=at,
                updated_at=at,
            )
            s.add(entry)
            await s.flush()
            assert entry.id is not None
            for text in dict.fromkeys(alternates or []):
                s.add(FaqPhrasing(entry_id=entry.id, text=text[:500], kind="alternate", created_at=at))
            await s.commit()
            return entry.id

    async def asking(self, question: str) -> int | None:
        """The entry whose canonical question is ``question`` (ignoring case and surrounding space)."""
        async with self.db.session() as s:
            found = await s.execute(
                select(col(FaqEntry.id))
                .where(func.lower(col(FaqEntry.question)) == question.strip()[:500].lower())
                .order_by(col(FaqEntry.id))
                .limit(1)
            )
            value = found.scalar()
            return int(value) if value is not None else None

    async def upsert(
        self, question: str, answer: str, alternates: list[str], tags: list[str], language: str, at: datetime
    ) -> tuple[int, bool]:
        """Add an entry, or update the one with the same question; returns (id, created)."""
        async with self.db.session() as s:
            existing = (
                await s.execute(select(FaqEntry).where(col(FaqEntry.question) == question[:500]))
            ).scalar_one_or_none()
            if existing is None or existing.id is None:
                created = True
                entry = FaqEntry(
                    question=question[:500],
                    answer=answer,
                    tags=",".join(tags)[:200],
                    language=language,
                    created_at=at,
                    updated_at=at,
                )
                s.add(entry)
                await s.flush()
            else:
                created = False
                entry = existing
                entry.answer, entry.tags, entry.language, entry.updated_at = answer, ",".join(tags)[:200], language, at
            assert entry.id is not None
            have = set(
                (await s.execute(select(col(FaqPhrasing.text)).where(col(FaqPhrasing.entry_id) == entry.id))).scalars()
            )
            for text in dict.fromkeys(alternates):
                if text[:500] not in have:
                    s.add(FaqPhrasing(entry_id=entry.id, text=text[:500], kind="alternate", created_at=at))
            await s.commit()
            return entry.id, created

    async def get(self, entry_id: int) -> EntryView | None:
        async with self.db.session() as s:
            entry = await s.get(FaqEntry, entry_id)
            if entry is None:
                return None
            phrasings = (
                (
                    await s.execute(
                        select(FaqPhrasing).where(col(FaqPhrasing.entry_id) == entry_id).order_by(col(FaqPhrasing.id))
                    )
                )
                .scalars()
                .all()
            )
            return self._view(entry, list(phrasings))

    @staticmethod
    def _view(e: FaqEntry, phrasings: list[FaqPhrasing]) -> EntryView:
        assert e.id is not None
        return EntryView(
            e.id,
            e.question,
            e.answer,
            tuple(t for t in e.tags.split(",") if t),
            e.language,
            tuple(p.text for p in phrasings if p.kind != "negative"),
            tuple(p.text for p in phrasings if p.kind == "negative"),
            e.helpful_up,
            e.helpful_down,
            e.flagged,
        )

    async def all(self) -> list[EntryView]:
        async with self.db.session() as s:
            entries = (await s.execute(select(FaqEntry).order_by(col(FaqEntry.id)))).scalars().all()
            phrasings = (await s.execute(select(FaqPhrasing).order_by(col(FaqPhrasing.id)))).scalars().all()
        by_entry: dict[int, list[FaqPhrasing]] = {}
        for p in phrasings:
            by_entry.setdefault(p.entry_id, []).append(p)
        return [self._view(e, by_entry.get(e.id or 0, [])) for e in entries]

    async def update(
        self, entry_id: int, at: datetime, *, answer: str | None = None, question: str | None = None
    ) -> bool:
        values: dict[str, object] = {"updated_at": at}
        if answer is not None:
            values["answer"] = answer
        if question is not None:
            values["question"] = question[:500]
        async with self.db.session() as s:
            result = await s.execute(update(FaqEntry).where(col(FaqEntry.id) == entry_id).values(**values))
            await s.commit()
            return rowcount(result) == 1

    async def add_phrasing(self, entry_id: int, text: str, kind: str, at: datetime) -> bool:
        async with self.db.session() as s:
            s.add(FaqPhrasing(entry_id=entry_id, text=text[:500], kind=kind, created_at=at))
            return await saved_once(s)

    async def remove(self, entry_id: int) -> bool:
        async with self.db.session() as s:
            posts = select(col(FaqPost.id)).where(col(FaqPost.entry_id) == entry_id)
            await s.execute(delete(FaqFeedback).where(col(FaqFeedback.post_id).in_(posts)))
            await s.execute(delete(FaqPost).where(col(FaqPost.entry_id) == entry_id))
            await s.execute(delete(FaqPhrasing).where(col(FaqPhrasing.entry_id) == entry_id))
            await s.execute(
                update(Question).where(col(Question.learned_entry_id) == entry_id).values(learned_entry_id=None)
            )
            result = await s.execute(delete(FaqEntry).where(col(FaqEntry.id) == entry_id))
            await s.commit()
            return rowcount(result) == 1

    # -- posts and helpfulness ---------------------------------------------------------------
    async def record_post(self, post: NewPost) -> int:
        async with self.db.session() as s:
            post_id = await _add_post(s, post)
            await s.commit()
            return post_id

    async def answer_once(
        self, post: NewPost, *, repeat_since: datetime | None
    ) -> tuple[tuple[str, str, str] | None, int | None]:
        """Record that the bot answers with ``post.entry_id`` here, unless it did since
        ``repeat_since`` (None: whenever it did): ``((question, answer, language), post id)``; the
        post id is None when it answered recently, the entry None when it is gone. In the group
        commit: answers in flight share one transaction, each seeing those before it."""
        entry_id = post.entry_id

        async def work(s: AsyncSession) -> tuple[tuple[str, str, str] | None, int | None]:
            entry = (
                await s.execute(
                    select(col(FaqEntry.question), col(FaqEntry.answer), col(FaqEntry.language)).where(
                        col(FaqEntry.id) == entry_id
                    )
                )
            ).one_or_none()
            if entry is None:
                return None, None
            if repeat_since is not None:
                recent = await s.execute(
                    select(col(FaqPost.id))
                    .where(
                        col(FaqPost.entry_id) == entry_id,
                        col(FaqPost.platform) == post.platform,
                        col(FaqPost.chat_id) == post.chat_id,
                        col(FaqPost.posted_at) >= repeat_since,
                    )
                    .limit(1)
                )
                if recent.first() is not None:
                    return (entry[0], entry[1], entry[2]), None
            post_id = await _add_post(s, post)
            return (entry[0], entry[1], entry[2]), post_id

        return await self.db.group.run(work)

    async def post(self, post_id: int) -> FaqPost | None:
        async with self.db.session() as s:
            return await s.get(FaqPost, post_id)

    async def rate(self, post_id: int, member_id: int, helpful: bool, at: datetime) -> tuple[int, int] | None:
        """Count one 👍/👎 per member per answer; returns the entry's (up, down), None if already rated."""
        async with self.db.session() as s:
            post = await s.get(FaqPost, post_id)
            if post is None:
                return None
            s.add(FaqFeedback(post_id=post_id, member_id=member_id, helpful=helpful, at=at))
            try:
                await s.flush()
            except IntegrityError as exc:
                await s.rollback()
                if not is_unique_violation(exc):
                    raise
                return None
            column = FaqEntry.helpful_up if helpful else FaqEntry.helpful_down
            await s.execute(update(FaqEntry).where(col(FaqEntry.id) == post.entry_id).values({column: col(column) + 1}))
            entry = await s.get(FaqEntry, post.entry_id)
            assert entry is not None
            await s.refresh(entry)
            await s.commit()
            return entry.helpful_up, entry.helpful_down

    async def reset(self, entry_id: int) -> bool:
        """Forget an entry's ratings: 👍/👎 counts, the askers' 👎 questions, the flag (and the
        ratings of its answers, so fans can rate them again)."""
        async with self.db.session() as s:
            posts = select(col(FaqPost.id)).where(col(FaqPost.entry_id) == entry_id)
            await s.execute(delete(FaqFeedback).where(col(FaqFeedback.post_id).in_(posts)))
            await s.execute(
                delete(FaqPhrasing).where(col(FaqPhrasing.entry_id) == entry_id, col(FaqPhrasing.kind) == "negative")
            )
            done = await s.execute(
                update(FaqEntry).where(col(FaqEntry.id) == entry_id).values(helpful_up=0, helpful_down=0, flagged=False)
            )
            await s.commit()
            return rowcount(done) == 1

    async def flag(self, entry_id: int) -> bool:
        """Mark an entry for review; True only the first time (so managers are told once)."""
        async with self.db.session() as s:
            result = await s.execute(
                update(FaqEntry)
                .where(col(FaqEntry.id) == entry_id, col(FaqEntry.flagged).is_(False))
                .values(flagged=True)
            )
            await s.commit()
            return rowcount(result) == 1


async def _add_post(s: AsyncSession, post: NewPost) -> int:
    row = FaqPost(
        entry_id=post.entry_id,
        platform=post.platform,
        chat_id=post.chat_id,
        question_message_id=post.question_message_id,
        question_text=post.question_text[:4000],
        asker_member_id=post.asker_member_id,
        posted_at=post.at,
    )
    s.add(row)
    await s.flush()
    assert row.id is not None
    return row.id
