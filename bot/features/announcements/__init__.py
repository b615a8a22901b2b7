"""Announcements: scheduled and recurring broadcasts to the announcement chats, delivered once each."""

from __future__ import annotations

from bot.audit import Auditor
from bot.contracts import ANNOUNCER
from bot.feature import DataRights, Deps, Feature, Job, Provide
from bot.features.announcements.commands import AnnouncementCommands
from bot.features.announcements.sending import Broadcaster
from bot.features.announcements.service import AnnouncementService
from bot.features.announcements.views import AnnouncementViews
from storage.repositories.announcements import AnnouncementRepo
from storage.repositories.audit import AuditRepo
from storage.repositories.chats import ChatRepo
from storage.rights import announcements as rights


def build(deps: Deps) -> Feature:
    repo, chats, settings = AnnouncementRepo(deps.db), ChatRepo(deps.db), deps.settings.announcements
    broadcaster = Broadcaster(
        repo, chats, deps.messenger, deps.clock, settings, deps.worker_id, deps.notices, language=deps.language
    )
    service = AnnouncementService(repo, chats, deps.messenger, settings, deps.platforms, broadcaster)
    commands = AnnouncementCommands(service, Auditor(AuditRepo(deps.db)))
    views = AnnouncementViews(repo, chats, settings.timezone)
    return Feature(
        name="announcements",
        commands=tuple(commands.specs()),
        jobs=(Job("announcements", service.broadcaster.tick, every=5),),
        data_rights=(DataRights(tables=rights.TABLES, forget=rights.forget),),
        pages=views.pages(),
        panels=views.panels(),
        provides=(Provide(ANNOUNCER, service.broadcaster),),
    )
