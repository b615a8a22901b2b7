"""Telegram updates → core events."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import CallbackQuery, Chat, ChatJoinRequest, Message, PollAnswer, User

from adapters.telegram.render import parse_callback
from bot.commands import split_command
from bot.events import (
    Author,
    ButtonPressed,
    ChatRef,
    IncomingMessage,
    JoinRequested,
    MemberJoined,
    Platform,
    PollVoted,
)

PLATFORM = Platform("telegram")


def chat_ref(chat: Chat, thread_id: int | None = None) -> ChatRef:
    title = chat.title or chat.full_name or chat.username or str(chat.id)
    return ChatRef(
        PLATFORM,
        str(chat.id),
        title=title,
        is_private=chat.type == Chat.PRIVATE,
        thread_id=str(thread_id) if thread_id is not None else None,
        community_id=str(chat.id),
    )


def author(user: User) -> Author:
    return Author(
        PLATFORM,
        str(user.id),
        user.full_name or user.username or str(user.id),
        username=user.username,
        is_bot=user.is_bot,
        language=user.language_code,
    )


def _thread(msg: Message) -> int | None:
    return msg.message_thread_id if msg.is_topic_message else None


def normalise_command(text: str, bot_username: str) -> str | None:
    """``/help@this_bot x`` → ``/help x``; None when the command is for another bot."""
    if not text.startswith("/"):
        return text
    split = split_command(text, bot_username)
    if split is None:
        return None
    name, rest = split
    return f"/{name} {rest}".rstrip()


def message_event(msg: Message, bot_username: str) -> IncomingMessage | None:
    if msg.from_user is None:
        return None
    raw = msg.text if msg.text is not None else msg.caption
    if raw is None:
        return None
    text = normalise_command(raw, bot_username)
    if text is None:
        return None
    replied = msg.reply_to_message
    # in forum groups every message "replies" to the topic's service message: not a real reply
    real_reply = replied is not None and not (msg.is_topic_message and replied.forum_topic_created is not None)
    return IncomingMessage(
        chat=chat_ref(msg.chat, _thread(msg)),
        author=author(msg.from_user),
        message_id=str(msg.message_id),
        text=text,
        sent_at=msg.date.astimezone(UTC) if msg.date else datetime.now(UTC),
        reply_to_id=str(replied.message_id) if real_reply and replied else None,
        reply_to_author=author(replied.from_user) if real_reply and replied and replied.from_user else None,
        reply_to_text=(replied.text or replied.caption) if real_reply and replied else None,
    )


def joined_events(msg: Message) -> list[MemberJoined]:
    return [
        MemberJoined(chat_ref(msg.chat, _thread(msg)), author(u), f"{msg.message_id}:{u.id}", datetime.now(UTC))
        for u in msg.new_chat_members or ()
        if not u.is_bot
    ]


def join_request_event(request: ChatJoinRequest) -> JoinRequested:
    """A request to join through an invite link that needs approval; its id is the request (a second
    request by the same fan later is a new one)."""
    when = request.date.astimezone(UTC) if request.date else datetime.now(UTC)
    key = f"join:{request.from_user.id}:{int(when.timestamp())}"
    via = request.invite_link.invite_link if request.invite_link is not None else None
    return JoinRequested(chat_ref(request.chat), author(request.from_user), key, when, via)


def poll_vote_event(answer: PollAnswer) -> PollVoted | None:
    """A vote in one of the bot's polls (None for an anonymous admin voting as the chat)."""
    if answer.user is None:
        return None
    options = tuple(answer.option_ids)
    key = f"poll:{answer.poll_id}:{answer.user.id}:{','.join(map(str, options))}"
    return PollVoted(ChatRef(PLATFORM, ""), author(answer.user), key, answer.poll_id, options, datetime.now(UTC))


def button_event(query: CallbackQuery) -> ButtonPressed | None:
    msg = query.message
    if not isinstance(msg, Message) or query.data is None:
        return None
    action, payload = parse_callback(query.data)
    return ButtonPressed(
        chat_ref(msg.chat, _thread(msg)), author(query.from_user), f"cb:{query.id}", action, payload, datetime.now(UTC)
    )
