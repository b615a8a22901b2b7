"""/language (a member's own choice) and /chat language (a chat's default, managers)."""

from __future__ import annotations

from bot.commands import Arg, ArgKind, CommandError, CommandSpec, Result, Role
from bot.context import CommandContext
from bot.i18n import Domain, available, negotiate
from bot.replies import say
from storage.repositories.chats import ChatRepo
from storage.repositories.members import MemberRepo

T = Domain("core")
#: how each language calls itself (what /language lists)
NAMES = {"en": "English", "zh_CN": "简体中文"}
LANGUAGE = Arg("language", ArgKind.WORD, "zh-CN, en or auto", max_length=16)


def tag(locale: str) -> str:
    return locale.replace("_", "-")


class LanguageCommands:
    def __init__(self, members: MemberRepo, chats: ChatRepo) -> None:
        self.members = members
        self.chats = chats

    def specs(self) -> list[CommandSpec]:
        return [
            CommandSpec("language", "Choose the language I use with you", self.language, args=(LANGUAGE,)),
            CommandSpec(
                "chat language",
                "Set this chat's language (for notices and announcements here)",
                self.chat_language,
                args=(LANGUAGE,),
                min_role=Role.MANAGER,
            ),
        ]

    def _choice(self, ctx: CommandContext) -> str | None:
        raw: str = ctx.args["language"]
        if raw.lower() == "auto":
            return None
        found = negotiate(raw)
        if found is None:
            spoken = ", ".join(f"{NAMES.get(a, a)} ({tag(a)})" for a in available())
            raise CommandError(T(ctx, "I speak {languages}. /language auto follows your app.", languages=spoken))
        return found

    async def language(self, ctx: CommandContext) -> Result:
        chosen = self._choice(ctx)
        await self.members.set_language(ctx.member.member_id, chosen)
        if chosen is None:
            return say(T(ctx, "OK: I'll follow your app's language."))
        return say(T(chosen, "OK: I'll speak English with you.", language=NAMES.get(chosen, chosen)))

    async def chat_language(self, ctx: CommandContext) -> Result:
        chosen = self._choice(ctx)
        await self.chats.set_language(str(ctx.chat.platform), ctx.chat.chat_id, chosen)
        shown = chosen or ctx.chat_lang
        return say(T(shown, "This chat's notices and announcements are now in English."))
