"""FAQ and community-answer commands: /ask, /faq ..., /accept, /questions open."""

from __future__ import annotations

from bot.audit import Auditor
from bot.commands import Arg, ArgKind, CommandError, CommandSpec, Result, Role
from bot.context import CommandContext, Context
from bot.events import ButtonPressed
from bot.features.faq.service import FaqService, T

ENTRY = Arg("entry", ArgKind.INT, "the FAQ entry number", min_value=1)


class FaqCommands:
    def __init__(self, service: FaqService, auditor: Auditor) -> None:
        self.service = service
        self.auditor = auditor

    def specs(self) -> list[CommandSpec]:
        text = Arg("text", ArgKind.TEXT, "your question", required=False)
        manager = Role.MANAGER
        return [
            CommandSpec("ask", "Ask the FAQ (always answers)", self.ask, args=(text,)),
            CommandSpec("faq show", "Show a FAQ entry", self.show, args=(ENTRY,)),
            CommandSpec("faq search", "Search the FAQ", self.search, args=(text,)),
            CommandSpec(
                "faq add",
                "Add an entry: QUESTION | ANSWER",
                self.add,
                args=(Arg("entry_text", ArgKind.TEXT, "QUESTION | ANSWER", max_length=4000),),
                min_role=manager,
            ),
            CommandSpec(
                "faq edit",
                "Replace an entry's answer",
                self.edit,
                args=(ENTRY, Arg("answer", ArgKind.TEXT, "the new answer", max_length=3500)),
                min_role=manager,
            ),
            CommandSpec(
                "faq alt",
                "Add another phrasing of an entry's question",
                self.alt,
                args=(ENTRY, Arg("phrasing", ArgKind.TEXT, "how fans ask it", max_length=500)),
                min_role=manager,
            ),
            CommandSpec("faq remove", "Remove an entry", self.remove, args=(ENTRY,), min_role=manager),
            CommandSpec(
                "faq reset",
                "Clear an entry's 👍/👎, its askers' 👎 questions and its flag",
                self.reset,
                args=(ENTRY,),
                min_role=manager,
            ),
            CommandSpec(
                "faq list",
                "List entries",
                self.listing,
                args=(Arg("tag", ArgKind.WORD, "only this tag", required=False, max_length=40),),
                min_role=Role.MODERATOR,
            ),
            CommandSpec(
                "faq link",
                "Answer the replied question with an entry and learn it",
                self.link,
                args=(ENTRY,),
                min_role=manager,
            ),
            CommandSpec(
                "faq learn",
                "Turn the replied accepted answer into an entry",
                self.learn,
                args=(
                    Arg(
                        "entry_text",
                        ArgKind.TEXT,
                        "QUESTION | ANSWER to edit it first",
                        required=False,
                        max_length=4000,
                    ),
                ),
                min_role=manager,
            ),
            CommandSpec("accept", "Accept the replied answer to your question", self.accept),
            CommandSpec(
                "questions open",
                "Questions still waiting for an answer",
                self.open_questions,
                min_role=manager,
                perk="can_triage",
            ),
            CommandSpec(
                "questions learn",
                "Turn a question fans answered into a FAQ entry",
                self.learn_question,
                args=(
                    Arg("number", ArgKind.INT, "the question's number", min_value=1),
                    Arg(
                        "entry_text",
                        ArgKind.TEXT,
                        "QUESTION | ANSWER to edit it first",
                        required=False,
                        max_length=4000,
                    ),
                ),
                min_role=manager,
            ),
        ]

    async def on_message(self, ctx: Context) -> Result:
        return await self.service.on_message(ctx)

    async def press_rate(self, ctx: Context, press: ButtonPressed) -> Result:
        try:
            return await self.service.ratings.rate(ctx, press.payload)
        except ValueError:
            raise CommandError(T(ctx, "That button no longer works.")) from None

    async def ask(self, ctx: CommandContext) -> Result:
        return await self.service.ask(ctx, ctx.args["text"])

    async def show(self, ctx: CommandContext) -> Result:
        return await self.service.show(ctx.args["entry"], ctx)

    async def search(self, ctx: CommandContext) -> Result:
        return await self.service.search(ctx, ctx.args["text"])

    async def add(self, ctx: CommandContext) -> Result:
        reply = await self.service.add(ctx, ctx.args["entry_text"])
        await self.auditor.record(ctx, "faq.add", args={"text": ctx.args["entry_text"][:200]})
        return reply

    async def edit(self, ctx: CommandContext) -> Result:
        reply = await self.service.edit(ctx.args["entry"], ctx.args["answer"], ctx)
        await self.auditor.record(ctx, "faq.edit", target=f"faq:{ctx.args['entry']}")
        return reply

    async def alt(self, ctx: CommandContext) -> Result:
        return await self.service.alt(ctx.args["entry"], ctx.args["phrasing"], ctx)

    async def remove(self, ctx: CommandContext) -> Result:
        reply = await self.service.remove(ctx.args["entry"], ctx)
        await self.auditor.record(ctx, "faq.remove", target=f"faq:{ctx.args['entry']}")
        return reply

    async def listing(self, ctx: CommandContext) -> Result:
        return await self.service.listing(ctx.args["tag"], ctx)

    async def link(self, ctx: CommandContext) -> Result:
        replies = await self.service.link(ctx, ctx.args["entry"])
        await self.auditor.record(ctx, "faq.link", target=f"faq:{ctx.args['entry']}")
        return replies

    async def learn(self, ctx: CommandContext) -> Result:
        reply = await self.service.community.learn(ctx, ctx.args["entry_text"])
        await self.auditor.record(ctx, "faq.learn")
        return reply

    async def reset(self, ctx: CommandContext) -> Result:
        reply = await self.service.ratings.reset(ctx.args["entry"], ctx)
        await self.auditor.record(ctx, "faq.reset", target=f"faq:{ctx.args['entry']}")
        return reply

    async def learn_question(self, ctx: CommandContext) -> Result:
        reply = await self.service.community.learn_question(ctx, ctx.args["number"], ctx.args["entry_text"])
        await self.auditor.record(ctx, "faq.learn", args={"question": ctx.args["number"]})
        return reply

    async def accept(self, ctx: CommandContext) -> Result:
        return await self.service.community.accept(ctx)

    async def open_questions(self, ctx: CommandContext) -> Result:
        return await self.service.community.open_list(ctx)
