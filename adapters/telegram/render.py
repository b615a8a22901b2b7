"""Core replies → Telegram HTML: every piece of user text escaped, split at 4,096 characters."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.replies import Bold, Button, Code, LineBreak, Link, Mention, Reply, Segment, Text, chunk_by

MAX_TEXT = 4096  # Telegram counts visible characters; capping the raw HTML is the safe side
MAX_CALLBACK_DATA = 64  # bytes


def _esc(value: str) -> str:
    return html.escape(value, quote=False)


def segment_html(seg: Segment) -> str:
    match seg:
        case Text(value):
            return _esc(value)
        case Bold(value):
            return f"<b>{_esc(value)}</b>"
        case Code(value):
            return f"<code>{_esc(value)}</code>"
        case Link(url, label):
            return f'<a href="{html.escape(url, quote=True)}">{_esc(label)}</a>'
        case Mention(platform, user_id, fallback) if platform == "telegram" and user_id.lstrip("-").isdigit():
            return f'<a href="tg://user?id={user_id}">{_esc(fallback)}</a>'
        case Mention(fallback=fallback):
            return _esc(f"@{fallback}")
        case LineBreak():
            return "\n"
    return ""


def render_html(segments: list[Segment] | tuple[Segment, ...]) -> str:
    return "".join(segment_html(s) for s in segments)


def render_chunks(reply: Reply) -> list[str]:
    """HTML messages for a reply, each within Telegram's limit, split at segment boundaries."""
    segments: list[Segment] = list(reply.segments)
    if reply.is_error:
        segments.insert(0, Text("⚠ "))
    chunks = chunk_by(segments, MAX_TEXT, lambda s: len(segment_html(s)))
    return [render_html(c) for c in chunks] or ["…"]


def callback_data(button: Button) -> str:
    data = f"{button.action}|{button.payload}"
    if len(data.encode("utf-8")) > MAX_CALLBACK_DATA:
        raise ValueError(f"button data too long for Telegram: {data[:40]!r}")
    return data


def parse_callback(data: str) -> tuple[str, str]:
    action, _, payload = data.partition("|")
    return action, payload


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    rows = [
        [InlineKeyboardButton(b.label[:64], callback_data=callback_data(b)) for b in buttons[i : i + 2]]
        for i in range(0, len(buttons), 2)
    ]
    return InlineKeyboardMarkup(rows)
