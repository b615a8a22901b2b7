"""Runs one command for a member: the member's role, the command rate limit, the command and
sub-command the text names, the permission (role or perk), the arguments, and a confirmation
for commands that ask for one. The dispatcher hands it typed and slash commands and confirm
buttons; the dashboard reaches it through :meth:`bot.dispatcher.Dispatcher.perform`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.clock import Clock
from bot.commands import CommandRegistry, NeedsConfirmation, Result, Role, parse_args, split_command
from bot.confirming import CONFIRM, PendingCommands
from bot.context import CommandContext, PerkSource
from bot.events import ButtonPressed
from bot.i18n import N_, Domain
from bot.limits import RateLimiter
from bot.replies import Reply, error
from bot.roles import RoleResolver
from bot.settings import LimitsSettings

T = Domain("core")


class CommandRunner:
    def __init__(
        self,
        *,
        registry: CommandRegistry,
        roles: RoleResolver,
        pending: PendingCommands,
        clock: Clock,
        limits: LimitsSettings,
        mentions: Sequence[re.Pattern[str]] = (),
        perks: Sequence[PerkSource] = (),
    ) -> None:
        self.registry = registry
        self.roles = roles
        #: commands waiting for their author's confirmation
        self.pending = pending
        self.clock = clock
        self.mentions = tuple(mentions)
        self.rate = RateLimiter(limits.commands_per_window, limits.window_seconds)
        self.staff_rate = RateLimiter(
            max(limits.staff_commands_per_window, limits.commands_per_window), limits.window_seconds
        )
        self.perk_sources = tuple(perks)

    async def run(
        self, ctx: CommandContext, name: str, raw: str | dict[str, str | int | None], *, resolved: bool = False
    ) -> Result:
        """``resolved``: ctx.role is given (not asked of the platform) and a confirmation is left
        to the caller (NeedsConfirmation propagates)."""
        if not resolved:
            ctx.role = await self.roles.resolve(ctx.chat, ctx.author)
        limiter = self.staff_rate if ctx.role >= Role.MODERATOR else self.rate
        wait = limiter.hit(ctx.author.key, self.clock.now().timestamp())
        if wait > 0:
            return replace(
                error(
                    T(
                        ctx,
                        "Slow down a little: that command was not run. Send it again in {seconds} s.",
                        seconds=max(1, round(wait)),
                    )
                ),
                private=True,
            )
        args: str | dict[str, str | int | None] = raw
        if isinstance(raw, dict):  # a slash command: the platform already split name and args
            spec = self.registry.get(name)
        else:
            found = self.registry.resolve(name, raw)
            spec, args = found if found else (None, raw)
        if spec is None:
            subs = [s for s in self.registry.subcommands(name) if ctx.role >= s.min_role]
            if subs:
                return error(T(ctx, "Usage: {usage}", usage=" | ".join(s.usage(ctx) for s in subs)))
            return error(T(ctx, "Unknown command /{name}. Try /help.", name=name))
        if ctx.role < spec.min_role and (spec.perk is None or spec.perk not in await self._perks(ctx)):
            only = {
                Role.MODERATOR: N_("/{command} is for moderators only."),
                Role.MANAGER: N_("/{command} is for managers only."),
            }.get(spec.min_role, N_("/{command} is for admins only."))
            return error(T(ctx, only, command=spec.name))
        ctx.spec = spec
        if spec.confirmable and isinstance(args, str) and CONFIRM.search(args):
            args, ctx.confirmed = CONFIRM.sub("", args), True
        ctx.args = parse_args(spec, args, self.mentions)
        try:
            return await spec.handler(ctx)
        except NeedsConfirmation as ask:
            if resolved:
                raise
            return await self.pending.ask(ctx, spec, ask.preview)

    async def confirm(self, ctx: CommandContext, press: ButtonPressed) -> Result:
        """A press of a confirmation's button: the waiting command, run again as confirmed."""
        command = await self.pending.take(ctx, press)
        if isinstance(command, Reply):
            return command
        found = split_command(command)
        assert found is not None
        return await self.run(ctx, found[0], f"{found[1]} confirm")

    async def _perks(self, ctx: CommandContext) -> frozenset[str]:
        perks: set[str] = set()
        for source in self.perk_sources:
            perks |= await source(ctx.member.member_id)
        ctx.perks = frozenset(perks)
        return ctx.perks
