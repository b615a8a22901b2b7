"""The console adapter: a simulated fan channel in your terminal, or a transcript replay.

Transcript lines (also accepted interactively)::

    alice: how do I reset my phone?
    mia@manager: /help
    mia@manager (reply to alice): /log
    # comments and blank lines are skipped

A role given with ``@role`` sticks to that name for the rest of the session. ``(reply to
NAME)`` replies to NAME's latest message (``bot`` for the bot's). ``[press N]`` presses
button N. The bot's messages print as ``bot> text``; direct messages as ``bot> @name: text``;
posts to other chats as ``bot> #chat: text``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import uuid
from dataclasses import dataclass
from typing import TextIO

from bot.adapter import EventSink, SentRef, report_delivery
from bot.clock import Clock, SystemClock
from bot.commands import Role
from bot.events import Author, ButtonPressed, ChatRef, Event, IncomingMessage, Platform
from bot.replies import Button, Reply, render_plain

PLATFORM = Platform("console")

FAN_CHANNEL = ChatRef(PLATFORM, "fans", title="fans", community_id="console")
_LINE = re.compile(
    r"^(?P<name>[\w.\-]{1,64})(?:@(?P<role>[a-zA-Z]+))?"
    r"(?:\s*\(reply to (?P<target>[\w.\-]{1,64})\))?\s*:\s?(?P<text>.*)$"
)
_PRESS = re.compile(r"^\[press (\d+)\]$")


@dataclass(frozen=True, slots=True)
class ParsedLine:
    name: str
    role: Role | None
    reply_to: str | None
    text: str


def parse_line(line: str) -> ParsedLine | None:
    """Parse ``NAME[@ROLE][ (reply to X)]: TEXT``; None for blank/comment lines."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    m = _LINE.match(stripped)
    if m is None:
        raise ValueError(f"expected 'NAME: TEXT' or 'NAME@ROLE: TEXT', got {stripped[:60]!r}")
    role = Role.parse(m["role"]) if m["role"] else None
    return ParsedLine(m["name"], role, m["target"], m["text"])


class ConsoleAdapter:
    platform = PLATFORM

    def __init__(
        self,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        transcript: bool = False,
        default_user: str = "you",
        default_role: Role = Role.ADMIN,
        clock: Clock | None = None,
    ) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.transcript = transcript
        self.default_user = default_user
        self.clock = clock or SystemClock()
        self._roles: dict[str, Role] = {default_user.lower(): default_role}
        self._run = uuid.uuid4().hex[:8]  # message ids are unique per run, not per process life
        self._counter = 0
        self._last_by: dict[str, IncomingMessage] = {}
        self._last_bot_id: str | None = None
        self._buttons: dict[int, tuple[Button, ChatRef]] = {}
        self._sink: EventSink | None = None
        self._task: asyncio.Task[None] | None = None
        self._done = asyncio.Event()

    # -- lifecycle ----------------------------------------------------------------
    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        if not self.transcript and self.stdin.isatty():
            self._print_banner()
        self._task = asyncio.create_task(self._read_loop(), name="console-reader")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._done.set()

    async def wait_finished(self) -> None:
        await self._done.wait()

    # -- input --------------------------------------------------------------------
    async def _read_loop(self) -> None:
        interactive = not self.transcript and self.stdin.isatty()
        try:
            while True:
                if interactive:
                    try:
                        line = await asyncio.to_thread(input, f"{self.default_user}> ")
                    except EOFError:
                        break
                else:
                    line = await asyncio.to_thread(self.stdin.readline)
                    if not line:
                        break
                await self.feed(line, interactive=interactive)
        finally:
            self._done.set()

    async def feed(self, line: str, *, interactive: bool = False) -> None:
        """Handle one transcript line (public so tests can drive the adapter directly)."""
        try:
            parsed = parse_line(line)
        except ValueError as exc:
            if not interactive:
                self._write(f"bot> (skipped line: {exc})")
                return
            parsed = ParsedLine(self.default_user, None, None, line.strip()) if line.strip() else None
        if parsed is None:
            return
        if parsed.role is not None:
            self._roles[parsed.name.lower()] = parsed.role
        event = self._event(parsed)
        if event is None:
            return
        assert self._sink is not None
        result = await self._sink.handle(event)
        for reply, reply_id in result.outgoing():
            await self.reply(event, reply)
            await report_delivery(self._sink, reply_id)

    def _event(self, parsed: ParsedLine) -> Event | None:
        self._counter += 1
        author = Author(PLATFORM, parsed.name.lower(), parsed.name, username=parsed.name)
        message_id = f"{self._run}-{self._counter}"
        now = self.clock.now()
        if (m := _PRESS.match(parsed.text.strip())) is not None:
            found = self._buttons.get(int(m.group(1)))
            if found is None:
                self._write(f"bot> (no button {m.group(1)})")
                return None
            button, chat = found
            return ButtonPressed(chat, author, message_id, button.action, button.payload, now)
        reply_to_id = reply_author = reply_text = None
        if parsed.reply_to is not None:
            target = parsed.reply_to.lower()
            if target == "bot":
                reply_to_id = self._last_bot_id
            elif (prev := self._last_by.get(target)) is not None:
                reply_to_id, reply_author, reply_text = prev.message_id, prev.author, prev.text
        msg = IncomingMessage(
            FAN_CHANNEL,
            author,
            message_id,
            parsed.text,
            now,
            reply_to_id=reply_to_id,
            reply_to_author=reply_author,
            reply_to_text=reply_text,
        )
        self._last_by[author.user_id] = msg
        return msg

    # -- output -------------------------------------------------------------------
    def _render(self, reply: Reply, chat: ChatRef) -> list[str]:
        text = render_plain(reply.segments)
        if reply.is_error and not text.startswith("⚠"):
            text = "⚠ " + text
        lines = text.split("\n") or [""]
        if reply.buttons:
            labels = []
            for button in reply.buttons:
                number = len(self._buttons) + 1
                self._buttons[number] = (button, chat)
                labels.append(f"[{number}: {button.label}]")
            lines.append(" ".join(labels) + "  (type [press N])")
        return lines

    def _write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _emit(self, prefix: str, lines: list[str]) -> SentRef:
        for line in lines:
            self._write(f"{prefix}{line}".rstrip())
        self._counter += 1
        self._last_bot_id = f"{self._run}-{self._counter}"
        return SentRef(PLATFORM, "fans", (self._last_bot_id,))

    async def send(self, chat: ChatRef, reply: Reply) -> SentRef:
        prefix = "bot> " if chat.chat_id == FAN_CHANNEL.chat_id else f"bot> #{chat.title or chat.chat_id}: "
        return self._emit(prefix, self._render(reply, chat))

    async def reply(self, to: Event, reply: Reply) -> SentRef | None:
        if reply.private:
            return await self.send_direct(to.author, reply)
        return await self.send(to.chat, reply)

    async def edit(self, sent: SentRef, reply: Reply) -> None:
        self._emit("bot> (edited) ", self._render(reply, FAN_CHANNEL))

    async def send_direct(self, member: Author, reply: Reply) -> SentRef | None:
        return self._emit(f"bot> @{member.display_name}: ", self._render(reply, FAN_CHANNEL))

    async def resolve_role(self, chat: ChatRef, author: Author) -> Role | None:
        return self._roles.get(author.user_id)

    async def describe(self, chat: ChatRef, where: str = "en") -> list[str]:
        return []

    def _print_banner(self) -> None:
        self._write(
            "fanloop console — you are in a simulated fan channel.\n"
            f"Type a message as {self.default_user}, or speak as someone else with 'alice: hello' "
            "or 'mia@manager: /help'. /help lists commands. Ctrl-D quits."
        )
