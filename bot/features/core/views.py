"""The core's part of the dashboard: the setup panel (what /setup says is missing) and the audit
log with filters."""

from __future__ import annotations

from bot.dashboard.pages import PAGE_SIZE, Page, PageRequest, Panel, View
from bot.events import ChatRef, Platform
from bot.features.core.audit_lines import audit_line
from bot.features.core.setup import SetupCheck
from bot.i18n import Domain
from storage.repositories.audit import AuditRepo
from storage.repositories.members import MemberRepo

T = Domain("core")
#: no adapter serves this "chat": the health lines say only what is wrong with the process
NOWHERE = ChatRef(Platform("dashboard"), "dashboard")


class CoreViews:
    def __init__(self, setup: SetupCheck, audit: AuditRepo, members: MemberRepo) -> None:
        self.setup, self.audit, self.members = setup, audit, members

    def pages(self) -> tuple[Page, ...]:
        return (Page("/audit", self.audit_log, nav=lambda lang: T(lang, "Audit log"), order=90),)

    def panels(self) -> tuple[Panel, ...]:
        return (Panel("setup", self.setup_panel, order=5),)

    async def setup_panel(self, req: PageRequest) -> View | None:
        problems = await self.setup.problems(NOWHERE, where=req.lang)
        kept, total = await self.setup.notices.unseen()
        if not problems and not kept:
            return None
        return View(
            "core/setup_panel.html", T(req, "Setup problems"), {"problems": problems, "kept": kept, "total": total}
        )

    async def audit_log(self, req: PageRequest) -> View:
        target = req.value("target")[:100] or None
        page = req.number("page", 1, high=10_000)
        about: int | None = None
        if target and target.startswith("member:") and target[7:].isdigit():
            about, target = int(target[7:]), None
        elif target and target.isdigit():
            target = f"#{target}"
        entries = await self.audit.recent(
            target=target, about_member=about, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
        )
        lines = [audit_line(e, req.lang) for e in entries[:PAGE_SIZE]]
        return View(
            "core/audit.html",
            T(req, "Audit log"),
            {"lines": lines, "target": req.value("target"), "page": page, "more": len(entries) > PAGE_SIZE},
        )
