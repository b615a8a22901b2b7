"""Fans' questions on the dashboard: who is waiting for an answer, where, and since when."""

from __future__ import annotations

from bot.dashboard.pages import PAGE_SIZE, Page, PageRequest, Panel, Redirect, View
from bot.features.faq.community import CommunityAnswers
from bot.i18n import Domain
from storage.repositories.faq import FaqRepo
from storage.repositories.faq_board import FaqBoard
from storage.repositories.questions import QuestionView

T = Domain("faq")


class FaqViews:
    def __init__(self, faq: FaqRepo, board: FaqBoard, community: CommunityAnswers) -> None:
        self.faq, self.board, self.community = faq, board, community

    def pages(self) -> tuple[Page, ...]:
        return (Page("/questions", self.questions, post=self.learn, nav=lambda lang: T(lang, "Questions"), order=20),)

    def panels(self) -> tuple[Panel, ...]:
        return (Panel("faq-open", self.open_panel, order=15),)

    async def _rows(self, questions: list[QuestionView]) -> list[dict[str, object]]:
        return [
            {"q": a.question, "asker": a.asker or "—", "chat": a.chat, "helper": a.helper or "—"}
            for a in await self.community.asked(questions)
        ]

    async def open_panel(self, req: PageRequest) -> View | None:
        total = await self.faq.open_count()
        if not total:
            return None
        rows = await self._rows(await self.faq.open_questions(limit=6))
        return View("faq/open_panel.html", T(req, "Open questions"), {"rows": rows, "total": total})

    async def questions(self, req: PageRequest) -> View:
        page = req.number("page", 1, high=100_000)
        total = await self.faq.open_count()
        rows = await self._rows(await self.faq.open_questions(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE))
        values = {
            "rows": rows,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "answered": await self._rows(await self.board.answered(limit=20)) if page == 1 else [],
        }
        return View("faq/questions.html", T(req, "Questions"), values)

    async def learn(self, req: PageRequest) -> Redirect:
        """Turn a question fans answered into an entry (as /questions learn N)."""
        number = req.number("question")
        return Redirect("/questions", await req.perform(f"/questions learn {number}"))
