"""Commands every community has: /help, /start, /whoami, /chat, /status, /audit."""

from __future__ import annotations

from bot.contracts import FEEDBACK
from bot.feature import Deps, Feature
from bot.features.core.commands import CoreCommands
from bot.features.core.language import LanguageCommands
from bot.features.core.setup import SetupCheck
from storage.repositories.audit import AuditRepo
from storage.repositories.chats import ChatRepo
from storage.repositories.members import MemberRepo
from storage.repositories.notices import NoticeRepo


def build(deps: Deps) -> Feature:
    commands = CoreCommands(
        deps.commands,
        MemberRepo(deps.db),
        ChatRepo(deps.db),
        AuditRepo(deps.db),
        deps.health,
        deps.settings.community_name,
        feedback=deps.optional(FEEDBACK),
        setup=SetupCheck(ChatRepo(deps.db), NoticeRepo(deps.db), deps.health),
    )
    languages = LanguageCommands(MemberRepo(deps.db), ChatRepo(deps.db))
    return Feature(name="core", commands=(*commands.specs(), *languages.specs()))
