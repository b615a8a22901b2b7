"""Fan data rights: /mydata, /mydata export, /mydata delete [confirm] — over every installed feature."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.commands import Arg, ArgKind, CommandError, CommandSpec, Result
from bot.context import CommandContext, Context
from bot.events import ButtonPressed
from bot.feature import DataRightsRegistry
from bot.i18n import N_, Domain
from bot.replies import BR, Button, Code, Text, say
from storage.rights import RightsRepo

T = Domain("mydata")
WHAT_WE_KEEP = N_(
    "What fanloop stores about you: your platform ids, usernames and display names; the ideas and bug "
    "reports you sent, your votes and follows; questions you asked and answers you gave; your points "
    "history and grades; your notification preference. It is kept while you take part. /mydata export "
    "shows all of it; /mydata delete removes it on every platform at once. Manager actions that touched "
    "you (the audit log) are kept for accountability, without your name or ids."
)


class DataRightsCommands:
    def __init__(self, rights: RightsRepo, hooks: DataRightsRegistry) -> None:
        self.rights = rights
        #: every installed feature's hooks, read at call time
        self.hooks = hooks

    async def export_member(self, member_id: int) -> dict[str, Any] | None:
        exports = [h.export for _, h in self.hooks.hooks() if h.export is not None]
        return await self.rights.export(member_id, exports)

    async def forget_member(self, member_id: int, at: datetime) -> dict[str, int]:
        """Reverse install order: a feature built on another's rows lets go of them first."""
        return await self.rights.forget(member_id, at, [h.forget for _, h in reversed(self.hooks.hooks())])

    def specs(self) -> list[CommandSpec]:
        return [
            CommandSpec("mydata", "What fanloop stores about you, and your choices", self.explain),
            CommandSpec("mydata export", "Everything fanloop holds about you", self.export),
            CommandSpec(
                "mydata delete",
                "Delete everything about you, on every platform",
                self.delete,
                args=(Arg("confirm", ArgKind.CHOICE, "type confirm to proceed", required=False, choices=("confirm",)),),
            ),
        ]

    async def explain(self, ctx: CommandContext) -> Result:
        return say(T(ctx, WHAT_WE_KEEP), private=True)

    async def export(self, ctx: CommandContext) -> Result:
        data = await self.export_member(ctx.member.member_id)
        if data is None:
            raise CommandError(T(ctx, "I have nothing about you."))
        points = data.get("points", {"balance": 0, "ledger": []})
        summary = T(
            ctx,
            "You have: identities {identities} · feedback items {feedback} · votes {votes} · questions {questions} "
            "· answers {answers} · points {points} (ledger rows {rows}).",
            identities=len(data["identities"]),
            feedback=len(data.get("feedback", [])),
            votes=len(data.get("votes", [])),
            questions=len(data.get("questions", [])),
            answers=len(data.get("answers", [])),
            points=points["balance"],
            rows=len(points["ledger"]),
        )
        document = json.dumps(data, ensure_ascii=False, indent=1)
        if len(document) <= 3000:
            return say(Text(summary), BR, Code(document), private=True)
        more = T(
            ctx,
            "The full export is too long for a chat message: a manager can hand you the file (fanloop export "
            "member {number}).",
            number=ctx.member.member_id,
        )
        return say(f"{summary} {more}", private=True)

    async def delete(self, ctx: CommandContext) -> Result:
        if ctx.args["confirm"] != "confirm":
            return say(
                T(
                    ctx,
                    "This deletes everything fanloop knows about you, on every platform, for good. Send /mydata "
                    "delete confirm (or press the button) to go ahead.",
                ),
                private=True,
                buttons=[Button(T(ctx, "Delete everything"), "mydata.delete", str(ctx.member.member_id))],
            )
        return await self._forget(ctx)

    async def press_delete(self, ctx: Context, press: ButtonPressed) -> Result:
        if press.payload != str(ctx.member.member_id):
            raise CommandError(T(ctx, "Only the fan who asked can confirm their own deletion."))
        return await self._forget(ctx)

    async def _forget(self, ctx: Context) -> Result:
        counts = await self.forget_member(ctx.member.member_id, ctx.now)
        kept = counts.get("feedback_kept", 0)
        if kept:
            text = T.plural(
                ctx,
                "Done: your identities, votes, points and history are deleted on every platform. {n} idea others "
                "voted for stays, credited to “a former member”. If you speak here again you start as a new member.",
                "Done: your identities, votes, points and history are deleted on every platform. {n} ideas others "
                "voted for stay, credited to “a former member”. If you speak here again you start as a new member.",
                kept,
            )
        else:
            text = T(
                ctx,
                "Done: your identities, votes, points and history are deleted on every platform. If you speak here "
                "again you start as a new member.",
            )
        done = say(text, private=True)
        return replace(done, durable=False)  # no outbox record of the fan may outlive the deletion
