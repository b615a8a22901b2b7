"""Commands every community has: /help, /start, /whoami, /chat, /status, /audit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.audit import Auditor
from bot.commands import Arg, ArgKind, CommandRegistry, CommandSpec, Result, Role
from bot.context import CommandContext
from bot.contracts import FeedbackLoop
from bot.events import ChatRef
from bot.features.core.audit_lines import audit_line
from bot.features.core.setup import SetupCheck
from bot.i18n import N_, Domain, listing, summary
from bot.replies import BR, Bold, Code, Segment, Text, error, say
from storage.repositories.audit import AuditRepo
from storage.repositories.chats import ChatRepo
from storage.repositories.members import MemberRepo

CHAT_KIND_CHOICES = ("fan", "announcement", "manager", "other")
T = Domain("core")


def _role_name(ctx: CommandContext, role: Role) -> str:
    names = {
        Role.FAN: T(ctx, "fan"),
        Role.MODERATOR: T(ctx, "moderator"),
        Role.MANAGER: T(ctx, "manager"),
        Role.ADMIN: T(ctx, "admin"),
    }
    return names[role]


class CoreCommands:
    def __init__(
        self,
        registry: CommandRegistry,
        members: MemberRepo,
        chats: ChatRepo,
        audit: AuditRepo,
        status_lines: Callable[[ChatRef, str], Awaitable[list[str]]],
        community_name: str,
        *,
        feedback: FeedbackLoop | None = None,
        setup: SetupCheck,
    ) -> None:
        self.setup_check = setup
        self.registry = registry
        self.members = members
        self.chats = chats
        self.audit_repo = audit
        self.auditor = Auditor(audit)
        self.status_lines = status_lines
        self.community_name = community_name
        #: the feedback feature, when installed: ``/status N planned`` changes an item's status
        self.feedback = feedback

    def specs(self) -> list[CommandSpec]:
        return [
            CommandSpec("help", "List the commands you can use", self.help),
            CommandSpec("start", "Say hello and let the bot message you privately", self.start),
            CommandSpec("whoami", "Show how the bot sees you", self.whoami),
            CommandSpec(
                "chat",
                "Set what this chat is for (fan, announcement, manager)",
                self.chat,
                args=(
                    Arg(
                        "kind",
                        ArgKind.CHOICE,
                        "what this chat is for",
                        required=False,
                        choices=CHAT_KIND_CHOICES,
                    ),
                ),
                min_role=Role.MANAGER,
            ),
            CommandSpec(
                "status",
                "Bot health here; with an item number, change its status",
                self.status,
                args=(
                    Arg("number", ArgKind.INT, "a feedback item", required=False, min_value=1),
                    Arg("change", ArgKind.TEXT, "new status and comment", required=False),
                ),
                min_role=Role.MODERATOR,
                confirmable=True,
            ),
            CommandSpec(
                "setup", "What this community has and lacks, and what to fix", self.setup, min_role=Role.MODERATOR
            ),
            CommandSpec(
                "audit",
                "Show recent manager actions",
                self.audit,
                args=(Arg("target", ArgKind.WORD, "an item (#12) or member", required=False, max_length=100),),
                min_role=Role.MANAGER,
            ),
        ]

    async def help(self, ctx: CommandContext) -> Result:
        segs: list[Segment] = [Bold(T(ctx, "{community} commands", community=self.community_name)), BR]
        for spec in self.registry.all():
            if spec.hidden or (ctx.role < spec.min_role and (spec.perk is None or spec.perk not in ctx.perks)):
                continue
            segs += [Code(spec.usage(ctx)), Text(f" — {summary(spec, ctx)}"), BR]
        if ctx.role >= Role.MODERATOR:
            segs.append(Text(T(ctx, "(your role here: {role})", role=_role_name(ctx, ctx.role))))
            if not ctx.chat.is_private:  # a long list for one person: privately, a pointer in the group
                return [say(T(ctx, "Sent you the full command list privately.")), say(*segs, private=True)]
        return say(*segs)

    async def start(self, ctx: CommandContext) -> Result:
        if ctx.chat.is_private:
            await self.members.set_dm_open(str(ctx.author.platform), ctx.author.user_id, True)
        return say(
            T(
                ctx,
                "Hi {name}! I look after the {community} community: share ideas and bug reports, ask questions, "
                "and follow what ships. Try /help.",
                name=ctx.author.display_name,
                community=self.community_name,
            )
        )

    async def whoami(self, ctx: CommandContext) -> Result:
        ids = await self.members.identities(ctx.member.member_id)
        linked = listing(ctx, [f"{i.platform}:{i.display_name}" for i in ids])
        return say(
            T(
                ctx,
                "You are member #{number} ({role}); identities: {identities}.",
                number=ctx.member.member_id,
                role=_role_name(ctx, ctx.role),
                identities=linked,
            ),
            private=True,
        )

    async def chat(self, ctx: CommandContext) -> Result:
        platform, chat_id = str(ctx.chat.platform), ctx.chat.chat_id
        kind = ctx.args["kind"]
        if kind is None:
            current = await self.chats.get(platform, chat_id)
            return say(T(ctx, "This chat is set up as: {kind}.", kind=current.kind if current else "other"))
        await self.chats.set_kind(platform, chat_id, kind)
        await self.auditor.record(ctx, "chat.kind", target=ctx.chat.key, args={"kind": kind})
        return say(T(ctx, "This chat is now set up as: {kind}.", kind=kind))

    async def status(self, ctx: CommandContext) -> Result:
        if ctx.args["number"] is not None:
            if self.feedback is None:
                return error(T(ctx, "Feedback items are not enabled."))
            return await self.feedback.change_status(ctx, ctx.args["number"], ctx.args["change"])
        current = await self.chats.get(str(ctx.chat.platform), ctx.chat.chat_id)
        lines = [line for line in await self.status_lines(ctx.chat, ctx.lang) if not line.startswith("⚠")]
        lines.append(T(ctx, "this chat: {kind}", kind=current.kind if current else "other"))
        if current and not current.reachable:
            lines.append(T(ctx, "last delivery here failed: {reason}", reason=current.unreachable_reason))
        lines += await self.setup_check.problems(ctx.chat, where=ctx)  # the same gaps /setup lists
        return say("\n".join(lines))

    async def setup(self, ctx: CommandContext) -> Result:
        lines = await self.setup_check.checklist(ctx.chat, ctx.now, ctx)
        return say(Bold(T(ctx, "Setup of {community}", community=self.community_name)), BR, Text("\n".join(lines)))

    async def audit(self, ctx: CommandContext) -> Result:
        target = ctx.args["target"]
        about: int | None = None
        if target and target.startswith("@"):  # a member: actions on them and on their items
            found = await self.members.find(str(ctx.chat.platform), username=target[1:])
            if found is None:
                return error(T(ctx, "I don't know {who}.", who=target))
            about, target = found.member_id, None
        elif target and target.isdigit():
            target = f"#{target}"
        entries = await self.audit_repo.recent(target=target, about_member=about, limit=10)
        if not entries:
            none = (
                N_("No manager actions recorded for that.")
                if target or about
                else N_("No manager actions recorded yet.")
            )
            return say(T(ctx, none))
        segs: list[Segment] = [Bold(T(ctx, "Recent manager actions")), BR]
        for e in entries:
            segs += [Text(audit_line(e, ctx)), BR]
        return say(*segs)
