"""Support answers: the FAQ answers fans when it is sure and stays silent when it is not; the
rest goes to the community, whose accepted answers are credited and can become FAQ entries."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from bot.commands import CommandError, Role
from bot.context import Context
from bot.contracts import Awarder
from bot.detect import looks_like_chatter, looks_like_question
from bot.events import IncomingMessage
from bot.features.faq.community import CommunityAnswers
from bot.features.faq.matching import FaqIndex
from bot.features.faq.ratings import Ratings
from bot.i18n import N_, SOURCE, Domain, Where, language_name, negotiate
from bot.llm import LLM, NullLLM, classify_once
from bot.matching.embedders import SharedEmbedder
from bot.matching.index import Match
from bot.notices import ManagerNotices
from bot.replies import BR, Bold, Button, Code, Reply, Segment, Text, say
from bot.settings import FaqSettings, LLMSettings
from storage.repositories.chats import ChatRepo
from storage.repositories.faq import EntryView, FaqRepo, NewPost
from storage.repositories.members import MemberRepo
from storage.repositories.questions import ANSWERABLE

log = logging.getLogger(__name__)
T = Domain("faq")
#: Han characters: an entry with no language set that contains them is taken as Chinese
_CJK = re.compile(r"[\u3400-\u9fff]")
MAX_QUESTION = 1000  # a "question" longer than this is not one; the registry caps commands at 4,000


def no_entry(where: Where, number: int) -> CommandError:
    return CommandError(T(where, "There is no FAQ entry #{number}.", number=number))


class FaqService:
    def __init__(
        self,
        repo: FaqRepo,
        members: MemberRepo,
        chats: ChatRepo,
        settings: FaqSettings,
        *,
        points: Awarder | None = None,
        llm: LLM | None = None,
        llm_settings: LLMSettings | None = None,
        embedder: SharedEmbedder | None = None,
        notices: ManagerNotices | None = None,
        language: str = SOURCE,
    ) -> None:
        self.notices = notices
        #: the community's default language: what manager notices are written in
        self.language = language
        self.repo = repo
        self.members = members
        self.chats = chats
        self.settings = settings
        #: the entries in the matching engine (built at start by its ``load``)
        self.index = FaqIndex(repo, settings, embedder)
        #: points, when that feature is installed: accepted answers earn them
        self.points = points
        self.llm: LLM = llm or NullLLM()
        self.llm_settings = llm_settings
        #: fans answering fans: /accept, /faq learn, /questions open
        self.community = CommunityAnswers(self)
        #: 👍/👎 on answers, flags, /faq reset
        self.ratings = Ratings(self)

    async def matches(self, text: str, limit: int = 5) -> list[Match]:
        """What the FAQ would match ``text`` with, best first (the dashboard's test box)."""
        return await self.index.search(text.strip()[:MAX_QUESTION], limit)

    async def _reindex(self, entry_id: int, where: Where = SOURCE) -> EntryView:
        entry = await self.repo.get(entry_id)
        if entry is None:
            await self.index.remove(entry_id)
            raise no_entry(where, entry_id)
        await self.index.put(entry)
        return entry

    async def entry(self, entry_id: int, where: Where = SOURCE) -> EntryView:
        entry = await self.repo.get(entry_id)
        if entry is None:
            raise no_entry(where, entry_id)
        return entry

    # -- answering ----------------------------------------------------------------------------
    def _check(self, ctx: Context, text: str | None) -> str:
        body = (text or "").strip()
        if not body:
            raise CommandError(T(ctx, "Ask me something, e.g. /ask how do I reset my phone?"))
        if len(body) > MAX_QUESTION:
            raise CommandError(
                T(
                    ctx,
                    "That's too long for a question ({length} characters, at most {limit}).",
                    length=len(body),
                    limit=MAX_QUESTION,
                )
            )
        return body

    async def _answer(self, ctx: Context, entry: tuple[int, str, str, str], post_id: int, question: str) -> Reply:
        """Entry ``(id, question, answer, language)`` as the answer to ``question``, with 👍/👎."""
        number, entry_question, answer, language = entry
        buttons = [Button("👍", "faq.rate", f"{post_id}:1"), Button("👎", "faq.rate", f"{post_id}:0")]
        translated = await self._translated(ctx, answer, language)
        if translated is not None:  # the reader's language first, the entry as written always kept
            footer = T(ctx, "(FAQ #{number}, machine-translated) Did this help?", number=number)
            original = T(ctx, "Original:")
            segs: list[Segment] = [Bold(entry_question), BR, Text(translated), BR, Text(original), BR, Text(answer)]
            segs += [BR, Text(footer)]
            return say(*segs, buttons=buttons)
        friendly = await self.llm.rephrase(question, entry_question, answer)
        if friendly:  # a grounded rephrasing of this entry; the entry itself stays one command away
            footer = T(ctx, "(from FAQ #{number} — /faq show {number}) Did this help?", number=number)
            return say(Text(friendly), BR, Text(footer), buttons=buttons)
        footer = T(ctx, "(FAQ #{number}) Did this help?", number=number)
        return say(Bold(entry_question), BR, Text(answer), BR, Text(footer), buttons=buttons)

    async def ask(self, ctx: Context, text: str | None) -> Reply:
        """``/ask``: always answers — the best entry, or suggestions and a pointer to the community."""
        body = self._check(ctx, text)
        matches = await self.index.search(body, 3)
        if matches and matches[0].confidence >= self.settings.answer_threshold:
            return await self._post(ctx, matches[0], body, asked=True)
        if not matches:
            return say(T(ctx, "No FAQ entry matches; the community can help — ask in the fan chat."))
        closest = T(ctx, "No FAQ entry matches exactly; the community can help. Closest entries:")
        segs: list[Segment] = [Text(closest), BR]
        for m in matches[:2]:
            entry = await self.repo.get(m.entry_id)
            if entry:
                segs += [Code(f"/faq show {entry.id}"), Text(f" {entry.question}"), BR]
        return say(*segs)

    async def _post(self, ctx: Context, match: Match, question: str, *, asked: bool = False) -> Reply:
        """Answer with ``match``'s entry. Unprompted (a question in a fan channel), an entry already
        posted in the chat within ``repeat_window_minutes`` is not posted again; ``asked`` (/ask,
        a reply to the bot) always answers the fan who asked."""
        chat = ctx.chat
        post = NewPost(
            match.entry_id,
            str(chat.platform),
            chat.chat_id,
            ctx.event.message_id,
            question,
            ctx.member.member_id,
            ctx.now,
        )
        window = timedelta(minutes=self.settings.repeat_window_minutes)
        entry, post_id = await self.repo.answer_once(post, repeat_since=None if asked else ctx.now - window)
        if entry is None:
            raise no_entry(ctx, match.entry_id)
        if post_id is None:
            return say(
                T(
                    ctx,
                    "I answered that a few minutes ago — see FAQ #{number} “{question}” above, or /faq show {number}.",
                    number=match.entry_id,
                    question=entry[0],
                )
            )
        return await self._answer(ctx, (match.entry_id, *entry), post_id, question)

    async def _translated(self, ctx: Context, text: str, language: str) -> str | None:
        """``text`` in the reader's language when a manager turned translation on and the entry is
        written in another (its ``language``, else guessed from its script); otherwise None."""
        if self.llm_settings is None or not self.llm_settings.translate:
            return None
        written = negotiate(language) or ("zh_CN" if _CJK.search(text) else SOURCE)
        if written == ctx.lang:
            return None
        return await self.llm.translate(text, language_name(ctx.lang))

    async def on_message(self, ctx: Context) -> Reply | None:
        """In fan channels: answer a question when sure, else track it for the community; record
        fans' replies to open questions (candidates for /accept)."""
        event = ctx.event
        if not isinstance(event, IncomingMessage) or event.chat.is_private:
            return None
        if ctx.chat_kind != "fan":
            return None
        platform, chat_id = str(event.chat.platform), event.chat.chat_id
        if event.reply_to_author is not None and event.reply_to_author.is_bot and event.text.strip():
            return await self.ask(ctx, event.text)  # replying to the bot is asking it
        if event.reply_to_id is not None:
            question = await self.repo.question_by_message(platform, chat_id, event.reply_to_id)
            if (
                question is not None
                and question.status in ANSWERABLE
                and question.asker_member_id != ctx.member.member_id
            ):
                await self.repo.add_reply(
                    question.id, platform, chat_id, event.message_id, ctx.member.member_id, event.text, ctx.now
                )
                return None
        if len(event.text) > MAX_QUESTION:
            return None
        if looks_like_chatter(event.text):  # small talk: nothing for the FAQ or the open questions
            return None
        rules_say_question = looks_like_question(event.text)
        if not rules_say_question and (  # the optional LLM catches questions the rules miss
            len(event.text.strip()) < 20 or await classify_once(ctx, self.llm, event.text) != "question"
        ):
            return None
        matches = await self.index.search(event.text, 1)
        sure = bool(matches) and matches[0].confidence >= self.settings.answer_threshold
        # kept either way: a fan may answer better than the FAQ, and the asker accept theirs
        await self.repo.open_question(
            platform,
            chat_id,
            event.chat.thread_id,
            event.message_id,
            ctx.member.member_id,
            event.text,
            ctx.now,
            status="faq" if sure else "open",
        )
        return await self._post(ctx, matches[0], event.text) if sure else None

    # -- managing entries ----------------------------------------------------------------------
    async def add(self, ctx: Context, raw: str) -> Reply:
        question, sep, answer = raw.partition("|")
        question, answer = question.strip(), answer.strip()
        if not sep or not question or not answer:
            raise CommandError(T(ctx, "Usage: /faq add QUESTION | ANSWER"))
        if (existing := await self.repo.asking(question)) is not None:  # two entries would split its votes
            raise CommandError(
                T(
                    ctx,
                    "FAQ #{number} already asks that. Change its answer with /faq edit {number} ANSWER.",
                    number=existing,
                )
            )
        entry_id = await self.repo.add(question, answer, [], "", ctx.now)
        await self._reindex(entry_id, ctx)
        return say(T(ctx, "Added FAQ #{number}. Add other phrasings with /faq alt {number} PHRASING.", number=entry_id))

    async def edit(self, entry_id: int, answer: str, ctx: Context) -> Reply:
        if not await self.repo.update(entry_id, ctx.now, answer=answer):
            raise no_entry(ctx, entry_id)
        await self._reindex(entry_id, ctx)
        return say(T(ctx, "Updated the answer of FAQ #{number}.", number=entry_id))

    async def alt(self, entry_id: int, phrasing: str, ctx: Context) -> Reply:
        await self.entry(entry_id, ctx)
        added = await self.repo.add_phrasing(entry_id, phrasing, "alternate", ctx.now)
        await self._reindex(entry_id, ctx)
        done = N_("Added that phrasing to FAQ #{number}.") if added else N_("FAQ #{number} already has it.")
        return say(T(ctx, done, number=entry_id))

    async def remove(self, entry_id: int, where: Where = SOURCE) -> Reply:
        if not await self.repo.remove(entry_id):
            raise no_entry(where, entry_id)
        await self.index.remove(entry_id)
        return say(T(where, "Removed FAQ #{number}.", number=entry_id))

    async def show(self, entry_id: int, ctx: Context) -> Reply:
        e = await self.entry(entry_id, ctx)
        segs: list[Segment] = [
            Bold(T(ctx, "FAQ #{number}: {question}", number=e.id, question=e.question)),
            BR,
            Text(e.answer),
        ]
        if ctx.role >= Role.MODERATOR:
            values = {"count": len(e.alternates) + 1, "up": e.helpful_up, "down": e.helpful_down}
            if e.flagged:
                line = T(ctx, "phrasings: {count} · 👍 {up} 👎 {down} · flagged for review", **values)
            else:
                line = T(ctx, "phrasings: {count} · 👍 {up} 👎 {down}", **values)
            segs += [BR, Text(line)]
            if e.negatives:  # what the askers who said 👎 had asked; /faq reset clears them
                wrong = T.plural(
                    ctx,
                    "{n} asker said it answered their question wrongly: {questions}",
                    "{n} askers said it answered their questions wrongly: {questions}",
                    len(e.negatives),
                    questions=" · ".join(f"“{q}”" for q in e.negatives[:5]),
                )
                segs += [BR, Text(wrong)]
        return say(*segs)

    async def listing(self, tag: str | None, where: Where = SOURCE) -> Reply:
        entries = [e for e in await self.repo.all() if tag is None or tag in e.tags]
        if not entries:
            if tag:
                return say(T(where, "No FAQ entries tagged {tag}.", tag=tag))
            return say(T(where, "No FAQ entries yet. Add one with /faq add QUESTION | ANSWER."))
        segs: list[Segment] = []
        for e in entries[:30]:
            segs += [Text(f"#{e.id} {e.question}" + (" ⚑" if e.flagged else "")), BR]
        if len(entries) > 30:
            segs.append(Text(T(where, "…and {count} more.", count=len(entries) - 30)))
        return say(*segs)

    async def search(self, ctx: Context, text: str) -> Reply:
        matches = await self.index.search(self._check(ctx, text), 5)
        if not matches:
            return say(T(ctx, "No FAQ entry looks related."))
        segs: list[Segment] = []
        for m in matches:
            entry = await self.repo.get(m.entry_id)
            if entry:
                segs += [Text(f"#{entry.id} {entry.question} ({m.confidence:.0%})"), BR]
        return say(*segs)

    async def link(self, ctx: Context, entry_id: int) -> list[Reply]:
        """A manager points an unanswered question at an entry: answer it, learn the phrasing."""
        event = ctx.event
        if not isinstance(event, IncomingMessage) or not event.reply_to_id or not event.reply_to_text:
            raise CommandError(T(ctx, "Reply /faq link ID to the fan's question."))
        entry = await self.entry(entry_id, ctx)
        await self.repo.add_phrasing(entry.id, event.reply_to_text[:500], "learned", ctx.now)
        await self._reindex(entry.id, ctx)
        asker = event.reply_to_author
        member_id = ctx.member.member_id
        if asker is not None:
            member = await self.members.ensure(
                str(asker.platform), asker.user_id, asker.display_name, asker.username, ctx.now
            )
            member_id = member.member_id
        post_id = await self.repo.record_post(
            NewPost(
                entry.id,
                str(ctx.chat.platform),
                ctx.chat.chat_id,
                event.reply_to_id,
                event.reply_to_text,
                member_id,
                ctx.now,
            )
        )
        answer = await self._answer(
            ctx, (entry.id, entry.question, entry.answer, entry.language), post_id, event.reply_to_text
        )
        return [answer, say(T(ctx, "Learned: questions like that now get FAQ #{number}.", number=entry.id))]
