"""The JSON shapes of Discord's API objects, as discord.py expects to read them (v10): users, guild
members, messages, interactions. The fake server (``discord_api``) fills them in."""

from __future__ import annotations

from typing import Any

APP_ID = "1000"
GUILD_ID = "2000"
CHANNEL_ID = "2100"
#: when the tests' bots defer an interaction ("thinking…"): inside Discord's 3 s like the
#: product's 2 s, and long enough that a busy CI machine answers in the first response, as the
#: tests expect (a 0.2 s budget turned ordinary commands into deferrals there)
DEFER_AFTER = 1.5
EVERYONE_PERMS = str(0x400 | 0x800 | 0x10000 | 0x40 | 0x80000000)  # view, send, read history, react, use app cmds
MANAGE_GUILD = 0x20
TIMESTAMP = "2026-01-05T12:00:00+00:00"


def user(uid: str, name: str, bot: bool = False) -> dict[str, Any]:
    return {"id": uid, "username": name.lower(), "discriminator": "0", "global_name": name, "avatar": None, "bot": bot}


BOT = user(APP_ID, "Fanloop", bot=True)


def member(person: dict[str, Any], *, manager: bool) -> dict[str, Any]:
    """A guild member with the permissions an interaction carries (Manage Server for managers)."""
    perms = int(EVERYONE_PERMS) | (MANAGE_GUILD if manager else 0)
    return {
        "user": person,
        "roles": [],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": str(perms),
        "nick": None,
    }


def _message(mid: str, channel_id: str, author: dict[str, Any], content: str) -> dict[str, Any]:
    return {
        "id": mid,
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }


def user_message(
    mid: str,
    author: dict[str, Any],
    guild_member: dict[str, Any],
    content: str,
    reply_to: dict[str, Any] | None,
    *,
    channel_id: str = CHANNEL_ID,
    guild_id: str = GUILD_ID,
) -> dict[str, Any]:
    """A member's message in a guild's #general (a reply when ``reply_to`` is given)."""
    msg = {**_message(mid, channel_id, author, content), "guild_id": guild_id, "member": guild_member}
    if reply_to is not None:
        msg["type"] = 19
        msg["message_reference"] = {"message_id": reply_to["id"], "channel_id": channel_id, "guild_id": guild_id}
        msg["referenced_message"] = reply_to
    return msg


def bot_message(mid: str, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The message Discord answers with when the bot posts ``body``."""
    return {
        **_message(mid, channel_id, BOT, body.get("content") or ""),
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "flags": body.get("flags", 0),
    }


def interaction(
    interaction_id: str, token: str, guild_member: dict[str, Any], itype: int, data: dict[str, Any]
) -> dict[str, Any]:
    """A slash command (``itype`` 2) or component press (3) by ``guild_member`` in #general."""
    return {
        "id": interaction_id,
        "application_id": APP_ID,
        "type": itype,
        "token": token,
        "version": 1,
        "guild_id": GUILD_ID,
        "channel_id": CHANNEL_ID,
        "channel": {
            "id": CHANNEL_ID,
            "type": 0,
            "name": "general",
            "guild_id": GUILD_ID,
            "position": 0,
            "permission_overwrites": [],
        },
        "member": guild_member,
        "data": data,
        "locale": "en-US",
        "guild_locale": "en-US",
        "app_permissions": str(0x7FFFFFFFFF),
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD_ID},
        "context": 0,
        "attachment_size_limit": 8388608,
    }
