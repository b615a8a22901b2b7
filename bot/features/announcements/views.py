"""Announcements on the dashboard: what goes out next (an overview panel); a four-week calendar in
the community's time zone with a form to schedule one; an announcement's page with its runs, its
per-target delivery report, and edit, pause, resume and cancel (as the /announce commands)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.dashboard.pages import NotFound, Page, PageRequest, Panel, Redirect, Refused, View
from bot.features.announcements.sending import schedule_of
from bot.features.announcements.service import delivery_label, state_label
from bot.i18n import Domain
from storage.repositories.announcements import AnnouncementRepo, AnnouncementView
from storage.repositories.chats import ChatRepo

T = Domain("announcements")
WEEKS = 4
ACTIONS = ("pause", "resume", "cancel")


class AnnouncementViews:
    def __init__(self, repo: AnnouncementRepo, chats: ChatRepo, timezone: str) -> None:
        self.repo, self.chats, self.timezone = repo, chats, timezone

    def pages(self) -> tuple[Page, ...]:
        return (
            Page(
                "/announcements", self.calendar, post=self.schedule, nav=lambda lang: T(lang, "Announcements"), order=50
            ),
            Page("/announcements/{number}", self.announcement, post=self.change),
        )

    def panels(self) -> tuple[Panel, ...]:
        return (Panel("announcements-next", self.upcoming, order=40),)

    async def upcoming(self, req: PageRequest) -> View | None:
        scheduled = await self.repo.listing(limit=6)
        if not scheduled:
            return None
        return View("announcements/upcoming_panel.html", T(req, "Scheduled announcements"), {"items": scheduled})

    async def calendar(self, req: PageRequest) -> View:
        zone = ZoneInfo(self.timezone)
        today = req.now.astimezone(zone).date()
        first = today - timedelta(days=today.weekday())  # this week's Monday
        end = datetime.combine(first + timedelta(weeks=WEEKS), datetime.min.time(), zone)
        days: dict[date, list[tuple[datetime, AnnouncementView]]] = {
            first + timedelta(days=i): [] for i in range(7 * WEEKS)
        }
        listed = await self.repo.listing(limit=200)
        for a in listed:
            if a.status != "active":
                continue
            for at in schedule_of(a).upcoming(req.now, count=7 * WEEKS * 24):
                if at >= end:
                    break
                local = at.astimezone(zone)
                days.setdefault(local.date(), []).append((local, a))
        weeks = [[(d, days[d]) for d in list(days)[w * 7 : w * 7 + 7]] for w in range(WEEKS)]
        values = {
            "weeks": weeks,
            "today": today,
            "paused": [a for a in listed if a.status == "paused"],
            "timezone": self.timezone,
            "targets": await self._targets(),
        }
        return View("announcements/calendar.html", T(req, "Announcements"), values)

    async def schedule(self, req: PageRequest) -> Redirect:
        when, target, text = " ".join(req.value("when").split()), req.value("target"), req.value("text")
        if not when or not text:
            raise Refused(T(req, "Say when and what: both are needed."))
        if target != "all" and not any(t == target for t, _ in await self._targets()):
            raise Refused(T(req, "Choose where it goes from the list."))
        done = await req.perform(f"/announce at {when} to {target} {text}")
        return Redirect("/announcements", done)

    async def _targets(self) -> list[tuple[str, str]]:
        return [(f"{c.platform}:{c.chat_id}", c.title or c.chat_id) for c in await self.chats.by_kind("announcement")]

    async def announcement(self, req: PageRequest) -> View:
        a = await self.repo.get(req.number("number"))
        if a is None:
            raise NotFound(T(req, "There is no announcement #{number}.", number=req.params.get("number")))
        deliveries = await self.repo.deliveries(a.id)
        zone = ZoneInfo(self.timezone)
        runs = [at.astimezone(zone) for at in schedule_of(a).upcoming(req.now, 5)] if a.status == "active" else []
        values = {
            "a": a,
            "state": state_label(req, a.status),
            "runs": runs,
            "deliveries": [(d, delivery_label(req, d.status)) for d in deliveries[-100:]],
            "timezone": self.timezone,
        }
        return View("announcements/announcement.html", T(req, "Announcement #{number}", number=a.id), values)

    async def change(self, req: PageRequest) -> Redirect:
        number = req.number("number")
        action = req.value("action")
        if action == "edit":
            text = req.value("text")
            if not text:
                raise Refused(T(req, "Write the new text first."))
            command = f"/announce edit {number} {text}"
        elif action in ACTIONS:
            command = f"/announce {action} {number}"
        else:
            raise Refused(T(req, "Unknown action."))
        return Redirect(f"/announcements/{number}", await req.perform(command))
