"""Polls across platforms: posted as each platform does best (Telegram's own polls, a button per option
elsewhere), one tally of one vote per member — linked accounts count once — changeable until it closes,
the results posted where it was asked, and on the feedback items it listed."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.adapter import DeliveryError, SentRef
from bot.audit import Auditor
from bot.clock import Clock
from bot.commands import Arg, ArgKind, CommandError, CommandSpec, Result, Role
from bot.context import CommandContext, Context
from bot.events import ButtonPressed, ChatRef, Platform, PollVoted
from bot.features.polls.asking import OPTION_LIMIT, Asked, T, read
from bot.i18n import N_, Where, elapsed, negotiate
from bot.messenger import Messenger
from bot.platforms import PlatformRegistry
from bot.replies import BR, Bold, Button, PollSpec, Reply, Segment, Text, say
from storage.repositories.chats import ChatRepo
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.members import MemberView
from storage.repositories.polls import PollRepo, PollView

log = logging.getLogger(__name__)
VOTE = "poll.vote"
ITEM_QUESTION = N_("Which of these should we build next?")
BUTTON_LIMIT = 80  # Discord's longest button label


class Polls:
    def __init__(
        self,
        repo: PollRepo,
        items: FeedbackRepo,
        chats: ChatRepo,
        messenger: Messenger,
        platforms: PlatformRegistry,
        auditor: Auditor,
        clock: Clock,
        *,
        language: str,
    ) -> None:
        self.repo, self.items, self.chats, self.messenger = repo, items, chats, messenger
        self.platforms, self.auditor, self.clock = platforms, auditor, clock
        self.language = language

    def specs(self) -> list[CommandSpec]:
        text = Arg("poll", ArgKind.TEXT, '"Question?" option | option [to here|all|CHAT] [closes in 2d]',
                   max_length=2000)  # fmt: skip
        return [CommandSpec("poll", "Ask the community: a poll on every platform, one vote per fan", self.ask,
                            args=(text,), min_role=Role.MANAGER)]  # fmt: skip

    # -- asking ------------------------------------------------------------------------------------
    async def ask(self, ctx: CommandContext) -> Result:
        asked = read(ctx, ctx.args["poll"], self.platforms)
        options: list[tuple[str, int | None]] = [(o, None) for o in asked.options]
        if asked.items:
            options = []
            for number_ in asked.items:
                item = await self.items.get(number_)
                if item is None:
                    raise CommandError(T(ctx, "There is no #{number}.", number=number_))
                if not item.is_open:
                    raise CommandError(T(ctx, "#{number} is no longer open.", number=number_))
                options.append((f"#{item.id} {item.title}"[:OPTION_LIMIT], item.id))
        targets = await self._targets(ctx, asked)
        closes = ctx.now + asked.open_for
        question = asked.question or ITEM_QUESTION
        poll_id = await self.repo.create(question, options, actor_id=ctx.member.member_id, at=ctx.now, closes_at=closes)
        await self.auditor.record(ctx, "poll.ask", target=f"poll:{poll_id}", args={"chats": len(targets)})
        poll = await self.repo.get(poll_id)
        assert poll is not None
        posted = 0
        for chat in targets:
            posted += await self._post(poll, chat, asked.open_for)
        when = elapsed(ctx, asked.open_for)
        return say(
            T.plural(ctx, "📊 Poll #{poll} is up in {n} chat; results in {time}.",
                     "📊 Poll #{poll} is up in {n} chats; results in {time}.", posted, poll=poll_id, time=when)
        )  # fmt: skip

    async def _targets(self, ctx: Context, asked: Asked) -> list[ChatRef]:
        if asked.to == "here":
            return [ctx.chat]
        if asked.to == "all":
            chats = [
                ChatRef(Platform(c.platform), c.chat_id, title=c.title)
                for c in await self.chats.by_kind("announcement")
            ]
            if not chats:
                raise CommandError(T(ctx, "No announcement chat is set up: /chat announcement in one, or ask here."))
            return chats
        target = self.platforms.parse_target(asked.to)
        assert target is not None  # read() only takes targets it can parse
        return [ChatRef(Platform(target.platform), target.chat_id, thread_id=target.thread_id)]

    async def _lang(self, chat: ChatRef) -> str:
        known = await self.chats.get(str(chat.platform), chat.chat_id)
        return negotiate(known.language if known else None) or self.language

    async def _post(self, poll: PollView, chat: ChatRef, open_for: timedelta) -> int:
        lang = await self._lang(chat)
        question = question_of(lang, poll)
        labels = tuple(o.label for o in poll.options)
        left = elapsed(lang, open_for)
        segs: list[Segment] = [Bold(f"📊 {question}")]
        for i, label in enumerate(labels, 1):
            segs += [BR, Text(f"{i}. {label}")]
        segs += [BR, Text(T(lang, "One vote each; you can change it for {time}, then the results come.", time=left))]
        buttons = [
            Button(f"{i}. {label}"[:BUTTON_LIMIT], VOTE, f"{poll.id}:{i - 1}") for i, label in enumerate(labels, 1)
        ]
        reply = Reply(tuple(segs), buttons=tuple(buttons), lang=lang, poll=PollSpec(question, labels))
        try:
            sent = await self.messenger.send(chat, reply)
        except DeliveryError as exc:
            log.warning("poll not posted", extra={"chat": chat.key, "reason": exc.reason})
            return 0
        await self.repo.posted(poll.id, str(chat.platform), chat.chat_id, chat.thread_id,
                               sent.message_ids[0] if sent.message_ids else None, sent.poll_id)  # fmt: skip
        return 1

    # -- voting ------------------------------------------------------------------------------------
    async def press(self, ctx: Context, press: ButtonPressed) -> Result:
        poll_ref, _, position = press.payload.partition(":")
        poll = await self.repo.get(int(poll_ref)) if poll_ref.isdigit() and position.isdigit() else None
        if poll is None or int(position) >= len(poll.options):
            raise CommandError(T(ctx, "That poll doesn't exist."))
        if not await self.repo.vote(poll.id, ctx.member.member_id, int(position), str(ctx.chat.platform), ctx.now):
            return say(T(ctx, "Poll #{poll} has closed.", poll=poll.id), private=True)
        label = poll.options[int(position)].label
        return say(T(ctx, "🗳 Your vote in poll #{poll}: {option}. You can change it until the poll closes.",
                     poll=poll.id, option=label), private=True)  # fmt: skip

    async def voted(self, member: MemberView, event: PollVoted) -> None:
        """A vote in a platform's own poll: the member's one vote, like a button's."""
        poll_id = await self.repo.by_native(str(event.chat.platform), event.poll_id)
        if poll_id is None:
            return  # not one of ours
        position = event.options[0] if event.options else None
        await self.repo.vote(poll_id, member.member_id, position, str(event.chat.platform), event.sent_at)

    # -- closing -----------------------------------------------------------------------------------
    async def close_due(self) -> int:
        """The job: close every poll whose time is up and post its results; returns polls closed."""
        closed = 0
        for poll_id in await self.repo.due(self.clock.now()):
            if await self.repo.close(poll_id, self.clock.now()):  # one process wins each
                await self._results(poll_id)
                closed += 1
        return closed

    async def _results(self, poll_id: int) -> None:
        poll = await self.repo.get(poll_id)
        if poll is None:
            return
        counts = await self.repo.tally(poll_id)
        for post in await self.repo.posts(poll_id):
            chat = ChatRef(Platform(post.platform), post.chat_id, thread_id=post.thread_id)
            sent = SentRef(chat.platform, post.chat_id, (post.message_id,) if post.message_id else (), post.native_id)
            try:
                if post.native_id:
                    await self.messenger.close_poll(sent)
                await self.messenger.send(chat, self.results(await self._lang(chat), poll, counts))
            except DeliveryError as exc:
                log.warning("poll results not posted", extra={"chat": chat.key, "reason": exc.reason})

    @staticmethod
    def results(where: Where, poll: PollView, counts: dict[int, int]) -> Reply:
        total = sum(counts.values())
        best = max(counts.values(), default=0)
        segs: list[Segment] = [Bold(T(where, "📊 Poll #{poll} has closed: {question}", poll=poll.id,
                                      question=question_of(where, poll)))]  # fmt: skip
        for option in poll.options:
            n = counts.get(option.position, 0)
            pct = round(100 * n / total) if total else 0
            mark = "🏆 " if n == best and best else ""
            segs += [BR, Text(f"{mark}{option.label} — " + T.plural(where, "{n} vote", "{n} votes", n) + f" ({pct}%)")]
        segs += [BR, Text(T.plural(where, "{n} fan voted.", "{n} fans voted.", total))]
        return say(*segs)


def question_of(where: Where, poll: PollView) -> str:
    """The question as ``where`` reads it: an item poll's is worded in each chat's language."""
    if poll.options and all(o.feedback_id is not None for o in poll.options):
        return T(where, ITEM_QUESTION)
    return poll.question
