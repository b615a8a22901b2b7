"""The dashboard's FAQ list: entries found by text or flag, with their phrasings counted and
their 👍/👎, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlmodel import col

from storage.faq_tables import FaqEntry, FaqPhrasing, Question
from storage.repositories.base import Repository, icontains
from storage.repositories.questions import QuestionView, question_view


@dataclass(frozen=True, slots=True)
class EntryRow:
    id: int
    question: str
    language: str
    phrasings: int
    helpful_up: int
    helpful_down: int
    flagged: bool


class FaqBoard(Repository):
    async def page(self, text: str | None, flagged: bool, *, limit: int, offset: int) -> tuple[list[EntryRow], int]:
        where: list[ColumnElement[bool]] = []
        if flagged:
            where.append(col(FaqEntry.flagged).is_(True))
        if text:
            said = select(col(FaqPhrasing.entry_id)).where(icontains(col(FaqPhrasing.text), text))
            where.append(
                or_(
                    icontains(col(FaqEntry.question), text),
                    icontains(col(FaqEntry.answer), text),
                    col(FaqEntry.id).in_(said),
                )
            )
        phrasings = (
            select(func.count())
            .where(col(FaqPhrasing.entry_id) == col(FaqEntry.id), col(FaqPhrasing.kind) != "negative")
            .scalar_subquery()
        )
        query = (
            select(FaqEntry, phrasings)
            .where(*where)
            .order_by(col(FaqEntry.flagged).desc(), col(FaqEntry.id))
            .limit(limit)
            .offset(offset)
        )
        async with self.db.session() as s:
            total = int((await s.execute(select(func.count()).select_from(FaqEntry).where(*where))).scalar_one())
            rows = [
                EntryRow(e.id or 0, e.question, e.language, int(n), e.helpful_up, e.helpful_down, e.flagged)
                for e, n in (await s.execute(query)).all()
            ]
            return rows, total

    async def answered(self, *, limit: int) -> list[QuestionView]:
        """Questions fans answered (an accepted answer) that are not in the FAQ yet, newest first."""
        query = (
            select(Question)
            .where(col(Question.status) == "answered", col(Question.learned_entry_id).is_(None))
            .order_by(col(Question.answered_at).desc(), col(Question.id).desc())
            .limit(limit)
        )
        async with self.db.session() as s:
            return [question_view(q) for q in (await s.execute(query)).scalars()]
