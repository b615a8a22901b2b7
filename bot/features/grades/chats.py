"""Grade-gated chats (``[points] grade_chats``): their invite link asks for approval, and the bot
approves the requests of members at the chat's grade or above and declines the others, telling
each why in private. Linked accounts count as one member: points earned on Discord open the door
of a Telegram chat."""

from __future__ import annotations

from bot.context import Admission, Context
from bot.contracts import Grading
from bot.i18n import Domain, number
from bot.replies import say
from bot.settings import PointsSettings

T = Domain("grades")


class GradeChats:
    def __init__(self, grading: Grading, settings: PointsSettings) -> None:
        self.grading, self.settings = grading, settings

    async def admit(self, ctx: Context) -> Admission | None:
        need = self.settings.grade_chats.get(ctx.chat.key)
        required = next((g for g in self.grading.grades if g.name == need), None)
        if required is None:
            return None  # not a chat this feature guards
        balance = (await self.grading.balances([ctx.member.member_id]))[ctx.member.member_id]
        mine = self.grading.grade_for(balance)
        chat = ctx.chat.title or ctx.chat.chat_id
        if balance >= required.threshold:
            return Admission(True, say(T(ctx, "Welcome to {chat}! It's for {grade} and up, and you're {mine}.",
                                         chat=chat, grade=required.name, mine=mine.name)))  # fmt: skip
        text = T(
            ctx,
            "{chat} is for {grade} and up. You're {mine} with {points} points — {left} to go. /rank shows what "
            "counts; ask again once you're there.",
            chat=chat,
            grade=required.name,
            mine=mine.name,
            points=number(ctx, balance),
            left=number(ctx, required.threshold - balance),
        )
        return Admission(False, say(text))
