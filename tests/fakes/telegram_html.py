"""Telegram's HTML parse mode, checked the way the Bot API checks it (for the fake server)."""

from __future__ import annotations

import html
import re

ALLOWED = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "tg-emoji",
    "span",
}
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>|&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);|[<>&]")


class ParseError(ValueError):
    pass


def visible_text(source: str) -> str:
    """The text a user sees; raises :class:`ParseError` like Telegram's 400 'can't parse entities'."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(source):
        out.append(source[pos : m.start()])
        pos = m.end()
        token = m.group(0)
        offset = len(source[: m.start()].encode("utf-8"))
        if token in ("<", ">", "&"):
            raise ParseError(f"can't parse entities: unexpected {token!r} at byte offset {offset}")
        if m.group(4):
            out.append(html.unescape(token))
            continue
        closing, name = m.group(1), m.group(2).lower()
        if name not in ALLOWED:
            raise ParseError(f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset}')
        if closing:
            if not stack or stack[-1] != name:
                raise ParseError(f"can't parse entities: Unexpected end tag at byte offset {offset}")
            stack.pop()
        else:
            if name == "a" and "href=" not in m.group(3):
                raise ParseError(f"can't parse entities: link without href at byte offset {offset}")
            stack.append(name)
    out.append(source[pos:])
    if stack:
        raise ParseError(f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return "".join(out)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
