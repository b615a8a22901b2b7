"""Fan data rights and the community report: /mydata [export|delete [confirm]], /report preview."""

from __future__ import annotations

import json

from bot.audit import Auditor
from bot.commands import Arg, ArgKind, CommandError, CommandSpec, Result, Role
from bot.context import CommandContext, Context
from bot.dispatcher import Dispatcher
from bot.events import ButtonPressed
from bot.replies import BR, Button, Code, Text, say
from bot.services.report import build_report
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.members import MemberRepo
from storage.repositories.privacy import PrivacyRepo
from storage.repositories.stats import StatsRepo

WHAT_WE_KEEP = (
    "What fanloop stores about you: your platform ids, usernames and display names; the ideas and bug "
    "reports you sent, your votes and follows; questions you asked and answers you gave; your points "
    "history and grades; your notification preference. It is kept while you take part. /mydata export "
    "shows all of it; /mydata delete removes it on every platform at once. Manager actions that touched "
    "you (the audit log) are kept for accountability, without your name or ids."
)


class DataRightsCommands:
    def __init__(
        self,
        privacy: PrivacyRepo,
        stats: StatsRepo,
        items: FeedbackRepo,
        members: MemberRepo,
        auditor: Auditor,
        keep_voted_feedback: bool,
    ) -> None:
        self.privacy = privacy
        self.stats = stats
        self.items = items
        self.members = members
        self.auditor = auditor
        self.keep_voted_feedback = keep_voted_feedback

    def install(self, dispatcher: Dispatcher) -> None:
        dispatcher.registry.extend(self.specs())
        dispatcher.on_button("mydata.delete", self.press_delete)

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
            CommandSpec("report preview", "This week's community report, here", self.report, min_role=Role.MANAGER),
        ]

    async def explain(self, ctx: CommandContext) -> Result:
        return say(WHAT_WE_KEEP, private=True)

    async def export(self, ctx: CommandContext) -> Result:
        data = await self.privacy.export(ctx.member.member_id)
        if data is None:
            raise CommandError("I have nothing about you.")
        summary = (
            f"You have {len(data['identities'])} identity(ies), {len(data['feedback'])} feedback item(s), "
            f"{len(data['votes'])} vote(s), {len(data['questions'])} question(s), {len(data['answers'])} "
            f"answer(s), {data['points']['balance']} points in {len(data['points']['ledger'])} ledger row(s)."
        )
        document = json.dumps(data, ensure_ascii=False, indent=1)
        if len(document) <= 3000:
            return say(Text(summary), BR, Code(document), private=True)
        return say(
            f"{summary} The full export is too long for a chat message: a manager can hand you the file "
            f"(fanloop export member {ctx.member.member_id}).",
            private=True,
        )

    async def delete(self, ctx: CommandContext) -> Result:
        if ctx.args["confirm"] != "confirm":
            return say(
                "This deletes everything fanloop knows about you, on every platform, for good. "
                "Send /mydata delete confirm (or press the button) to go ahead.",
                private=True,
                buttons=[Button("Delete everything", "mydata.delete", str(ctx.member.member_id))],
            )
        return await self._forget(ctx)

    async def press_delete(self, ctx: Context, press: ButtonPressed) -> Result:
        if press.payload != str(ctx.member.member_id):
            raise CommandError("Only the fan who asked can confirm their own deletion.")
        return await self._forget(ctx)

    async def _forget(self, ctx: Context) -> Result:
        counts = await self.privacy.forget(
            ctx.member.member_id, keep_voted_feedback=self.keep_voted_feedback, at=ctx.now
        )
        kept = counts.get("feedback_kept", 0)
        note = f" {kept} idea(s) others voted for stay, credited to 'a former member'." if kept else ""
        return say(
            f"Done: your identities, votes, points and history are deleted on every platform.{note} "
            "If you speak here again you start as a new member.",
            private=True,
        )

    async def report(self, ctx: CommandContext) -> Result:
        return await build_report(self.stats, self.items, self.members, ctx.now)
