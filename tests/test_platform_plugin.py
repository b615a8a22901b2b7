"""A third-party platform needs no edit in bot/: a stub "matrix" adapter, registered in the same
registry the ``fanloop.adapters`` entry points feed, brings its settings section, mention syntax and
chat-target syntax, and a transcript runs through it end to end."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, SecretStr

from bot.adapter import Adapter, EventSink, SentRef
from bot.app import App
from bot.clock import Clock, ManualClock
from bot.commands import Role
from bot.events import Author, ChatRef, Event, IncomingMessage, Platform
from bot.platforms import PlatformPlugin, PlatformRegistry, Target
from bot.replies import Reply
from bot.settings import Settings
from storage.db import Database

MATRIX = Platform("matrix")
ROOM = ChatRef(MATRIX, "!fans:example.org", title="fans")


class MatrixSettings(BaseModel):
    homeserver: str = ""
    token: SecretStr | None = None


class StubMatrix:
    """Replays (user, text) lines as room messages; records what the bot says."""

    platform = MATRIX

    def __init__(self, lines: list[tuple[str, str]], clock: Clock) -> None:
        self.lines, self.clock = lines, clock
        self.said: list[str] = []
        self.posted: list[tuple[str, str]] = []
        self._done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, sink: EventSink) -> None:
        self._task = asyncio.create_task(self._replay(sink))

    async def _replay(self, sink: EventSink) -> None:
        for n, (user, text) in enumerate(self.lines, 1):
            author = Author(MATRIX, f"@{user}:example.org", user, username=user)
            result = await sink.handle(IncomingMessage(ROOM, author, f"$event{n}", text, self.clock.now()))
            self.said += [r.plain() for r in result.replies]
            for reply_id in result.reply_ids:  # every adapter reports each reply's fate to the outbox
                if reply_id is not None:
                    await sink.delivered(reply_id, "sent")
        self._done.set()

    async def stop(self) -> None:
        self._done.set()

    async def wait_finished(self) -> None:
        await self._done.wait()

    async def send(self, chat: ChatRef, reply: Reply) -> SentRef:
        self.posted.append((chat.chat_id, reply.plain()))
        return SentRef(MATRIX, chat.chat_id, ("$sent",))

    async def reply(self, to: Event, reply: Reply) -> SentRef | None:
        return await self.send(to.chat, reply)

    async def edit(self, sent: SentRef, reply: Reply) -> None:
        return None

    async def send_direct(self, member: Author, reply: Reply) -> SentRef | None:
        return None

    async def resolve_role(self, chat: ChatRef, author: Author) -> Role | None:
        return None

    async def describe(self, chat: ChatRef, where: str = "en") -> list[str]:
        return ["matrix: stub"]


def matrix_plugin(lines: list[tuple[str, str]]) -> PlatformPlugin:
    def create(section: MatrixSettings, clock: Clock, options: Mapping[str, Any]) -> Adapter:
        assert section.homeserver == "https://matrix.example.org"
        return StubMatrix(lines, clock)

    return PlatformPlugin(
        name="matrix",
        settings=MatrixSettings,
        create=create,
        configured=lambda s: bool(s.token),
        mention=re.compile(r"^(@[a-z0-9._=\-]+:[a-z0-9.\-]+)$"),
        chat_id=re.compile(r"![A-Za-z0-9]+:[a-z0-9.\-]+"),
        secrets=lambda s: (s.token,),
    )


async def test_a_third_party_platform_runs_a_transcript_without_touching_the_core(db: Database) -> None:
    clock = ManualClock(datetime(2026, 3, 20, 12, 0, tzinfo=UTC))
    lines = [
        ("alice", "/idea Threads in the room list"),
        ("mia", "/rank @alice:example.org"),
        ("mia", "/announce at in 1h to matrix:!news:example.org Room upgrade tonight"),
        ("mia", "/announce at in 1h to matrix:news Room upgrade tonight"),
        ("alice", "/status 1 planned"),
    ]
    registry = PlatformRegistry.discover()
    registry.add(matrix_plugin(lines))
    settings = Settings(
        platforms={"matrix": {"homeserver": "https://matrix.example.org", "token": "syt_x"}},
        roles={"managers": ["matrix:@mia:example.org"]},  # type: ignore[arg-type]
        limits={"commands_per_window": 1000},  # type: ignore[arg-type]
    )
    assert registry.configured(registry.sections(settings)) == ["matrix"]
    assert registry.parse_target("matrix:!news:example.org") == Target("matrix", "!news:example.org")
    assert registry.parse_target("matrix:news") is None

    app = App(settings, db=db, clock=clock, platforms=registry)
    app.build_adapters(console=False)
    assert list(app.adapters) == ["matrix"]
    stub = app.adapters["matrix"]
    assert isinstance(stub, StubMatrix)
    await app.prepare()
    await asyncio.wait_for(app.run(), 30)

    assert stub.said[0].startswith("Thanks alice! Logged your idea as #1")
    assert stub.said[1].startswith("alice: Newcomer, 5 points")  # the plugin's mention syntax found alice
    assert stub.said[2].startswith("Scheduled announcement #1")  # the plugin's target syntax
    assert stub.said[3] == "I don't know a chat called “matrix:news”. Use 'here', 'all' or a chat's title."
    assert stub.said[4] == "/status is for moderators only."  # roles from the config name the plugin's ids
