"""Commands every community has: /help, /start, /whoami, /chat, /status, /audit."""

from __future__ import annotations

from bot.contracts import FEEDBACK
from bot.feature import Deps, Feature
from bot.features.core.commands import CoreCommands
from bot.features.core.language import LanguageCommands
from bot.features.core.setup import SetupCheck
from bot.features.core.views import CoreViews
from storage.repositories.audit import AuditRepo
from storage.repositories.chats import ChatRepo
from storage.repositories.members import MemberRepo
from storage.repositories.notices import NoticeRepo


def build(deps: Deps) -> Feature:
    setup = SetupCheck(ChatRepo(deps.db), NoticeRepo(deps.db), deps.health)
    commands = CoreCommands(
        deps.commands,
        MemberRepo(deps.db),
        ChatRepo(deps.db),
        AuditRepo(deps.db),
        deps.health,
        deps.settings.community_name,
        feedback=deps.optional(FEEDBACK),
        setup=setup,
    )
    languages = LanguageCommands(MemberRepo(deps.db), ChatRepo(deps.db))
    views = CoreViews(setup, AuditRepo(deps.db), MemberRepo(deps.db))
    return Feature(
        name="core",
        commands=(*commands.specs(), *languages.specs()),
        pages=views.pages(),
        panels=views.panels(),
    )
