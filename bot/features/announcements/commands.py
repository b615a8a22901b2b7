"""Announcement commands (managers, audited): /announce at|list|show|preview|edit|pause|resume|cancel."""

from __future__ import annotations

from bot.audit import Auditor
from bot.commands import Arg, ArgKind, CommandSpec, Result, Role
from bot.context import CommandContext
from bot.features.announcements.service import AnnouncementService

ANN = Arg("id", ArgKind.INT, "the announcement number", min_value=1)


class AnnouncementCommands:
    def __init__(self, service: AnnouncementService, auditor: Auditor) -> None:
        self.service = service
        self.auditor = auditor

    def specs(self) -> list[CommandSpec]:
        m = Role.MANAGER
        return [
            CommandSpec(
                "announce at",
                "Schedule an announcement: WHEN [to here|all|CHAT] TEXT",
                self.at,
                args=(Arg("schedule", ArgKind.TEXT, "WHEN [to TARGETS] TEXT", max_length=4000),),
                min_role=m,
            ),
            CommandSpec("announce list", "Scheduled announcements", self.listing, min_role=m),
            CommandSpec(
                "announce show", "An announcement's targets and delivery report", self.show, args=(ANN,), min_role=m
            ),
            CommandSpec(
                "announce preview",
                "Show an announcement here as fans will see it",
                self.preview,
                args=(ANN,),
                min_role=m,
            ),
            CommandSpec(
                "announce edit",
                "Change the text (and every delivered copy)",
                self.edit,
                args=(ANN, Arg("text", ArgKind.TEXT, "the new text", max_length=4000)),
                min_role=m,
            ),
            CommandSpec("announce pause", "Pause a scheduled announcement", self.pause, args=(ANN,), min_role=m),
            CommandSpec("announce resume", "Resume a paused announcement", self.resume, args=(ANN,), min_role=m),
            CommandSpec("announce cancel", "Cancel an announcement", self.cancel, args=(ANN,), min_role=m),
        ]

    async def at(self, ctx: CommandContext) -> Result:
        reply = await self.service.schedule(ctx, ctx.args["schedule"])
        await self.auditor.record(ctx, "announce.schedule", args={"raw": ctx.args["schedule"][:300]})
        return reply

    async def listing(self, ctx: CommandContext) -> Result:
        return await self.service.listing(ctx)

    async def show(self, ctx: CommandContext) -> Result:
        return await self.service.show(ctx.args["id"], ctx)

    async def preview(self, ctx: CommandContext) -> Result:
        return await self.service.preview(ctx.args["id"], ctx)

    async def edit(self, ctx: CommandContext) -> Result:
        reply = await self.service.edit(ctx.args["id"], ctx.args["text"], ctx)
        await self.auditor.record(ctx, "announce.edit", target=f"announcement:{ctx.args['id']}")
        return reply

    async def _state(self, ctx: CommandContext, action: str) -> Result:
        reply = await self.service.set_state(ctx, ctx.args["id"], action)
        await self.auditor.record(ctx, f"announce.{action}", target=f"announcement:{ctx.args['id']}")
        return reply

    async def pause(self, ctx: CommandContext) -> Result:
        return await self._state(ctx, "pause")

    async def resume(self, ctx: CommandContext) -> Result:
        return await self._state(ctx, "resume")

    async def cancel(self, ctx: CommandContext) -> Result:
        return await self._state(ctx, "cancel")
