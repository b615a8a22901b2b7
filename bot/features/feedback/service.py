"""The feedback loop: capture, acknowledge, de-duplicate, vote, track status, close the loop.

Every method takes the caller's :class:`~bot.context.Context` and returns what to say;
notifications to followers are queued in the database with the status change and sent by
:class:`~bot.features.feedback.notifier.Notifier`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from bot.audit import Auditor
from bot.commands import CommandError, Role
from bot.context import Context
from bot.contracts import Awarder, Cohorts
from bot.detect import FeedbackDetector
from bot.events import ChatRef, IncomingMessage
from bot.features.feedback.decisions import Decisions
from bot.features.feedback.duplicates import OpenItems
from bot.features.feedback.reading import resolve_item
from bot.features.feedback.text import T, ref, status_phrase, votes_phrase
from bot.i18n import N_, SOURCE, Where
from bot.llm import LLM, classify_once
from bot.matching.embedders import SharedEmbedder
from bot.replies import BR, Button, Mention, Reply, Segment, Text, say
from bot.settings import FeedbackSettings
from storage.repositories.chats import ChatRepo
from storage.repositories.feedback import FeedbackRepo, ItemView, NewItem, VoteOutcome
from storage.repositories.members import MemberRepo, MemberView
from storage.repositories.outbox import OfferRepo

FOLD_WINDOW = timedelta(hours=24)
OFFER_VALIDITY = timedelta(hours=1)
MIN_CLASSIFY = 20  # shorter chat is never sent to the LLM classifier


#: zero-width and other format characters (Unicode category Cf): they make no idea
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")  # fmt: skip
#: letters and digits of any script (CJK included); an idea needs a few
_WORDISH = re.compile(r"[^\W_]")
MIN_WORD_CHARACTERS = 3


@dataclass(frozen=True, slots=True)
class Source:
    """The fan message an item comes from (or the command itself)."""

    platform: str
    chat_id: str
    thread_id: str | None
    message_id: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.chat_id}:{self.message_id}"

    @classmethod
    def of(cls, chat: ChatRef, message_id: str) -> Source:
        return cls(str(chat.platform), chat.chat_id, chat.thread_id, message_id)


def title_of(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 80 else line[:79].rstrip() + "…"


class FeedbackService:
    def __init__(
        self,
        items: FeedbackRepo,
        offers: OfferRepo,
        members: MemberRepo,
        chats: ChatRepo,
        auditor: Auditor,
        settings: FeedbackSettings,
        *,
        points: Awarder | None = None,
        llm: LLM | None = None,
        cohorts: Cohorts | None = None,
        embedder: SharedEmbedder | None = None,
    ) -> None:
        self.items = items
        self.offers = offers
        self.members = members
        self.chats = chats
        self.auditor = auditor
        self.settings = settings
        self.detector = FeedbackDetector(settings.idea_phrases, settings.bug_phrases)
        #: points, when that feature is installed: the one place feedback earns points
        self.points = points
        #: beta cohorts, when that feature is installed: a tester's feedback is tagged with theirs
        self.cohorts = cohorts
        #: the optional LLM classifier (None: phrase rules only)
        self.llm = llm
        #: open items for "+1 #N instead" offers, kept current (not rebuilt per submission)
        self.open_items = OpenItems(items, settings.similar_threshold, embedder)
        #: the managers' side: status changes, merges and their undoing
        self.decisions = Decisions(items, auditor, self._credit)

    async def resolve(self, number: int) -> ItemView:
        return await resolve_item(self.items, number)

    async def _credit(self, ctx: Context, member_id: int, kind: str, source_key: str, reason: str) -> None:
        if self.points is not None:
            await self.points.credit(ctx, member_id, self.points.amount(kind), kind, reason, source_key)

    # -- capture ------------------------------------------------------------------------
    def check_text(self, text: str | None, where: Where = SOURCE) -> str:
        body = (text or "").strip()
        visible = _INVISIBLE.sub("", body).strip()  # checked without them; stored as written
        if not visible:
            raise CommandError(T(where, "Tell me the idea or the problem, e.g. /idea Dark mode for the settings app"))
        if len(_WORDISH.findall(visible)) < MIN_WORD_CHARACTERS:
            raise CommandError(
                T(where, "Tell me in words, so the team can act on it — e.g. /idea Dark mode for the settings app")
            )
        if len(body) > self.settings.max_length:
            raise CommandError(
                T(
                    where,
                    "That's too long ({length} characters, at most {limit}). Please shorten it — the team reads "
                    "every word.",
                    length=len(body),
                    limit=self.settings.max_length,
                )
            )
        return body

    async def submit(
        self, ctx: Context, text: str | None, kind: str | None, *, submitter: MemberView, source: Source
    ) -> list[Reply]:
        body = self.check_text(text, ctx)
        kind = kind or self.detector.guess_kind(body)
        similar = await self.similar(body)
        logged_by = ctx.member.member_id if submitter.member_id != ctx.member.member_id else None
        item, created = await self.items.create(
            NewItem(
                kind=kind,
                title=title_of(body),
                text=body,
                submitter_id=submitter.member_id,
                logged_by_id=logged_by,
                platform=source.platform,
                chat_id=source.chat_id,
                thread_id=source.thread_id,
                message_id=source.message_id,
                source_key=source.key,
                similar_to=similar[0][0].id if similar and logged_by is None else None,
                cohort_id=await self.cohorts.testing(submitter.member_id) if self.cohorts is not None else None,
            ),
            ctx.now,
        )
        if not created:
            await self.offers.mark_logged(source.key, item.id)
            return [say(*T.seg(ctx, "That message is already logged as {item}.", item=ref(item)))]
        await self._credit(ctx, submitter.member_id, "feedback", f"fb:{item.id}", f"feedback #{item.id}")
        if logged_by is not None:
            await self.auditor.record(ctx, "feedback.log", target=f"#{item.id}", args={"for": submitter.member_id})
            who = Mention(source.platform, submitter.user_id, submitter.display_name)
            template = (
                N_("Logged {who}'s idea as {item} — thanks! Follow it with /feedback show {number}.")
                if kind == "idea"
                else N_("Logged {who}'s bug report as {item} — thanks! Follow it with /feedback show {number}.")
            )
            thanks = say(*T.seg(ctx, template, who=who, item=ref(item), number=str(item.id)))
            return [thanks]
        mine = (
            N_(
                "Thanks {name}! Logged your idea as {item}. Follow it with /feedback show {number} — you'll hear "
                "here when its status changes."
            )
            if kind == "idea"
            else N_(
                "Thanks {name}! Logged your bug report as {item}. Follow it with /feedback show {number} — you'll "
                "hear here when its status changes."
            )
        )
        segs: list[Segment] = T.seg(ctx, mine, name=submitter.display_name, item=ref(item), number=str(item.id))
        buttons: list[Button] = []
        if similar:
            other, _score = similar[0]
            segs += [
                BR,
                *T.seg(
                    ctx,
                    "Looks like {item} ({votes}). Same thing? /vote {number} adds your vote there instead "
                    "(yours is folded into it).",
                    item=ref(other),
                    votes=votes_phrase(other.votes, ctx),
                    number=str(other.id),
                ),
            ]
            label = T(ctx, "+1 #{number} instead", number=other.id)
            buttons.append(Button(label, "fb.instead", f"{item.id}:{other.id}"))
        return [say(*segs, buttons=buttons)]

    async def similar(
        self, text: str, *, limit: int = 1, exclude: tuple[int, ...] = ()
    ) -> list[tuple[ItemView, float]]:
        return await self.open_items.similar(text, limit=limit, exclude=exclude)

    async def log_command(self, ctx: Context, text: str | None, kind: str | None) -> list[Reply]:
        """``/log``: a manager replying to a fan's message logs it for them; a fan logs their
        own replied-to message or the last message the bot offered to log."""
        event = ctx.event
        if isinstance(event, IncomingMessage) and event.reply_to_id and event.reply_to_author is not None:
            target = event.reply_to_author
            if target.is_bot:
                return await self._log_offer(ctx, kind)
            is_self = target.key == ctx.author.key
            if not is_self and ctx.role < Role.MANAGER:
                raise CommandError(T(ctx, "Only managers can log someone else's message. Ask them to /idea it."))
            submitter = await self.members.ensure(
                str(target.platform), target.user_id, target.display_name, target.username, ctx.now
            )
            source = Source.of(event.chat, event.reply_to_id)
            return await self.submit(ctx, text or event.reply_to_text, kind, submitter=submitter, source=source)
        if text:
            return await self.submit(
                ctx, text, kind, submitter=ctx.member, source=Source.of(ctx.chat, ctx.event.message_id)
            )
        return await self._log_offer(ctx, kind)

    async def _log_offer(self, ctx: Context, kind: str | None, offer_id: int | None = None) -> list[Reply]:
        offer = (
            await self.offers.get(offer_id)
            if offer_id is not None
            else await self.offers.latest_open(ctx.member.member_id, ctx.now - OFFER_VALIDITY)
        )
        if offer is None:
            raise CommandError(T(ctx, "Reply /log to the message you want logged, or use /idea TEXT or /bug TEXT."))
        if offer.member_id != ctx.member.member_id and ctx.role < Role.MANAGER:
            raise CommandError(T(ctx, "Only the author (or a manager) can log that message."))
        submitter = ctx.member
        if offer.member_id != ctx.member.member_id:
            found = await self.members.identity_on(offer.member_id, offer.platform)
            assert found is not None  # the offer's author spoke: they have an identity
            submitter = found
        source = Source(offer.platform, offer.chat_id, offer.thread_id, offer.message_id)
        return await self.submit(ctx, offer.text, kind or offer.kind, submitter=submitter, source=source)

    async def press_log(self, ctx: Context, offer_id: int) -> list[Reply]:
        return await self._log_offer(ctx, None, offer_id)

    async def offer(self, ctx: Context) -> Reply | None:
        """Passive capture: in a fan channel, offer to log a message that reads as feedback."""
        event = ctx.event
        if not isinstance(event, IncomingMessage) or event.chat.is_private:
            return None
        if ctx.chat_kind != "fan":
            return None
        found = self.detector.detect(event.text)
        kind = found.kind if found else None
        if kind is None and self.llm is not None and len(event.text.strip()) >= MIN_CLASSIFY:
            label = await classify_once(
                ctx, self.llm, event.text
            )  # the optional LLM catches what the phrase rules miss
            kind = label if label in ("idea", "bug") else None
        if kind is None or len(event.text) > self.settings.max_length:
            return None
        offer = await self.offers.record(
            member_id=ctx.member.member_id,
            kind=kind,
            text=event.text.strip(),
            platform=str(event.chat.platform),
            chat_id=event.chat.chat_id,
            thread_id=event.chat.thread_id,
            message_id=event.message_id,
            source_key=Source.of(event.chat, event.message_id).key,
            now=ctx.now,
            cooldown=timedelta(minutes=self.settings.offer_cooldown_minutes),
        )
        if offer is None:
            return None
        template = (
            N_("That sounds like a bug report, {name}. Want me to log it for the team? Reply /log.")
            if kind == "bug"
            else N_("That sounds like an idea, {name}. Want me to log it for the team? Reply /log.")
        )
        return say(
            T(ctx, template, name=event.author.display_name),
            buttons=[Button(T(ctx, "Log it"), "fb.log", str(offer.id))],
        )

    # -- votes --------------------------------------------------------------------------
    async def vote(self, ctx: Context, number: int) -> list[Reply]:
        item = await resolve_item(self.items, number, ctx)
        hops = 0
        while item.status == "duplicate" and item.duplicate_of is not None and hops < 10:
            item, hops = await self.resolve(item.duplicate_of), hops + 1
        moved = T(ctx, "#{number} was merged into #{into}, so your vote goes there. ", number=number, into=item.id)
        redirected = [Text(moved)] if hops else []
        if not item.is_open:
            raise CommandError(
                T(
                    ctx,
                    "#{number} is already {status}; voting is closed.",
                    number=item.id,
                    status=status_phrase(item, ctx),
                )
            )
        if item.submitter_id == ctx.member.member_id:
            raise CommandError(T(ctx, "#{number} is your own — you already follow it.", number=item.id))
        chat = ctx.chat
        outcome = await self.items.vote(
            item.id,
            ctx.member.member_id,
            platform=str(chat.platform),
            chat_id=chat.chat_id,
            thread_id=chat.thread_id,
            now=ctx.now,
        )
        if outcome == VoteOutcome.ALREADY:
            raise CommandError(T(ctx, "You already voted for #{number}.", number=item.id))
        folded = await self._fold_own(ctx, item)
        if self.points is None or not self.points.too_young(ctx.member, ctx.now):
            source = f"vote:{item.id}:{ctx.member.member_id}"
            await self._credit(ctx, item.submitter_id, "vote_received", source, f"a vote on #{item.id}")
        fresh = await self.resolve(item.id)
        segs: list[Segment] = [
            *redirected,
            *T.seg(
                ctx,
                "Your vote for {item} is in — {votes} now. You'll hear when it changes.",
                item=ref(fresh),
                votes=votes_phrase(fresh.votes, ctx),
            ),
        ]
        if folded is not None:
            segs.append(Text(T(ctx, " Your #{number} is folded into it.", number=folded)))
        return [say(*segs)]

    async def _fold_own(self, ctx: Context, target: ItemView) -> int | None:
        """A fan who +1s the item they were offered folds their own fresh twin into it."""
        mine = await self.items.query(statuses=("new",), submitter_id=ctx.member.member_id, since=ctx.now - FOLD_WINDOW)
        for own in mine:
            if own.similar_to == target.id and own.votes == 0:
                await self.items.merge(own.id, target.id, ctx.now)
                await self.items.change_status(
                    own.id,
                    to_status="duplicate",
                    actor_id=ctx.member.member_id,
                    now=ctx.now,
                    comment="folded by its author",
                    duplicate_of=target.id,
                    notify=False,
                )
                return own.id
        return None

    async def press_instead(self, ctx: Context, payload: str) -> list[Reply]:
        own_id, _, other_id = payload.partition(":")
        own = await self.resolve(int(own_id))
        if own.submitter_id != ctx.member.member_id:
            raise CommandError(T(ctx, "Only the author of that idea can choose this."))
        return await self.vote(ctx, int(other_id))

    async def unvote(self, ctx: Context, number: int) -> Reply:
        item = await resolve_item(self.items, number, ctx)
        if not item.is_open:
            raise CommandError(
                T(
                    ctx,
                    "#{number} is already {status}; votes can't change now.",
                    number=item.id,
                    status=status_phrase(item, ctx),
                )
            )
        if not await self.items.unvote(item.id, ctx.member.member_id):
            raise CommandError(T(ctx, "You haven't voted for #{number}.", number=item.id))
        return say(*T.seg(ctx, "Took back your vote for {item}.", item=ref(item)))
