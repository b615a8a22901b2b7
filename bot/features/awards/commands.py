"""/award #N REASON — the team's award for the week's best feedback: bonus points, the fan told
privately (or in the item's chat), and the award in the weekly report."""

from __future__ import annotations

from bot.audit import Auditor
from bot.commands import Arg, ArgKind, CommandError, CommandSpec, Result, Role
from bot.context import CommandContext, author_of
from bot.contracts import Awarder
from bot.events import ChatRef, Platform
from bot.i18n import Domain, day, negotiate
from bot.messenger import Messenger
from bot.replies import Bold, Mention, Outgoing, Segment, Text, say
from storage.repositories.awards import AwardRepo
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.feedback_views import ItemView
from storage.repositories.members import MemberRepo

T = Domain("awards")


def ref(item: ItemView) -> list[Segment]:
    """``#12 “Dark mode in settings”`` (the title is fan text: a Text segment)."""
    return [Bold(f"#{item.id}"), Text(f" “{item.title}”")]


class AwardCommands:
    def __init__(
        self,
        awards: AwardRepo,
        items: FeedbackRepo,
        members: MemberRepo,
        points: Awarder,
        auditor: Auditor,
        messenger: Messenger,
        amount: int,
    ) -> None:
        self.awards, self.items, self.members, self.points = awards, items, members, points
        self.auditor, self.messenger, self.amount = auditor, messenger, amount

    def specs(self) -> list[CommandSpec]:
        return [
            CommandSpec(
                "award",
                "Award a fan's idea or bug report as the week's best feedback (bonus points, in the report)",
                self.award,
                args=(
                    Arg("item", ArgKind.INT, "the idea or bug number (#12 or 12)", min_value=1),
                    Arg("reason", ArgKind.TEXT, "why it stands out (the fan and the report see it)", max_length=300),
                ),
                min_role=Role.MANAGER,
            )
        ]

    async def award(self, ctx: CommandContext) -> Result:
        number: int = ctx.args["item"]
        reason: str = ctx.args["reason"]
        item = await self.items.get(number)
        if item is None:
            raise CommandError(T(ctx, "There is no #{number}.", number=number))
        if item.status == "duplicate" and item.duplicate_of:
            raise CommandError(
                T(ctx, "#{number} was merged into #{into}: award that one.", number=number, into=item.duplicate_of)
            )
        here = await self.members.identity_on(item.submitter_id, item.platform)
        if here is None:
            raise CommandError(T(ctx, "#{number}'s author has left: there is nobody to award.", number=number))
        if item.submitter_id == ctx.member.member_id:
            raise CommandError(T(ctx, "You can't award your own feedback."))
        # the points first: their source key pays once, so a retried or concurrent /award never pays
        # twice, and a crash before the award row is recorded is completed by the retry
        result = await self.points.award(
            item.submitter_id,
            self.amount,
            "award",
            f"award for #{item.id}: {reason}",
            f"award:{item.id}",
            ctx.now,
            actor_id=ctx.member.member_id,
            platform=item.platform,
            chat_id=item.chat_id,
        )
        earlier = await self.awards.create(
            item.id, item.submitter_id, ctx.member.member_id, reason, self.amount, ctx.now
        )
        if earlier is not None:
            raise CommandError(
                T(ctx, "#{number} already has an award (given {day}).", number=number, day=day(ctx, earlier))
            )
        await self.auditor.record(
            ctx, "feedback.award", target=f"#{item.id}", args={"points": self.amount}, reason=reason
        )
        lang = negotiate(await self.members.language(item.submitter_id)) or ctx.chat_lang
        fan = Mention(here.platform, here.user_id, here.display_name)
        note = say(
            "🏆 ",
            *T.seg(
                lang,
                "{who}, the team gave your feedback {item} its award, +{points} points: “{reason}”. Thank you!",
                who=fan,
                item=ref(item),
                reason=reason,
                points=str(self.amount),
            ),
        )
        # privately; where that can't be delivered, in the chat the feedback came from
        fallback = ChatRef(Platform(item.platform), item.chat_id, thread_id=item.thread_id)
        await self.messenger.deliver(Outgoing(fallback, note, direct_to=author_of(here)))
        who = fan if here.platform == str(ctx.chat.platform) else Text(here.display_name)
        done = T.seg(
            ctx,
            "Awarded {item} to {who} (+{points} points, balance {balance}): {reason}",
            item=ref(item),
            who=who,
            points=str(self.amount),
            balance=str(result.balance),
            reason=reason,
        )
        return say("🏆 ", *done)
