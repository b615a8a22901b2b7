"""Sending announcements: each tick starts the runs that are due (a compare-and-set moves the
schedule on, so one process starts each run) with one delivery row per target, then claims
pending deliveries in batches (claimed atomically: two processes on one PostgreSQL never both
send one) and sends them a few at a time. A crash between sending and recording leaves a row
'sending'; after the lease it is sent again (at most one duplicate per target, logged)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.adapter import DeliveryError
from bot.clock import Clock
from bot.events import ChatRef, Platform
from bot.i18n import SOURCE, Domain
from bot.messenger import Messenger
from bot.notices import ManagerNotices
from bot.replies import Reply, say
from bot.settings import AnnouncementsSettings
from bot.when import Schedule, shown
from storage.repositories.announcements import AnnouncementRepo, AnnouncementView, DeliveryView
from storage.repositories.chats import ChatRepo

log = logging.getLogger(__name__)
T = Domain("announcements")
LEASE = timedelta(minutes=2)
PARALLEL_SENDS = 8
BATCH = 500
MAX_BATCHES = 50


def schedule_of(a: AnnouncementView) -> Schedule:
    return Schedule(a.kind, a.timezone, run_at=a.run_at, cron=a.cron)


def body(text: str) -> Reply:
    return say(text)


class Broadcaster:
    def __init__(
        self,
        repo: AnnouncementRepo,
        chats: ChatRepo,
        messenger: Messenger,
        clock: Clock,
        settings: AnnouncementsSettings,
        worker_id: str,
        notices: ManagerNotices,
        language: str = SOURCE,
    ) -> None:
        self.repo = repo
        self.chats = chats
        self.messenger = messenger
        self.clock = clock
        self.settings = settings
        self.worker_id = worker_id
        self.notices = notices
        #: the community's default language: what manager notices are written in
        self.language = language

    async def reach(self) -> int:
        """How many announcement chats a broadcast to all would go to right now."""
        return len(await self.chats.keys_by_kind("announcement"))

    async def announce_now(self, text: str, actor_id: int | None) -> int:
        """A one-off announcement to every announcement chat, due immediately (releases use it)."""
        now = self.clock.now()
        return await self.repo.create(
            text=text,
            kind="once",
            run_at=now,
            cron=None,
            timezone=self.settings.timezone,
            targets=["all"],
            next_run_at=now,
            created_by=actor_id,
            at=now,
        )

    async def tick(self) -> int:
        """Start due runs and deliver what is pending; returns deliveries sent."""
        now = self.clock.now()
        grace = timedelta(minutes=self.settings.misfire_grace_minutes)
        for a in await self.repo.due(now):
            occurrence = a.next_run_at
            assert occurrence is not None
            nxt = schedule_of(a).next_after(max(occurrence, now))  # runs missed while down are not replayed
            if not await self.repo.advance(a.id, occurrence, nxt):
                continue  # another worker started this run
            targets = await self._resolve(a)
            if now - occurrence > grace:
                await self.repo.add_deliveries(
                    a.id, occurrence, targets, status="missed", error="the bot was down at the scheduled time"
                )
                await self._report(
                    T(
                        self.language,
                        "Announcement #{number} missed its run at {time} (the bot was down longer than the grace "
                        "period); it was not sent.",
                        number=a.id,
                        time=shown(occurrence, a.timezone, self.settings.timezone, self.language),
                    )
                )
                continue
            if not targets:
                await self._report(
                    T(
                        self.language,
                        "Announcement #{number}: no announcement chat to send to (set one with /chat announcement).",
                        number=a.id,
                    )
                )
            await self.repo.add_deliveries(a.id, occurrence, targets)
        sent = 0
        for _ in range(MAX_BATCHES):  # a big broadcast is claimed in batches; stop when a batch isn't full
            count, claimed = await self.deliver()
            sent += count
            if claimed < BATCH:
                break
        return sent

    async def _resolve(self, a: AnnouncementView) -> list[tuple[str, str]]:
        if "all" in a.targets:
            return await self.chats.keys_by_kind("announcement")
        return [tuple(t.split(":", 1)) for t in a.targets]  # type: ignore[misc]

    async def deliver(self) -> tuple[int, int]:
        """Send claimed deliveries a few at a time (the adapters pace the actual sends under the
        platform's limit, so database work overlaps with waiting instead of adding to it)."""
        claimed = await self.repo.claim(
            self.worker_id, self.clock.now(), LEASE, limit=BATCH, platforms=self.messenger.serving()
        )
        if not claimed:
            return 0, 0
        announcements = {i: await self.repo.get(i) for i in {d.announcement_id for d in claimed}}
        titles = await self.chats.titles(list({(d.platform, d.chat_id.partition("/")[0]) for d in claimed}))
        failures: dict[int, list[str]] = {}
        gate = asyncio.Semaphore(PARALLEL_SENDS)

        async def one(d: DeliveryView) -> bool:
            async with gate:
                a = announcements[d.announcement_id]
                if a is None or a.status == "cancelled":
                    await self.repo.finish(d.id, "failed", self.clock.now(), error="cancelled before delivery")
                    return False
                chat_id, _, topic = d.chat_id.partition("/")
                title = titles.get((d.platform, chat_id), "")
                ref = ChatRef(Platform(d.platform), chat_id, title=title, thread_id=topic or None)
                try:
                    result = await self.messenger.send(ref, body(a.text))
                except DeliveryError as exc:
                    await self.repo.finish(
                        d.id, "failed" if exc.permanent else "pending", self.clock.now(), error=exc.reason
                    )
                    if exc.permanent:
                        failures.setdefault(a.id, []).append(f"{title or d.chat_id} ({exc.reason})")
                    return False
                await self.repo.finish(d.id, "sent", self.clock.now(), message_ids=result.message_ids)
                return True

        sent = sum(await asyncio.gather(*(one(d) for d in claimed)))
        for announcement_id, reasons in failures.items():
            await self._report(
                T(
                    self.language,
                    "Announcement #{number} could not be delivered to: {chats}. /announce show {number} lists "
                    "every target.",
                    number=announcement_id,
                    chats="; ".join(reasons),
                )
            )
        return sent, len(claimed)

    async def _report(self, text: str) -> None:
        """Tell the managers once (announcements that fail silently are the top complaint)."""
        await self.notices.tell(text)
