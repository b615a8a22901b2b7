"""/dashboard and /dashboard signout."""

from __future__ import annotations

from dataclasses import replace

from bot.commands import CommandSpec, Result, Role
from bot.context import CommandContext
from bot.dashboard.auth import LINK_TTL, SignIn
from bot.i18n import Domain
from bot.replies import BR, Link, Text, error, say

T = Domain("dashboard")


class DashboardCommands:
    def __init__(self, signin: SignIn, *, served: bool) -> None:
        self.signin = signin
        #: False when no HTTP server is configured: a link would lead nowhere
        self.served = served

    def specs(self) -> list[CommandSpec]:
        m = Role.MODERATOR
        return [
            CommandSpec("dashboard", "A private sign-in link to the web dashboard", self.link, min_role=m),
            CommandSpec("dashboard signout", "Sign out of the dashboard in every browser", self.signout, min_role=m),
        ]

    async def link(self, ctx: CommandContext) -> Result:
        if not self.served:
            return replace(
                error(
                    T(
                        ctx,
                        "The dashboard is off here: an operator sets [http] listen (and public_url, for browsers "
                        "on other machines) in the config, or runs fanloop web. See README → Dashboard.",
                    )
                ),
                private=True,
            )
        member = ctx.member
        url = await self.signin.link(member.member_id, f"{member.platform}:{member.user_id}", ctx.role, ctx.lang)
        minutes = int(LINK_TTL.total_seconds() // 60)
        text = T(ctx, "Your sign-in link (works once, for {minutes} minutes; don't share it):", minutes=minutes)
        # not kept in the reply outbox: the database holds no usable copy of the secret
        return replace(say(Text(text), BR, Link(url, url), private=True), durable=False)

    async def signout(self, ctx: CommandContext) -> Result:
        ended = await self.signin.sign_out_everywhere(ctx.member.member_id)
        return say(
            T.plural(ctx, "Signed out of {n} browser session.", "Signed out of {n} browser sessions.", ended),
            private=True,
        )
