"""Fans' questions the FAQ did not answer (or answered, and fans may still answer better), the
replies fans gave, and the one the asker accepted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.faq_tables import Question, QuestionReply
from storage.repositories.base import Repository, insert_for, rowcount, saved_once


@dataclass(frozen=True, slots=True)
class QuestionView:
    id: int
    platform: str
    chat_id: str
    message_id: str
    asker_member_id: int
    text: str
    status: str
    created_at: datetime
    answer_text: str | None
    answerer_member_id: int | None


def question_view(q: Question) -> QuestionView:
    assert q.id is not None
    return QuestionView(
        q.id,
        q.platform,
        q.chat_id,
        q.message_id,
        q.asker_member_id,
        q.text,
        q.status,
        q.created_at,
        q.answer_text,
        q.answerer_member_id,
    )


#: questions fans may answer (and the asker accept): nobody answered, or only the FAQ did
ANSWERABLE = ("open", "faq")


class Questions(Repository):
    async def open_question(
        self,
        platform: str,
        chat_id: str,
        thread_id: str | None,
        message_id: str,
        asker_member_id: int,
        text: str,
        at: datetime,
        status: str = "open",
    ) -> None:
        """A fan's question: "open" (nobody answered), or "faq" (the FAQ did, and fans may still
        answer better: the asker can accept theirs). Written in the group commit (the events in
        flight share one transaction); a message handled again adds nothing."""
        row = {
            "platform": platform,
            "chat_id": chat_id,
            "thread_id": thread_id,
            "message_id": message_id,
            "asker_member_id": asker_member_id,
            "text": text[:4000],
            "created_at": at,
            "status": status,
        }

        async def write(s: AsyncSession) -> None:
            await s.execute(insert_for(s, Question).values(row).on_conflict_do_nothing())

        await self.db.group.run(write)

    async def question_by_message(self, platform: str, chat_id: str, message_id: str) -> QuestionView | None:
        async with self.db.session() as s:
            q = (
                await s.execute(
                    select(Question).where(
                        col(Question.platform) == platform,
                        col(Question.chat_id) == chat_id,
                        col(Question.message_id) == message_id,
                    )
                )
            ).scalar_one_or_none()
            return question_view(q) if q else None

    async def add_reply(
        self,
        question_id: int,
        platform: str,
        chat_id: str,
        message_id: str,
        author_member_id: int,
        text: str,
        at: datetime,
    ) -> None:
        async with self.db.session() as s:
            s.add(
                QuestionReply(
                    question_id=question_id,
                    platform=platform,
                    chat_id=chat_id,
                    message_id=message_id,
                    author_member_id=author_member_id,
                    text=text[:4000],
                    created_at=at,
                )
            )
            await saved_once(s)

    async def reply_by_message(self, platform: str, chat_id: str, message_id: str) -> QuestionReply | None:
        async with self.db.session() as s:
            return (
                await s.execute(
                    select(QuestionReply).where(
                        col(QuestionReply.platform) == platform,
                        col(QuestionReply.chat_id) == chat_id,
                        col(QuestionReply.message_id) == message_id,
                    )
                )
            ).scalar_one_or_none()

    async def accept(self, question_id: int, reply: QuestionReply, at: datetime) -> bool:
        """Close a question with an accepted reply; False if it was already answered."""
        async with self.db.session() as s:
            result = await s.execute(
                update(Question)
                .where(col(Question.id) == question_id, col(Question.status).in_(ANSWERABLE))
                .values(
                    status="answered", answered_at=at, answer_text=reply.text, answerer_member_id=reply.author_member_id
                )
            )
            await s.commit()
            return rowcount(result) == 1

    async def question(self, question_id: int) -> QuestionView | None:
        async with self.db.session() as s:
            q = await s.get(Question, question_id)
            return question_view(q) if q else None

    async def mark_learned(self, question_id: int, entry_id: int) -> None:
        async with self.db.session() as s:
            await s.execute(update(Question).where(col(Question.id) == question_id).values(learned_entry_id=entry_id))
            await s.commit()

    async def open_questions(self, limit: int = 10, offset: int = 0) -> list[QuestionView]:
        """Open questions, the longest waiting first."""
        async with self.db.session() as s:
            rows = (
                await s.execute(
                    select(Question)
                    .where(col(Question.status) == "open")
                    .order_by(col(Question.created_at), col(Question.id))
                    .limit(limit)
                    .offset(offset)
                )
            ).scalars()
            return [question_view(q) for q in rows]

    async def open_count(self) -> int:
        async with self.db.session() as s:
            query = select(func.count()).select_from(Question).where(col(Question.status) == "open")
            return int((await s.execute(query)).scalar_one())
