"""Core replies → Discord messages: markdown-escaped fan text, no mass mentions, 2,000 characters."""

from __future__ import annotations

import discord

from bot.replies import Bold, Button, Code, LineBreak, Link, Mention, Reply, Segment, Text, chunk_by

MAX_CONTENT = 2000
PREFIX = "fl|"  # custom ids of fanloop's buttons


def _esc(value: str) -> str:
    return discord.utils.escape_mentions(discord.utils.escape_markdown(value))


def segment_md(seg: Segment) -> str:
    match seg:
        case Text(value):
            return _esc(value)
        case Bold(value):
            return f"**{_esc(value)}**"
        case Code(value):
            return "`" + value.replace("`", "ˋ") + "`"
        case Link(url, label):
            return f"[{_esc(label)}](<{url}>)"
        case Mention(platform, user_id, _) if platform == "discord" and user_id.isdigit():
            return f"<@{user_id}>"
        case Mention(fallback=fallback):
            return _esc(f"@{fallback}")
        case LineBreak():
            return "\n"
    return ""


def render_chunks(reply: Reply) -> list[str]:
    segments: list[Segment] = list(reply.segments)
    if reply.is_error:
        segments.insert(0, Text("⚠ "))
    chunks = chunk_by(segments, MAX_CONTENT, lambda s: len(segment_md(s)))
    return ["".join(segment_md(s) for s in c) for c in chunks] or ["…"]


def allowed_mentions(reply: Reply) -> discord.AllowedMentions:
    """Nobody, except the members this message is meant to ping."""
    users = [discord.Object(int(key.split(":", 1)[1])) for key in reply.mentions if key.startswith("discord:")]
    return discord.AllowedMentions(everyone=False, roles=False, users=users or False, replied_user=False)


def view(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    if not buttons:
        return None
    v = discord.ui.View(timeout=None)
    for b in buttons[:25]:
        custom_id = f"{PREFIX}{b.action}|{b.payload}"
        if len(custom_id) > 100:
            raise ValueError(f"button id too long for Discord: {custom_id[:40]!r}")
        v.add_item(discord.ui.Button(label=b.label[:80], custom_id=custom_id, style=discord.ButtonStyle.secondary))
    return v


def parse_custom_id(custom_id: str) -> tuple[str, str] | None:
    if not custom_id.startswith(PREFIX):
        return None
    action, _, payload = custom_id[len(PREFIX) :].partition("|")
    return action, payload
