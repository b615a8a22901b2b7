"""Release commands (managers, audited): /release new|add|show|ship|schedule."""

from __future__ import annotations

import re

from bot.audit import Auditor
from bot.commands import Arg, ArgKind, CommandError, CommandSpec, NeedsConfirmation, Result, Role
from bot.context import CommandContext
from bot.features.releases.service import ReleaseService, T

VERSION = Arg("version", ArgKind.WORD, "e.g. 3.2.0", max_length=40)
_VERSION = re.compile(r"^[\w.+\-]{1,40}$")


class ReleaseCommands:
    def __init__(self, service: ReleaseService, auditor: Auditor, default_tz: str) -> None:
        self.service = service
        self.auditor = auditor
        self.default_tz = default_tz

    def specs(self) -> list[CommandSpec]:
        m = Role.MANAGER
        return [
            CommandSpec(
                "release new",
                "Create a release draft",
                self.new,
                args=(VERSION, Arg("notes", ArgKind.TEXT, "release notes", required=False, max_length=3000)),
                min_role=m,
            ),
            CommandSpec(
                "release add",
                "Put a fan idea into a release",
                self.add,
                args=(VERSION, Arg("number", ArgKind.INT, "feedback item", min_value=1)),
                min_role=m,
            ),
            CommandSpec("release show", "Preview a release announcement", self.show, args=(VERSION,), min_role=m),
            CommandSpec(
                "release ship",
                "Ship a release: mark its ideas shipped and announce it",
                self.ship,
                args=(VERSION,),
                min_role=m,
                slow=True,
                confirmable=True,
            ),
            CommandSpec(
                "release schedule",
                "Ship a release on the next slot, e.g. every fri 17:00",
                self.schedule,
                args=(VERSION, Arg("when", ArgKind.TEXT, "every fri 17:00 [Zone]", max_length=200)),
                min_role=m,
            ),
        ]

    @staticmethod
    def _version(ctx: CommandContext) -> str:
        version: str = ctx.args["version"]
        if not _VERSION.match(version):
            raise CommandError(T(ctx, "“{version}” is not a version (letters, digits, . + - _).", version=version))
        return version

    async def new(self, ctx: CommandContext) -> Result:
        reply = await self.service.create(self._version(ctx), ctx.args["notes"], ctx)
        await self.auditor.record(ctx, "release.new", target=f"release:{ctx.args['version']}")
        return reply

    async def add(self, ctx: CommandContext) -> Result:
        reply = await self.service.add(self._version(ctx), ctx.args["number"], ctx)
        await self.auditor.record(
            ctx, "release.add", target=f"#{ctx.args['number']}", args={"version": ctx.args["version"]}
        )
        return reply

    async def show(self, ctx: CommandContext) -> Result:
        return await self.service.preview(self._version(ctx), ctx)

    async def ship(self, ctx: CommandContext) -> Result:
        version = self._version(ctx)
        await self._reaches_someone(ctx, version)
        if not ctx.confirmed:  # ideas marked shipped and fans told can't be taken back
            raise NeedsConfirmation(await self.service.ship_preview(version, ctx))
        reply = await self.service.ship(version, ctx.member.member_id, ctx)
        await self.auditor.record(ctx, "release.ship", target=f"release:{ctx.args['version']}")
        return reply

    async def _reaches_someone(self, ctx: CommandContext, version: str) -> None:
        if not await self.service.announcer.reach():
            raise CommandError(
                T(
                    ctx,
                    "There is no announcement chat yet, so no one would hear about {version}. Run /chat announcement "
                    "in the chat that should get release news, then try again.",
                    version=version,
                )
            )

    async def schedule(self, ctx: CommandContext) -> Result:
        await self._reaches_someone(ctx, self._version(ctx))
        reply = await self.service.schedule(self._version(ctx), ctx.args["when"], self.default_tz, ctx)
        await self.auditor.record(
            ctx, "release.schedule", target=f"release:{ctx.args['version']}", args={"when": ctx.args["when"]}
        )
        return reply
