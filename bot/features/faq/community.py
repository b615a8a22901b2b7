"""Fans answering fans: the asker accepts the answer that helped (/accept, which pays the helper),
a manager turns an accepted answer into an FAQ entry (/faq learn), and /questions open lists what
still waits for an answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.commands import CommandError, Role
from bot.context import Context
from bot.events import IncomingMessage
from bot.i18n import Domain, elapsed
from bot.replies import BR, Mention, Reply, Segment, Text, say
from storage.repositories.questions import QuestionView

if TYPE_CHECKING:
    from bot.features.faq.service import FaqService

T = Domain("faq")


@dataclass(frozen=True, slots=True)
class Asked:
    question: QuestionView
    asker: str | None
    chat: str
    helper: str | None


class CommunityAnswers:
    def __init__(self, faq: FaqService) -> None:
        self.faq = faq

    async def accept(self, ctx: Context) -> list[Reply]:
        event = ctx.event
        if not isinstance(event, IncomingMessage) or not event.reply_to_id:
            raise CommandError(T(ctx, "Reply /accept to the answer that helped you."))
        platform, chat_id = str(ctx.chat.platform), ctx.chat.chat_id
        reply = await self.faq.repo.reply_by_message(platform, chat_id, event.reply_to_id)
        if reply is None:
            raise CommandError(T(ctx, "That message isn't an answer to an open question."))
        question = await self.faq.repo.question(reply.question_id)
        assert question is not None
        if question.asker_member_id != ctx.member.member_id and ctx.role < Role.MANAGER:
            raise CommandError(T(ctx, "Only the fan who asked (or a manager) can accept an answer."))
        if reply.author_member_id == ctx.member.member_id:
            raise CommandError(T(ctx, "You can't accept your own answer."))
        if not await self.faq.repo.accept(question.id, reply, ctx.now):
            raise CommandError(T(ctx, "That question already has an accepted answer."))
        who = await self.faq.members.identity_on(reply.author_member_id, platform)
        helper: Segment | str = (
            Mention(who.platform, who.user_id, who.display_name) if who else T(ctx, "a former member")
        )
        points = self.faq.points
        amount = points.amount("answer") if points is not None else 0
        if amount and points is not None and await points.answers_left_today(reply.author_member_id, ctx.now) > 0:
            thanks = T.seg(
                ctx,
                "✅ Answer accepted — thanks, {who}! +{points} points. Managers can turn it into a FAQ entry with "
                "/faq learn (reply to the answer).",
                who=helper,
                points=str(amount),
            )
            await points.credit(
                ctx,
                reply.author_member_id,
                amount,
                "answer",
                f"answer to question {question.id}",
                f"answer:{question.id}",
            )
            return [say(*thanks)]
        if amount:  # accepted all the same; the points stop for the day (no ask-and-accept farming)
            thanks = T.seg(
                ctx,
                "✅ Answer accepted — thanks, {who}! No points for this one: that's today's limit of accepted "
                "answers that earn points.",
                who=helper,
            )
        else:
            thanks = T.seg(ctx, "✅ Answer accepted — thanks, {who}!", who=helper)
        return [say(*thanks)]

    async def learn(self, ctx: Context, override: str | None) -> Reply:
        """/faq learn, replying to an accepted answer."""
        event = ctx.event
        if not isinstance(event, IncomingMessage) or not event.reply_to_id:
            raise CommandError(T(ctx, "Reply /faq learn to an accepted answer."))
        reply = await self.faq.repo.reply_by_message(str(ctx.chat.platform), ctx.chat.chat_id, event.reply_to_id)
        question = await self.faq.repo.question(reply.question_id) if reply else None
        if reply is None or question is None or question.status != "answered":
            raise CommandError(T(ctx, "That isn't an accepted answer. The asker accepts it first with /accept."))
        return await self._learn(ctx, question, question.answer_text or reply.text, override)

    async def learn_question(self, ctx: Context, number: int, override: str | None) -> Reply:
        """/questions learn N: the same, by the question's number (the dashboard's button)."""
        question = await self.faq.repo.question(number)
        if question is None or question.status != "answered" or not question.answer_text:
            raise CommandError(
                T(
                    ctx,
                    "Question {number} has no accepted answer yet (the asker accepts one with /accept).",
                    number=number,
                )
            )
        return await self._learn(ctx, question, question.answer_text, override)

    async def _learn(self, ctx: Context, question: QuestionView, answer: str, override: str | None) -> Reply:
        q_text = question.text
        if override:
            q_new, sep, a_new = override.partition("|")
            if not sep or not q_new.strip() or not a_new.strip():
                raise CommandError(T(ctx, "Usage: /faq learn [QUESTION | ANSWER] (reply to the accepted answer)"))
            q_text, answer = q_new.strip(), a_new.strip()
        entry_id = await self.faq.repo.add(q_text, answer, ["community"], "", ctx.now, alternates=[question.text])
        await self.faq.repo.mark_learned(question.id, entry_id)
        await self.faq._reindex(entry_id, ctx)
        return say(
            T(
                ctx,
                "Added FAQ #{number} from the community's answer. Edit it with /faq edit {number} ANSWER.",
                number=entry_id,
            )
        )

    async def asked(self, questions: list[QuestionView]) -> list[Asked]:
        """Who asked each question, in which chat, and who answered it (names None when forgotten)."""
        members = self.faq.members
        names = await members.names([q.asker_member_id for q in questions])
        helpers = await members.names([q.answerer_member_id for q in questions if q.answerer_member_id])
        titles = await self.faq.chats.titles(list({(q.platform, q.chat_id) for q in questions}))
        return [
            Asked(
                q,
                names.get(q.asker_member_id),
                titles.get((q.platform, q.chat_id)) or q.chat_id,
                helpers.get(q.answerer_member_id) if q.answerer_member_id else None,
            )
            for q in questions
        ]

    async def open_list(self, ctx: Context) -> Reply:
        """/questions open: what waits for an answer, oldest first — who asked, where, how long ago."""
        total = await self.faq.repo.open_count()
        questions = await self.faq.repo.open_questions(10)
        if not questions:
            return say(T(ctx, "No open questions. 🎉"))
        heading = T.plural(
            ctx,
            "{n} open question, the oldest first (reply to one to help; the asker can /accept):",
            "{n} open questions, the oldest first (reply to one to help; the asker can /accept):",
            total,
        )
        segs: list[Segment] = [Text(heading), BR]
        for a in await self.asked(questions):
            q = a.question
            short = q.text if len(q.text) <= 120 else q.text[:119] + "…"
            who = T(
                ctx,
                "{name} in {chat}, {age} ago",
                name=a.asker or T(ctx, "a former member"),
                chat=a.chat,
                age=elapsed(ctx, ctx.now - q.created_at),
            )
            segs += [Text(T(ctx, "• Q{number} “{question}” — {who}", number=q.id, question=short, who=who)), BR]
        if total > len(questions):
            segs.append(Text(T(ctx, "…and {count} more on the dashboard.", count=total - len(questions))))
        return say(*segs)
