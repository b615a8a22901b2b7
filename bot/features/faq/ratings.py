"""What fans' 👍/👎 do to an entry: thanks to the rater; the asker's 👎 is remembered with their
question (enough askers alike, and the entry is lowered for questions like theirs); repeated 👎
flag the entry to the managers once; /faq reset starts the ratings over."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands import CommandError
from bot.context import Context
from bot.i18n import N_, SOURCE, Domain, Where
from bot.replies import Outgoing, Reply, say

if TYPE_CHECKING:
    from bot.features.faq.service import FaqService

T = Domain("faq")


class Ratings:
    def __init__(self, faq: FaqService) -> None:
        self.faq = faq

    async def rate(self, ctx: Context, payload: str) -> list[Reply | Outgoing]:
        post_id, _, value = payload.partition(":")
        post = await self.faq.repo.post(int(post_id))
        if post is None:
            raise CommandError(T(ctx, "That answer is gone."))
        helpful = value == "1"
        counts = await self.faq.repo.rate(post.id or 0, ctx.member.member_id, helpful, ctx.now)
        if counts is None:
            return [say(T(ctx, "You already rated that answer."), private=True)]
        thanks = N_("Thanks for the feedback!") if helpful else N_("Sorry it didn't help — noted.")
        replies: list[Reply | Outgoing] = [say(T(ctx, thanks), private=True)]
        if not helpful and post.asker_member_id == ctx.member.member_id:
            # the asker says it was the wrong answer to their question: once enough askers agree,
            # the entry is lowered for questions like theirs (MatchIndex.demotion)
            await self.faq.repo.add_phrasing(post.entry_id, post.question_text, "negative", ctx.now)
            await self.faq.index.add_negative(post.entry_id, post.question_text)
        up, down = counts
        if down >= self.faq.settings.flag_after_downvotes and down > up and await self.faq.repo.flag(post.entry_id):
            entry = await self.faq.entry(post.entry_id)
            alert = say(
                T(
                    self.faq.language,
                    "⚑ FAQ #{number} “{question}” got {down} 👎 and {up} 👍 — please review it (/faq show {number}, "
                    "/faq edit {number} ANSWER).",
                    number=entry.id,
                    question=entry.question,
                    down=down,
                    up=up,
                )
            )
            if self.faq.notices is not None:  # their chats, else kept for /setup
                await self.faq.notices.tell(alert.plain())
        return replies

    async def reset(self, entry_id: int, where: Where = SOURCE) -> Reply:
        """/faq reset N: the entry's ratings start over (a manager fixed its answer, or disagrees)."""
        entry = await self.faq.entry(entry_id, where)
        await self.faq.repo.reset(entry.id)
        await self.faq.index.clear_negatives(entry.id)
        return say(
            T(
                where,
                "FAQ #{number}'s ratings start over: 👍 and 👎 counts, the {count} questions askers said it "
                "answered wrongly, and its flag are cleared.",
                number=entry.id,
                count=len(entry.negatives),
            )
        )
