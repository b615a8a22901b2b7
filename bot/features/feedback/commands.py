"""Feedback commands, buttons and the passive listener: parse → FeedbackService → reply."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.adapter import DeliveryError
from bot.commands import Arg, ArgKind, CommandError, CommandSpec, Result, Role
from bot.context import ButtonHandler, CommandContext, Context
from bot.events import ButtonPressed, ChatRef, Platform
from bot.features.feedback.digest import build_digest
from bot.features.feedback.notifier import Notifier
from bot.features.feedback.reading import FeedbackReader
from bot.features.feedback.service import FeedbackService, Source
from bot.features.feedback.text import T, status_phrase
from bot.i18n import SOURCE, Where, negotiate
from bot.messenger import Messenger
from bot.replies import BR, Reply, Text, error
from storage.repositories.chats import ChatRepo
from storage.repositories.feedback import OPEN, ItemView

ITEM = Arg("number", ArgKind.INT, "the item number, e.g. 12", min_value=1)


class FeedbackCommands:
    def __init__(
        self,
        service: FeedbackService,
        reader: FeedbackReader,
        notifier: Notifier,
        messenger: Messenger,
        chats: ChatRepo,
    ) -> None:
        self.service = service
        self.reader = reader
        self.notifier = notifier
        self.messenger = messenger
        self.chats = chats

    def buttons(self) -> dict[str, ButtonHandler]:
        return {
            "fb.log": self.press_log,
            "fb.instead": self.press_instead,
            "fb.vote": self.press_vote,
            "fb.status": self.press_status,
        }

    def specs(self) -> list[CommandSpec]:
        limit = self.service.settings.max_length  # the one limit, checked and shown in the usage line
        text = Arg("text", ArgKind.TEXT, "what you'd like, or what went wrong", required=False, max_length=limit)
        return [
            CommandSpec("idea", "Suggest an idea to the team", self.idea, args=(text,)),
            CommandSpec("bug", "Report a bug to the team", self.bug, args=(text,)),
            CommandSpec("feedback", "Send feedback (idea or bug, I'll guess which)", self.feedback, args=(text,)),
            CommandSpec("feedback show", "Show a feedback item", self.show, args=(ITEM,)),
            CommandSpec("feedback mine", "List the feedback you sent", self.mine),
            CommandSpec(
                "feedback top",
                "The most voted open feedback",
                self.top,
                args=(Arg("window", ArgKind.CHOICE, "week or all", required=False, choices=("week", "all")),),
            ),
            CommandSpec(
                "feedback search",
                "Find feedback like your text",
                self.search,
                args=(Arg("text", ArgKind.TEXT, "words to look for", max_length=500),),
            ),
            CommandSpec(
                "feedback digest",
                "Post the weekly feedback digest here now",
                self.digest,
                min_role=Role.MANAGER,
            ),
            CommandSpec(
                "log",
                "Log a message as feedback (reply to it)",
                self.log,
                args=(Arg("text", ArgKind.TEXT, "text to log instead", required=False),),
            ),
            CommandSpec("vote", "Vote for a feedback item and follow it", self.vote, args=(ITEM,)),
            CommandSpec("unvote", "Take back your vote", self.unvote, args=(ITEM,)),
            CommandSpec(
                "merge",
                "Merge a duplicate into another item",
                self.merge,
                args=(
                    Arg("from_item", ArgKind.INT, "the duplicate", min_value=1),
                    Arg("into_item", ArgKind.INT, "the item to keep", min_value=1),
                    Arg("reason", ArgKind.TEXT, "why (shown to fans)", max_length=500),
                ),
                min_role=Role.MANAGER,
                confirmable=True,
            ),
            CommandSpec(
                "merge undo",
                "Take a merge back: votes, followers and status return",
                self.unmerge,
                args=(Arg("number", ArgKind.INT, "the item that was merged", min_value=1),),
                min_role=Role.MANAGER,
            ),
            CommandSpec(
                "triage",
                "Feedback waiting for acknowledgement",
                self.triage,
                min_role=Role.MANAGER,
                perk="can_triage",
            ),
            CommandSpec(
                "notify",
                "How to tell you about items you follow",
                self.notify,
                args=(Arg("how", ArgKind.CHOICE, "dm, chat or off", choices=("dm", "chat", "off")),),
            ),
        ]

    # -- capture ------------------------------------------------------------------------
    async def _submit(self, ctx: CommandContext, kind: str | None) -> Result:
        source = Source.of(ctx.chat, ctx.event.message_id)
        return await self.service.submit(ctx, ctx.args["text"], kind, submitter=ctx.member, source=source)

    async def idea(self, ctx: CommandContext) -> Result:
        return await self._submit(ctx, "idea")

    async def bug(self, ctx: CommandContext) -> Result:
        return await self._submit(ctx, "bug")

    async def feedback(self, ctx: CommandContext) -> Result:
        return await self._submit(ctx, None)

    async def log(self, ctx: CommandContext) -> Result:
        return await self.service.log_command(ctx, ctx.args["text"], None)

    async def on_message(self, ctx: Context) -> Result:
        return await self.service.offer(ctx)

    # -- votes and status ---------------------------------------------------------------
    async def vote(self, ctx: CommandContext) -> Result:
        return await self.service.vote(ctx, ctx.args["number"])

    async def unvote(self, ctx: CommandContext) -> Result:
        return await self.service.unvote(ctx, ctx.args["number"])

    async def change_status(self, ctx: CommandContext, number: int, change: str | None) -> Result:
        replies, changed = await self.service.decisions.set_status(ctx, number, change)
        return await self._told(ctx, changed.id, replies)

    async def _told(self, ctx: CommandContext, change_id: int, replies: list[Reply]) -> list[Reply]:
        """One message per change in this chat: the fans' notice, which also tells the manager it
        went out; the manager's own line only where no follower is told here."""
        told, notice = await self.notifier.flush_here(change_id, ctx.chat)
        if notice is not None:
            elsewhere = told - len(notice.mentions)
            tail = [Text(T(ctx, " · {count} more told elsewhere", count=elsewhere))] if elsewhere > 0 else []
            return [replace(notice, segments=(*notice.segments, *tail)), *replies[1:]]
        return [_with_count(ctx, replies[0], told), *replies[1:]]

    async def mark_shipped(self, item_id: int, version: str, actor_id: int | None, now: datetime) -> None:
        item = await self.service.items.get(item_id)
        if item is None or item.status not in OPEN:
            return
        change = await self.service.items.change_status(
            item_id, to_status="shipped", actor_id=actor_id, now=now, version=version
        )
        if change is not None:
            await self.notifier.flush(change.id)

    def describe(self, item: ItemView, where: Where = SOURCE) -> str:
        return status_phrase(item, where)

    async def merge(self, ctx: CommandContext) -> Result:
        reply, changed = await self.service.decisions.merge(
            ctx, ctx.args["from_item"], ctx.args["into_item"], ctx.args["reason"]
        )
        _, notice = await self.notifier.flush_here(changed.id, ctx.chat)
        return _one_message(notice, reply)

    async def unmerge(self, ctx: CommandContext) -> Result:
        reply, changed = await self.service.decisions.unmerge(ctx, ctx.args["number"])
        _, notice = await self.notifier.flush_here(changed.id, ctx.chat)
        return _one_message(notice, reply)

    # -- reading --------------------------------------------------------------------------
    async def show(self, ctx: CommandContext) -> Result:
        return await self.reader.show(ctx, ctx.args["number"])

    async def mine(self, ctx: CommandContext) -> Result:
        return await self.reader.mine(ctx)

    async def top(self, ctx: CommandContext) -> Result:
        return await self.reader.top(ctx, ctx.args["window"])

    async def search(self, ctx: CommandContext) -> Result:
        return await self.reader.search(ctx, ctx.args["text"])

    async def triage(self, ctx: CommandContext) -> Result:
        return await self.reader.triage(ctx)

    async def notify(self, ctx: CommandContext) -> Result:
        return await self.reader.set_notify(ctx, ctx.args["how"])

    async def digest(self, ctx: CommandContext) -> Result:
        return await build_digest(self.service.items, ctx.now, ctx)

    async def post_digest(self) -> int:
        """Scheduled: send the digest to every manager chat; returns how many got it."""
        chats = await self.chats.by_kind("manager")
        if not chats:
            return 0
        now, built = self.notifier.clock.now(), {}
        sent = 0
        for chat in chats:
            lang = negotiate(chat.language) or self.notifier.language  # each manager chat in its own language
            if lang not in built:
                built[lang] = await build_digest(self.service.items, now, lang)
            try:
                await self.messenger.send(ChatRef(Platform(chat.platform), chat.chat_id, title=chat.title), built[lang])
                sent += 1
            except DeliveryError:
                continue
        return sent

    # -- buttons --------------------------------------------------------------------------
    async def press_log(self, ctx: Context, press: ButtonPressed) -> Result:
        return await self.service.press_log(ctx, _int(press.payload, ctx))

    async def press_instead(self, ctx: Context, press: ButtonPressed) -> Result:
        return await self.service.press_instead(ctx, press.payload)

    async def press_vote(self, ctx: Context, press: ButtonPressed) -> Result:
        return await self.service.vote(ctx, _int(press.payload, ctx))

    async def press_status(self, ctx: Context, press: ButtonPressed) -> Result:
        number, to, made_for = [*press.payload.split(":"), "", ""][:3]
        assert isinstance(ctx, CommandContext)
        item = await self.service.resolve(_int(number, ctx))
        if item.status != made_for:  # the item moved on since the button was made
            return error(
                T(
                    ctx,
                    "#{number} changed since this button was made: it is {status} now. Nothing was changed — "
                    "/status {number} {to} does it if you still mean it.",
                    number=item.id,
                    status=status_phrase(item, ctx),
                    to=to,
                )
            )
        return await self.change_status(ctx, item.id, to)


def _int(value: str, where: Where = SOURCE) -> int:
    try:
        return int(value)
    except ValueError:
        raise CommandError(T(where, "That button no longer works.")) from None


def _one_message(notice: Reply | None, summary: Reply) -> Reply:
    """The fans' notice and the manager's summary as one message in the chat where it happened."""
    if notice is None:
        return summary
    return replace(notice, segments=(*notice.segments, BR, *summary.segments))


def _with_count(where: Where, reply: Reply, told: int) -> Reply:
    if not told:
        return reply
    tail = T.plural(where, " Told {n} follower.", " Told {n} followers.", told)
    return replace(reply, segments=(*reply.segments, Text(tail)))
