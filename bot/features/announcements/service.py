"""Announcements: scheduled, recurring, cross-platform broadcasts, delivered once per target.

The announcements table is the source of truth. This module is the managers' side: /announce
schedules, lists, shows, previews, pauses, resumes, cancels and edits them. Sending (the tick
that starts due runs and delivers them, in any process on the database) is
:mod:`bot.features.announcements.sending`.
"""

from __future__ import annotations

import logging

from bot.adapter import SentRef
from bot.commands import CommandError
from bot.context import Context
from bot.events import Platform
from bot.features.announcements.sending import Broadcaster, body, schedule_of
from bot.i18n import N_, SOURCE, Domain, Where
from bot.messenger import Messenger
from bot.platforms import PlatformRegistry
from bot.replies import BR, Bold, Reply, Segment, Text, say
from bot.settings import AnnouncementsSettings
from bot.when import WhenError, parse_when, shown
from storage.repositories.announcements import AnnouncementRepo, AnnouncementView
from storage.repositories.chats import ChatRepo
from storage.repositories.releases import ReleaseRepo

log = logging.getLogger(__name__)
T = Domain("announcements")
MAX_TEXT = 3500


def too_long(where: Where, length: int) -> str:
    return T(where, "That's too long ({length} characters, at most {limit}).", length=length, limit=MAX_TEXT)


STATES = {"active": N_("active"), "paused": N_("paused"), "done": N_("done"), "cancelled": N_("cancelled")}
DELIVERIES = {
    "pending": N_("pending"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "failed": N_("failed"),
    "missed": N_("missed"),
}


def state_label(where: Where, status: str) -> str:
    return T.label(where, STATES, status)


def delivery_label(where: Where, status: str) -> str:
    return T.label(where, DELIVERIES, status)


class AnnouncementService:
    def __init__(
        self,
        repo: AnnouncementRepo,
        chats: ChatRepo,
        messenger: Messenger,
        settings: AnnouncementsSettings,
        platforms: PlatformRegistry,
        broadcaster: Broadcaster,
    ) -> None:
        self.repo = repo
        self.chats = chats
        self.messenger = messenger
        self.settings = settings
        self.platforms = platforms
        #: sends the runs that are due, here or in any process on the database
        self.broadcaster = broadcaster

    # -- scheduling --------------------------------------------------------------------------
    async def _targets(self, ctx: Context, spec: str) -> list[str]:
        if spec == "all":
            return ["all"]
        out = []
        for name in (n.strip() for n in spec.split(",") if n.strip()):
            if name == "here":
                out.append(ctx.chat.key + (f"/{ctx.chat.thread_id}" if ctx.chat.thread_id else ""))
                continue
            if self.platforms.parse_target(name):  # platform:chat_id, or platform:chat_id/topic for a forum topic
                out.append(name)
                continue
            matches = [
                c
                for c in await self.chats.by_kind("announcement") + await self.chats.by_kind("fan")
                if name.lstrip("#").lower() in (c.title.lower(), c.chat_id)
            ]
            if not matches:
                raise CommandError(
                    T(ctx, "I don't know a chat called “{name}”. Use 'here', 'all' or a chat's title.", name=name)
                )
            out += [f"{c.platform}:{c.chat_id}" for c in matches]
        return out

    async def schedule(self, ctx: Context, raw: str) -> Reply:
        try:
            when, rest = parse_when(raw, ctx.now, self.settings.timezone)
        except WhenError as exc:
            raise CommandError(exc.sentence(ctx)) from None
        targets = ["all"]
        if rest.lower().startswith("to "):
            _, spec, *tail = rest.split(" ", 2)
            targets = await self._targets(ctx, spec.lower() if spec.lower() in ("all", "here") else spec)
            rest = tail[0] if tail else ""
        text = rest.strip()
        if not text:
            raise CommandError(T(ctx, "What should I announce? /announce at WHEN [to here|all|CHAT] TEXT"))
        if targets == ["all"] and not await self.broadcaster.reach():  # said now, not found out later
            raise CommandError(
                T(
                    ctx,
                    "There is no announcement chat yet, so this would reach no one. Run /chat announcement in the "
                    "chat that should get announcements (or name one: /announce at WHEN to here TEXT).",
                )
            )
        if len(text) > MAX_TEXT:
            raise CommandError(too_long(ctx, len(text)))
        upcoming = when.upcoming(ctx.now, 3)
        if not upcoming:
            raise CommandError(T(ctx, "That schedule never runs."))
        announcement_id = await self.repo.create(
            text=text,
            kind=when.kind,
            run_at=when.run_at,
            cron=when.cron,
            timezone=when.timezone,
            targets=targets,
            next_run_at=upcoming[0],
            created_by=ctx.member.member_id,
            at=ctx.now,
        )
        runs = T(ctx, "; ").join(shown(d, when.timezone, self.settings.timezone, ctx) for d in upcoming)
        if targets == ["all"]:
            done = T.plural(
                ctx,
                "Scheduled announcement #{number} to all announcement chats. Next run: {runs}.",
                "Scheduled announcement #{number} to all announcement chats. Next runs: {runs}.",
                len(upcoming),
                number=announcement_id,
                runs=runs,
            )
        else:
            chats = T.plural(ctx, "{n} chat", "{n} chats", len(targets))
            done = T.plural(
                ctx,
                "Scheduled announcement #{number} to {chats}. Next run: {runs}.",
                "Scheduled announcement #{number} to {chats}. Next runs: {runs}.",
                len(upcoming),
                number=announcement_id,
                chats=chats,
                runs=runs,
            )
        return say(done)

    async def get(self, announcement_id: int, where: Where = SOURCE) -> AnnouncementView:
        a = await self.repo.get(announcement_id)
        if a is None or a.status == "cancelled":
            raise CommandError(T(where, "There is no announcement #{number}.", number=announcement_id))
        return a

    async def listing(self, where: Where = SOURCE) -> Reply:
        items = await self.repo.listing()
        trains = await ReleaseRepo(self.repo.db).scheduled()  # the release train is a broadcast too
        if not items and not trains:
            return say(T(where, "No announcements scheduled. /announce at WHEN [to TARGETS] TEXT"))
        reader = self.settings.timezone
        segs: list[Segment] = []
        for a in items:
            nxt = shown(a.next_run_at, a.timezone, reader, where) if a.next_run_at else "—"
            first = a.text.split("\n", 1)[0][:60]
            line = T(
                where,
                "#{number} [{status}] next {next} · {schedule} · {text}",
                number=a.id,
                status=state_label(where, a.status),
                next=nxt,
                schedule=schedule_of(a).describe(where),
                text=first,
            )
            segs += [Text(line), BR]
        for r in trains:
            nxt = shown(r.next_run_at, r.timezone or reader, reader, where) if r.next_run_at else "—"
            line = T(
                where,
                "release {version} [{status}] ships {next} · /release show {version}",
                version=r.version,
                status=r.status,
                next=nxt,
            )
            segs += [Text(line), BR]
        return say(*segs)

    async def show(self, announcement_id: int, where: Where = SOURCE) -> Reply:
        a = await self.get(announcement_id, where)
        deliveries = await self.repo.deliveries(a.id)
        segs: list[Segment] = [
            Bold(T(where, "Announcement #{number} ({status})", number=a.id, status=state_label(where, a.status))),
            BR,
            Text(
                T(
                    where,
                    "{schedule}; targets: {targets}",
                    schedule=schedule_of(a).describe(where),
                    targets=", ".join(a.targets),
                )
            ),
            BR,
        ]
        if not deliveries:
            segs.append(Text(T(where, "Not delivered yet.")))
        for d in deliveries[:25]:
            why = f" — {d.error}" if d.error else ""
            when = shown(d.occurrence_at, a.timezone, self.settings.timezone, where)
            segs += [Text(f"{when} {d.platform}:{d.chat_id}: {delivery_label(where, d.status)}{why}"), BR]
        return say(*segs)

    async def preview(self, announcement_id: int, where: Where = SOURCE) -> Reply:
        return body((await self.get(announcement_id, where)).text)

    async def set_state(self, ctx: Context, announcement_id: int, action: str) -> Reply:
        a = await self.get(announcement_id, ctx)
        state = state_label(ctx, a.status)
        if action == "cancel":
            await self.repo.set_status(a.id, "cancelled")
            return say(T(ctx, "Cancelled announcement #{number}.", number=a.id))
        if action == "pause":
            if a.status != "active":
                raise CommandError(T(ctx, "#{number} is {status}, not active.", number=a.id, status=state))
            await self.repo.set_status(a.id, "paused")
            return say(T(ctx, "Paused announcement #{number}.", number=a.id))
        if a.status != "paused":
            raise CommandError(T(ctx, "#{number} is {status}, not paused.", number=a.id, status=state))
        nxt = schedule_of(a).next_after(ctx.now)
        if nxt is None:
            raise CommandError(T(ctx, "#{number} has no run left; schedule a new one.", number=a.id))
        await self.repo.set_status(a.id, "active", next_run_at=nxt)
        return say(
            T(
                ctx,
                "Resumed announcement #{number}; next run {next}.",
                number=a.id,
                next=shown(nxt, a.timezone, self.settings.timezone, ctx),
            )
        )

    async def edit(self, announcement_id: int, text: str, where: Where = SOURCE) -> Reply:
        a = await self.get(announcement_id, where)
        if len(text) > MAX_TEXT:
            raise CommandError(too_long(where, len(text)))
        await self.repo.set_text(a.id, text)
        edited, failed = 0, []
        for d in await self.repo.deliveries(a.id):
            if d.status != "sent" or not d.message_ids:
                continue
            try:
                await self.messenger.edit(SentRef(Platform(d.platform), d.chat_id, d.message_ids), body(text))
                edited += 1
            except Exception as exc:  # a platform that can't edit must not stop the others
                failed.append(f"{d.platform}:{d.chat_id} ({getattr(exc, 'reason', exc)})")
        done = T.plural(
            where,
            "Updated announcement #{number}; edited {n} delivered copy.",
            "Updated announcement #{number}; edited {n} delivered copies.",
            edited,
            number=a.id,
        )
        if failed:
            done += T(where, " Could not edit: {chats}.", chats=", ".join(failed))
        return say(done)
