"""What a handler sees: the event, who sent it (as a member, with a role), parsed arguments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.commands import CommandSpec, Result, Role
from bot.events import Author, ButtonPressed, ChatRef, Event, IncomingMessage, Platform, PollVoted, ReactionAdded
from bot.replies import Reply
from storage.repositories.members import MemberView


@dataclass(slots=True)
class Context:
    event: Event
    member: MemberView
    role: Role
    now: datetime
    perks: frozenset[str] = frozenset()
    #: what managers set this chat up as (fan, announcement, manager, private, other), read once per event
    chat_kind: str = "other"
    #: per-event memo shared by listeners (e.g. the LLM's classification of this message)
    memo: dict[str, object] = field(default_factory=dict)
    #: the language to answer this member in: their /language choice, else their app's, else the
    #: chat's, else the configured default (``bot.i18n``)
    lang: str = "en"
    #: the language of the chat itself, for what is said to everyone there (notices, offers)
    chat_lang: str = "en"

    @property
    def chat(self) -> ChatRef:
        return self.event.chat

    @property
    def author(self) -> Author:
        return self.event.author

    @property
    def actor(self) -> str:
        """``platform:user_id`` of the caller, for the audit log."""
        return self.event.author.key


@dataclass(slots=True)
class CommandContext(Context):
    spec: CommandSpec | None = None
    args: dict[str, Any] = field(default_factory=dict)
    #: the author confirmed this command (button or a trailing ``confirm``): do it, don't ask
    confirmed: bool = False

    @property
    def replied_message(self) -> IncomingMessage | None:
        """The message this command replies to (``/log`` replying to a fan's post)."""
        ev = self.event
        if isinstance(ev, IncomingMessage) and ev.reply_to_id is not None:
            return ev
        return None


def author_of(member: MemberView) -> Author:
    """A member's identity as its platform names them: how to message them directly."""
    return Author(Platform(member.platform), member.user_id, member.display_name, member.username)


MessageListener = Callable[[Context], Awaitable[Result]]
ButtonHandler = Callable[[Context, ButtonPressed], Awaitable[Result]]
ReactionListener = Callable[[Context, ReactionAdded], Awaitable[Result]]


@dataclass(frozen=True, slots=True)
class Admission:
    """A feature's answer to a request to join a chat it guards: admit or not, and what the
    requester is told (privately)."""

    admit: bool
    reply: Reply | None = None


#: asked about every join request; answers None for a chat that isn't its to guard
AdmissionListener = Callable[[Context], Awaitable[Admission | None]]
#: told of every vote in a platform's native poll, with the member who voted
VoteListener = Callable[[MemberView, PollVoted], Awaitable[None]]
#: the perks a member has (from grades): a command with ``perk=`` is open to holders
PerkSource = Callable[[int], Awaitable[frozenset[str]]]
