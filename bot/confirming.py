"""Commands that ask first: a confirmable command whose handler raises NeedsConfirmation is kept
for its author (in the database, so the button works in whichever process receives the press,
once, for ten minutes) and answered with what it would do and a Confirm button; sending the
command again ending with "confirm" does it too."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from bot.commands import CommandSpec, MemberRef, T
from bot.context import CommandContext
from bot.events import ButtonPressed
from bot.replies import Button, Reply, Text, error
from storage.repositories.confirmations import ConfirmationRepo

CONFIRM_ACTION = "core.confirm"
CONFIRM_TTL = timedelta(minutes=10)
#: "… confirm" at the end of a confirmable command
CONFIRM = re.compile(r"\s*\bconfirm\s*$", re.IGNORECASE)


class PendingCommands:
    def __init__(self, repo: ConfirmationRepo) -> None:
        self.repo = repo

    async def ask(self, ctx: CommandContext, spec: CommandSpec, preview: Reply) -> Reply:
        """Keep the command for its author and show what it would do, with a Confirm button."""
        given = [a for a in spec.args if ctx.args.get(a.name) is not None]
        command = " ".join(["/" + spec.name, *(_arg_text(ctx.args[a.name], a is given[-1]) for a in given)])
        pending = await self.repo.add(ctx.member.member_id, str(ctx.chat.platform), ctx.chat.chat_id, command, ctx.now)
        hint = Text(
            T(ctx, " Nothing happens until you confirm (within 10 minutes) — or send it again ending with “confirm”.")
        )
        return replace(
            preview,
            segments=(*preview.segments, hint),
            buttons=(*preview.buttons, Button(T(ctx, "Confirm"), CONFIRM_ACTION, str(pending))),
        )

    async def take(self, ctx: CommandContext, press: ButtonPressed) -> str | Reply:
        """The command a Confirm button stands for (once, its author's, within ten minutes), or the
        one-line answer why not."""
        try:
            pending = int(press.payload)
        except ValueError:
            return error(T(ctx, "That button no longer works."))
        command = await self.repo.take(pending, ctx.member.member_id, ctx.now, CONFIRM_TTL)
        if command is None:
            return error(
                T(ctx, "That confirmation has expired, was used already, or is someone else's. Send the command again.")
            )
        return command


def _arg_text(value: object, last: bool) -> str:
    """An argument as it would be typed again (quoted when it has spaces and isn't the last)."""
    if isinstance(value, MemberRef):
        return value.raw
    if isinstance(value, timedelta):
        return f"{int(value.total_seconds())}s"
    text = str(value)
    return f'"{text}"' if " " in text and not last else text
