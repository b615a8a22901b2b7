"""Commands every community has: /help, /start, /whoami, /chat, /status, /audit."""

from __future__ import annotations

from bot.contracts import FEEDBACK
from bot.feature import Deps, Feature
from bot.features.core.commands import CoreCommands
from storage.repositories.audit import AuditRepo
from storage.repositories.chats import ChatRepo
from storage.repositories.members import MemberRepo


def build(deps: Deps) -> Feature:
    commands = CoreCommands(
        deps.commands,
        MemberRepo(deps.db),
        ChatRepo(deps.db),
        AuditRepo(deps.db),
        deps.health,
        deps.settings.community_name,
        feedback=deps.optional(FEEDBACK),
    )
    return Feature(name="core", commands=tuple(commands.specs()))
