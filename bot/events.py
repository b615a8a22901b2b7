"""Platform-neutral events that adapters hand to the core.

Every id is a string: Telegram chat ids are negative integers, Discord ids are 64-bit
snowflakes, console ids are names. All text in here came from a user and is untrusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime
from typing import NewType

#: a platform's name as its adapter plugin gives it ("telegram", "discord", "console", ...)
Platform = NewType("Platform", str)


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where something was said, or where to say something."""

    platform: Platform
    chat_id: str
    title: str = ""
    is_private: bool = False
    #: Telegram forum topic / Discord thread, when the chat has them.
    thread_id: str | None = None
    #: Discord guild id; Telegram chat id. Roles and settings are scoped to it.
    community_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.chat_id}"


@dataclass(frozen=True, slots=True)
class Author:
    """Who said it, as the platform names them."""

    platform: Platform
    user_id: str
    display_name: str
    username: str | None = None
    is_bot: bool = False
    #: the language the member's app is set to, as the platform says it (Telegram ``language_code``,
    #: Discord interaction ``locale``); None where the platform doesn't tell
    language: str | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A message in a chat: plain text or a command typed as text (``/help``)."""

    chat: ChatRef
    author: Author
    message_id: str
    text: str
    sent_at: datetime
    reply_to_id: str | None = None
    #: Author of the message this one replies to, when the platform tells us.
    reply_to_author: Author | None = None
    reply_to_text: str | None = None


@dataclass(frozen=True, slots=True)
class CommandInvocation:
    """A command with arguments already split by the platform (Discord slash commands).

    ``args`` maps parameter names to the raw values the platform delivered; the registry
    still validates them, since the core never trusts a platform-side check alone.
    """

    chat: ChatRef
    author: Author
    message_id: str
    name: str
    args: dict[str, str | int | None]
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class ButtonPressed:
    """A fan pressed a button the bot sent (inline keyboard, Discord component)."""

    chat: ChatRef
    author: Author
    message_id: str  # the press's own id (callback query / interaction id)
    action: str
    payload: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class MemberJoined:
    chat: ChatRef
    author: Author
    message_id: str
    sent_at: datetime
    #: the invite they came through, when the platform lets the adapter tell (Discord: the invite
    #: whose use count went up)
    via: str | None = None


@dataclass(frozen=True, slots=True)
class JoinRequested:
    """Someone asked to join a chat whose invite link needs approval (Telegram join requests). The
    core admits, refuses or leaves it to the chat's admins (``HandleResult.admit``); its answer goes
    to the requester privately, never to the chat."""

    chat: ChatRef
    author: Author
    message_id: str
    sent_at: datetime
    #: the invite link they came through, when the platform says (a fan's own link: ``/invite``)
    via: str | None = None


@dataclass(frozen=True, slots=True)
class PollVoted:
    """A vote in a platform's own poll (Telegram). ``poll_id`` is the platform's; ``options`` the
    positions chosen, empty when the vote was taken back. The platform doesn't say which chat: the
    core knows where it posted the poll (``chat`` carries the platform only)."""

    chat: ChatRef
    author: Author
    message_id: str
    poll_id: str
    options: tuple[int, ...]
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class ReactionAdded:
    chat: ChatRef
    author: Author
    message_id: str  # id of the reaction event (platform-unique, used for dedupe)
    target_message_id: str
    emoji: str
    sent_at: datetime
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChatMigrated:
    """The platform moved a chat to a new id (Telegram group → supergroup)."""

    chat: ChatRef
    author: Author
    message_id: str
    new_chat_id: str
    sent_at: datetime


Event = (
    IncomingMessage
    | CommandInvocation
    | ButtonPressed
    | MemberJoined
    | JoinRequested
    | PollVoted
    | ReactionAdded
    | ChatMigrated
)


def clean_text(text: str) -> str:
    """Text every database can store: no NUL (PostgreSQL refuses it), no lone surrogates (not UTF-8)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _clean(value: object) -> object:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in fields(value):
            old = getattr(value, f.name)
            new = _clean(old)
            if new is not old and new != old:
                changes[f.name] = new
        return replace(value, **changes) if changes else value
    return value


def cleaned(event: Event) -> Event:
    """The event with every text field cleaned (the core's boundary: fan text is never trusted)."""
    result = _clean(event)
    assert isinstance(result, type(event))
    return result
