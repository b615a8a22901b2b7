"""Word of mouth: ``/invite`` gives a fan their own invite link; a fan who joins through it is let in
and remembered, and the inviter is credited once the newcomer has taken part — earned
``[points] invite_after_points`` themselves — never for the join alone, so throwaway accounts farm
nothing. ``/invite list`` shows the managers who brought whom."""

from __future__ import annotations

import logging

from bot.adapter import DeliveryError
from bot.clock import Clock
from bot.commands import CommandError, CommandSpec, Result, Role
from bot.context import Admission, CommandContext, Context
from bot.contracts import Awarder
from bot.events import ChatRef, JoinRequested, MemberJoined, Platform
from bot.i18n import Domain, listing
from bot.messenger import Messenger
from bot.notices import ManagerNotices
from bot.replies import BR, Bold, Link, Outgoing, Reply, Segment, Text, say
from bot.settings import PointsSettings
from storage.repositories.chats import ChatRepo
from storage.repositories.invites import InviteRepo
from storage.repositories.members import MemberRepo

log = logging.getLogger(__name__)
T = Domain("invites")


class Invites:
    def __init__(
        self,
        repo: InviteRepo,
        members: MemberRepo,
        chats: ChatRepo,
        points: Awarder,
        messenger: Messenger,
        clock: Clock,
        settings: PointsSettings,
        notices: ManagerNotices,
        community: str = "",
    ) -> None:
        self.repo, self.members, self.chats, self.points = repo, members, chats, points
        self.notices, self.community = notices, community
        self.messenger, self.clock, self.settings = messenger, clock, settings

    def specs(self) -> list[CommandSpec]:
        return [
            CommandSpec("invite", "Your own invite link: bring a friend, earn points once they take part", self.invite),
            CommandSpec("invite list", "Who brought whom", self.board, min_role=Role.MANAGER),
        ]

    async def _chat(self, ctx: Context) -> ChatRef:
        """The chat to invite to: this one when it's a group, else the first fan chat on this platform."""
        if not ctx.chat.is_private:
            return ctx.chat
        for chat in await self.chats.by_kind("fan"):
            if chat.platform == str(ctx.chat.platform):
                return ChatRef(Platform(chat.platform), chat.chat_id, title=chat.title)
        raise CommandError(T(ctx, "Ask me in the community's chat: the link takes your friends there."))

    async def invite(self, ctx: CommandContext) -> Result:
        chat = await self._chat(ctx)
        link = await self.repo.link_of(ctx.member.member_id, str(chat.platform), chat.chat_id)
        if link is None:
            try:
                made = await self.messenger.create_invite(chat, f"fanloop m{ctx.member.member_id}")
            except DeliveryError as exc:
                log.warning("invite link not made", extra={"chat": chat.key, "reason": exc.reason})
                # a setup problem: the managers hear it once
                await self.notices.tell_once(f"⚠ /invite in {chat.title or chat.key}: {exc.reason}")
                raise CommandError(T(ctx, "I can't make invite links here yet — the team has been told why.")) from None
            if made is None:
                raise CommandError(T(ctx, "Personal invite links work on Telegram and Discord, not here."))
            link = await self.repo.keep(ctx.member.member_id, str(chat.platform), chat.chat_id, made, ctx.now)
        told = T.seg(
            ctx,
            "Your invite link: {link} — when a friend joins through it and takes part, you get {points} points.",
            link=Link(link, link),
            points=str(self.settings.per_invite),
        )
        return say(*told, private=True)

    async def admit(self, ctx: Context) -> Admission | None:
        """A join request through a fan's link (Telegram): let the newcomer in, welcome them."""
        event = ctx.event
        if not isinstance(event, JoinRequested) or event.via is None:
            return None
        welcome = await self._arrived(ctx, event.via)
        return None if welcome is None else Admission(True, welcome)  # a link the team made: the admins'

    async def joined(self, ctx: Context) -> Result:
        """A member who joined through a fan's invite (Discord): welcome them privately."""
        event = ctx.event
        if not isinstance(event, MemberJoined) or event.via is None:
            return []
        welcome = await self._arrived(ctx, event.via)
        return [] if welcome is None else [Outgoing(ctx.chat, welcome, direct_to=ctx.author)]

    async def _arrived(self, ctx: Context, via: str) -> Reply | None:
        """Remember who brought the newcomer (the first link they came through counts) and word their
        welcome; None when the link is no fan's."""
        inviter = await self.repo.inviter(str(ctx.chat.platform), via)
        if inviter is None:
            return None
        if inviter.member_id != ctx.member.member_id:
            await self.repo.referred(inviter.invite_id, ctx.member.member_id, ctx.now)
        ids = await self.members.identities(inviter.member_id)
        name = ids[0].display_name if ids else T(ctx, "a fan")
        chat = ctx.chat.title or ctx.chat.chat_id
        if isinstance(ctx.event, MemberJoined):  # a whole server joined: the community's name, not a channel's
            chat = self.community or chat
        welcome = T(
            ctx, "Welcome to {chat}! {name} invited you — say hi, ask anything, share ideas with /idea.",
            chat=chat, name=name,
        )  # fmt: skip
        return say(welcome)

    async def credit(self) -> int:
        """The job: credit inviters whose newcomers have taken part; returns how many were credited."""
        credited = 0
        for due in await self.repo.due(self.settings.invite_after_points):
            # the source key pays once, so a crash between the two steps is finished by the next run
            await self.points.award(
                due.inviter_id,
                self.settings.per_invite,
                "invite",
                "a friend you invited took part",
                f"invite:{due.member_id}",
                self.clock.now(),
            )
            credited += await self.repo.credited(due.referral_id, self.clock.now())
        return credited

    async def board(self, ctx: CommandContext) -> Result:
        rows = await self.repo.board()
        if not rows:
            return say(T(ctx, "Nobody has joined through a fan's invite link yet."))
        names = await self.members.names([m for r in rows for m in (r[0], r[1])])
        brought: dict[int, list[str]] = {}
        for inviter, member_id, took_part in rows:
            name = names.get(member_id) or T(ctx, "a former member")
            brought.setdefault(inviter, []).append(T(ctx, "{name} (took part)", name=name) if took_part else name)
        segs: list[Segment] = [Bold(T(ctx, "Who brought whom")), BR]
        for inviter, fans in brought.items():
            who = names.get(inviter) or T(ctx, "a former member")
            segs += [Text(T(ctx, "{name} brought {fans}", name=who, fans=listing(ctx, fans))), BR]
        return say(*segs)
