"""Grade-up news: "🎉 @alice reached Contributor!" where ``[points] grade_up`` says — the chat where the
points were earned, the member alone, the announcement chats, or nowhere.

Grade-ups are queued with the points that earned them (``grade_news``); a destination's news goes out
``grade_up_wait_seconds`` after its first grade-up, with every other grade-up that arrived meanwhile
in the same message, so a busy chat sees one post instead of a stream. Rows are claimed, so several
processes never announce the same grade-up; a crash between sending and marking it repeats it at
most once, after the lease.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from bot.adapter import DeliveryError
from bot.clock import Clock
from bot.context import author_of
from bot.contracts import Grading
from bot.events import ChatRef, Platform
from bot.i18n import Domain, negotiate
from bot.messenger import Messenger
from bot.replies import BR, Mention, Reply, Segment, Text, say
from bot.settings import PointsSettings
from storage.repositories.chats import ChatRepo
from storage.repositories.grades import GradeRepo, NewsView
from storage.repositories.members import MemberRepo, MemberView

log = logging.getLogger(__name__)
T = Domain("grades")
LEASE = timedelta(minutes=5)

#: where one group of news goes: ("chat", platform, chat_id), ("dm", member_id) or ("announcements",)
Key = tuple[str | int, ...]


class GradeNews:
    def __init__(
        self,
        repo: GradeRepo,
        grading: Grading,
        members: MemberRepo,
        chats: ChatRepo,
        messenger: Messenger,
        clock: Clock,
        settings: PointsSettings,
        *,
        worker_id: str,
        language: str,
    ) -> None:
        self.repo, self.grading, self.members, self.chats = repo, grading, members, chats
        self.messenger, self.clock, self.settings = messenger, clock, settings
        self.worker_id, self.language = worker_id, language

    async def flush(self) -> int:
        """Announce the grade-ups whose wait is over; returns how many members were announced."""
        pending = await self.repo.pending_news()
        if self.settings.grade_up == "off":
            if pending:
                await self.repo.mark_news([n.id for n in pending], "off")
            return 0
        now = self.clock.now()
        serving = set(self.messenger.serving())
        keys = {news.id: await self._key(news) for news in pending}  # one look-up per row and run
        groups: dict[Key, list[NewsView]] = defaultdict(list)
        for news in pending:
            groups[keys[news.id]].append(news)
        wait = timedelta(seconds=self.settings.grade_up_wait_seconds)
        ready = [
            n.id
            for key, rows in groups.items()
            if min(r.created_at for r in rows) <= now - wait and (key[0] != "chat" or key[1] in serving)
            for n in rows
        ]  # a chat on a platform this process doesn't serve is left to the process that does
        claimed = await self.repo.claim_news(self.worker_id, now, LEASE, ready)
        groups = defaultdict(list)
        for news in claimed:  # a row another worker left 'sending' was not among the pending
            groups[keys[news.id] if news.id in keys else await self._key(news)].append(news)
        told = 0
        for key, rows in groups.items():
            try:
                told += await self._send(key, rows)
            except Exception as exc:  # one destination's trouble never holds back the others
                log.exception("grade-up news not sent", extra={"to": str(key)})
                await self.repo.mark_news([r.id for r in rows], "pending", f"{type(exc).__name__}: {exc}")
        return told

    async def _key(self, news: NewsView) -> Key:
        """Where the news goes. "chat" means a group chat the bot knows: points given on the dashboard
        or in a private chat are told to the member privately instead."""
        mode = self.settings.grade_up
        if mode == "announcements":
            return ("announcements",)
        if mode == "chat" and (chat := await self._group_chat(news)) is not None:
            return ("chat", str(chat.platform), chat.chat_id)
        return ("dm", news.member_id)

    async def _group_chat(self, news: NewsView) -> ChatRef | None:
        """The group chat the grade was earned in, when it was one the bot knows (not the dashboard's
        pseudo-chat, not a private chat)."""
        known = await self.chats.get(news.platform, news.chat_id) if news.platform and news.chat_id else None
        if known is None or known.kind == "private":
            return None
        return ChatRef(Platform(known.platform), known.chat_id)

    async def _send(self, key: Key, rows: list[NewsView]) -> int:
        ids = [r.id for r in rows]
        try:
            if key[0] == "dm":
                sent = await self._direct(rows)
            elif key[0] == "chat":
                sent = await self._to_chats([ChatRef(Platform(str(key[1])), str(key[2]))], rows)
            else:
                chats = [ChatRef(Platform(c.platform), c.chat_id) for c in await self.chats.by_kind("announcement")]
                sent = await self._to_chats(chats, rows) if chats else await self._fallback(rows)
        except DeliveryError as exc:
            await self.repo.mark_news(ids, "failed" if exc.permanent else "pending", exc.reason)
            return 0
        await self.repo.mark_news(ids, "sent" if sent else "pending", None if sent else "platform not connected")
        return len(rows) if sent else 0

    async def _fallback(self, rows: list[NewsView]) -> bool:
        """No announcement chat is set up: each grade-up goes where it was earned, else privately."""
        for news in rows:
            chat = await self._group_chat(news)
            if chat is not None and str(chat.platform) in self.messenger.serving():
                await self._to_chats([chat], [news])
            else:
                await self._direct([news])
        return True

    async def _to_chats(self, chats: Sequence[ChatRef], rows: list[NewsView]) -> bool:
        serving = set(self.messenger.serving())
        if not any(str(c.platform) in serving for c in chats):
            return False
        people = {r.member_id: await self.members.identities(r.member_id) for r in rows}
        for chat in chats:
            if str(chat.platform) not in serving:
                continue
            known = await self.chats.get(str(chat.platform), chat.chat_id)
            lang = negotiate(known.language if known else None) or self.language
            await self.messenger.send(chat, self._post(lang, str(chat.platform), rows, people))
        return True

    def _post(self, lang: str, platform: str, rows: list[NewsView], people: dict[int, list[MemberView]]) -> Reply:
        """One message for every grade-up in ``rows``: a mention where the member is on ``platform``,
        their name elsewhere (an announcement chat on another platform)."""

        def who(member_id: int) -> Mention | Text:
            ids = people.get(member_id) or []
            here = next((i for i in ids if i.platform == platform), None)
            if here is not None:
                return Mention(here.platform, here.user_id, here.display_name)
            return Text(ids[0].display_name if ids else T(lang, "a former member"))

        if len(rows) == 1:
            return say("🎉 ", *self._line(lang, who(rows[0].member_id), rows[0].grade))
        segs: list[Segment] = [Text("🎉 " + T(lang, "New grades:"))]
        for news in rows:
            segs += [BR, Text("• "), *self._line(lang, who(news.member_id), news.grade)]
        return say(*segs)

    def _line(self, lang: str, who: Mention | Text, grade: str) -> list[Segment]:
        perks = self._perks(lang, grade)
        if perks:
            return T.seg(lang, "{who} reached {grade}! Unlocked: {perks}.", who=who, grade=grade, perks=perks)
        return T.seg(lang, "{who} reached {grade}!", who=who, grade=grade)

    def _perks(self, lang: str, grade: str) -> str:
        """What ``grade`` gives (a grade renamed or removed from the config since: nothing)."""
        found = next((g for g in self.grading.grades if g.name == grade), None)
        return self.grading.perk_names(lang, found.perks) if found else ""

    async def _direct(self, rows: list[NewsView]) -> bool:
        """Tell each member privately (one message for several grades); where a DM can't be
        delivered, the chat where it was earned gets it instead."""
        serving = set(self.messenger.serving())
        for news in rows:
            ids = [i for i in await self.members.identities(news.member_id) if i.platform in serving]
            if not ids:
                return False
            lang = negotiate(await self.members.language(news.member_id)) or self.language
            perks = self._perks(lang, news.grade)
            text = (
                T(lang, "🎉 You reached {grade}! Unlocked: {perks}. /rank shows what's next.", grade=news.grade,
                  perks=perks)
                if perks
                else T(lang, "🎉 You reached {grade}! /rank shows what's next.", grade=news.grade)
            )  # fmt: skip
            target = next((i for i in ids if i.platform == news.platform), ids[0])
            if (
                await self.messenger.send_direct(author_of(target), say(text)) is None
            ):  # DMs closed: where it was earned
                chat = await self._group_chat(news)
                if chat is not None and str(chat.platform) in serving:
                    await self._to_chats([chat], [news])
        return True
