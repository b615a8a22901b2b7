"""FAQ data rights: questions asked and answered, 👍/👎 given, the questions the bot answered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlmodel import col

from storage.db import Tx
from storage.faq_tables import FaqFeedback, FaqPost, Question, QuestionReply
from storage.rights.core import iso

if TYPE_CHECKING:
    from storage.rights import Forget

TABLES = ("questions", "question_replies", "faq_feedback", "faq_posts")


async def export(tx: Tx, member_id: int) -> dict[str, Any]:
    questions = (await tx.execute(select(Question).where(col(Question.asker_member_id) == member_id))).scalars()
    replies = (
        await tx.execute(select(QuestionReply).where(col(QuestionReply.author_member_id) == member_id))
    ).scalars()
    return {
        "questions": [
            {"text": q.text, "status": q.status, "asked_at": iso(q.created_at), "accepted_answer": q.answer_text}
            for q in questions
        ],
        "answers": [{"question": r.question_id, "text": r.text, "at": iso(r.created_at)} for r in replies],
    }


async def forget(tx: Tx, req: Forget) -> dict[str, int]:
    member_id = req.member_id
    await tx.execute(delete(FaqFeedback).where(col(FaqFeedback.member_id) == member_id))
    await tx.execute(delete(QuestionReply).where(col(QuestionReply.author_member_id) == member_id))
    asked = select(col(Question.id)).where(col(Question.asker_member_id) == member_id)
    await tx.execute(delete(QuestionReply).where(col(QuestionReply.question_id).in_(asked)))
    await tx.execute(delete(Question).where(col(Question.asker_member_id) == member_id))
    await tx.execute(
        update(Question)
        .where(col(Question.answerer_member_id) == member_id)
        .values(answerer_member_id=None, answer_text=None)
    )
    await tx.execute(update(FaqPost).where(col(FaqPost.asker_member_id) == member_id).values(question_text=""))
    return {}
