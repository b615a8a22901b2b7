"""What the core says: text built from safe primitives, rendered and escaped by each adapter.

A service never builds platform markup. User-written text only ever travels inside a
:class:`Text` (or the fallback of a :class:`Mention`), so an adapter can escape it and a
fan can never inject markup or a mass mention.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bot.events import Author, ChatRef


@dataclass(frozen=True, slots=True)
class Text:
    value: str


@dataclass(frozen=True, slots=True)
class Bold:
    value: str


@dataclass(frozen=True, slots=True)
class Code:
    value: str


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    label: str

    def __post_init__(self) -> None:
        if not self.url.startswith(("https://", "http://", "tg://")):
            raise ValueError(f"refusing link with unsafe scheme: {self.url[:40]!r}")


@dataclass(frozen=True, slots=True)
class Mention:
    """The only way to ping someone. ``fallback`` is shown where a ping is impossible."""

    platform: str
    user_id: str
    fallback: str


@dataclass(frozen=True, slots=True)
class LineBreak:
    """A paragraph boundary; adapters prefer to split long messages here."""


Segment = Text | Bold | Code | Link | Mention | LineBreak
CostFn = Callable[[Segment], int]
BR = LineBreak()


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str
    payload: str = ""


@dataclass(frozen=True, slots=True)
class PollSpec:
    """A poll, for platforms with native polls (Telegram): they post it as one instead of the reply's
    text and buttons, which every other platform shows (a button per option)."""

    question: str
    options: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send. ``private`` asks for an ephemeral/DM answer where possible."""

    segments: tuple[Segment, ...]
    buttons: tuple[Button, ...] = ()
    private: bool = False
    is_error: bool = False
    #: Members this message is meant to ping (adapters allow mentions for these only).
    mentions: tuple[str, ...] = field(default=())
    #: kept in the reply outbox until sent; False only for the answer to /mydata delete, which
    #: must leave no record of the fan behind (it is sent once, like a reply before the outbox)
    durable: bool = True
    #: the language it is written in (the dispatcher sets it): adapters word what they add in it
    lang: str = "en"
    #: post as the platform's own poll where it has them (the segments and buttons are the fallback)
    poll: PollSpec | None = None

    def plain(self) -> str:
        """Unescaped plain text, for logs, tests and the console."""
        return render_plain(self.segments)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message the core wants delivered somewhere other than as a direct reply."""

    chat: ChatRef
    reply: Reply
    #: Deliver privately to this member instead of the chat (DM), falling back to ``chat``.
    direct_to: Author | None = None


def mention_line(people: Iterable[tuple[str, str, str]]) -> list[Segment]:
    """``(platform, user_id, display_name)`` → mentions separated by spaces."""
    segs: list[Segment] = []
    for platform, user_id, name in people:
        if segs:
            segs.append(Text(" "))
        segs.append(Mention(platform, user_id, name))
    return segs


def render_plain(segments: Iterable[Segment]) -> str:
    out: list[str] = []
    for seg in segments:
        match seg:
            case Text(value) | Bold(value) | Code(value):
                out.append(value)
            case Link(url, label):
                out.append(f"{label} ({url})" if label != url else url)
            case Mention(fallback=fallback):
                out.append(f"@{fallback}")
            case LineBreak():
                out.append("\n")
    return "".join(out)


def say(*parts: str | Segment, private: bool = False, buttons: Sequence[Button] = ()) -> Reply:
    """Build a reply; plain ``str`` parts become :class:`Text` (escaped by the adapter)."""
    segs: list[Segment] = []
    for part in parts:
        if isinstance(part, str):
            lines = part.split("\n")
            for i, line in enumerate(lines):
                if i:
                    segs.append(BR)
                if line:
                    segs.append(Text(line))
        else:
            segs.append(part)
    while segs and isinstance(segs[-1], LineBreak):
        segs.pop()
    mentions = tuple(f"{s.platform}:{s.user_id}" for s in segs if isinstance(s, Mention))
    return Reply(tuple(segs), buttons=tuple(buttons), private=private, mentions=mentions)


def error(message: str) -> Reply:
    """A short, one-line error answer. Never a traceback."""
    return Reply((Text(message),), is_error=True)


def chunk_by(segments: Sequence[Segment], limit: int, cost: CostFn) -> list[list[Segment]]:
    """Split segments into messages whose rendered size (``cost``) stays within ``limit``.

    Paragraph boundaries (:data:`BR`) are preferred, then segment boundaries; only a single
    segment longer than the limit is cut, at whitespace where possible. Markup is never cut:
    every chunk is a whole list of segments that the adapter renders on its own.
    """
    paragraphs: list[list[Segment]] = [[]]
    for seg in segments:
        if isinstance(seg, LineBreak):
            paragraphs.append([])
        else:
            paragraphs[-1].append(seg)
    br = cost(BR)
    chunks: list[list[Segment]] = []
    current: list[Segment] = []
    size = 0

    def flush() -> None:
        nonlocal current, size
        while current and isinstance(current[-1], LineBreak):
            current.pop()
        if current:
            chunks.append(current)
        current, size = [], 0

    for para in paragraphs:
        para_cost = sum(cost(s) for s in para)
        if current and size + br + para_cost <= limit:
            current.append(BR)
            current.extend(para)
            size += br + para_cost
            continue
        if current or not para:
            if not para:  # an empty paragraph: keep the blank line if it fits
                if current and size + br <= limit:
                    current.append(BR)
                    size += br
                continue
            flush()
        if para_cost <= limit:
            current, size = list(para), para_cost
            continue
        for seg in para:  # paragraph too long on its own: pack segment by segment
            for piece in _cut(seg, limit, cost) if cost(seg) > limit else [seg]:
                c = cost(piece)
                if current and size + c > limit:
                    flush()
                current.append(piece)
                size += c
    flush()
    return chunks


def _cut(seg: Segment, limit: int, cost: CostFn) -> list[Segment]:
    if not isinstance(seg, Text | Bold | Code):
        return [seg]  # links and mentions are short by construction
    kind = type(seg)
    out: list[Segment] = []
    rest = seg.value
    while rest:
        piece = rest[:limit]
        if len(piece) < len(rest):
            ws = piece.rfind(" ")
            if ws > limit // 2:
                piece = rest[: ws + 1]
        while cost(kind(piece)) > limit and len(piece) > 1:  # escaping can grow the text
            piece = piece[: max(1, len(piece) * 9 // 10)]
        out.append(kind(piece))
        rest = rest[len(piece) :]
    return out


_KINDS: dict[str, type] = {"text": Text, "bold": Bold, "code": Code, "link": Link, "mention": Mention, "br": LineBreak}
_NAMES = {cls: name for name, cls in _KINDS.items()}


def reply_to_json(reply: Reply) -> str:
    """A reply as it is kept until it is sent (the durable reply outbox)."""
    segments = [[_NAMES[type(s)], *(getattr(s, f) for f in s.__slots__)] for s in reply.segments]
    return json.dumps(
        {
            "s": segments,
            "b": [[b.label, b.action, b.payload] for b in reply.buttons],
            "p": reply.private,
            "e": reply.is_error,
            "m": list(reply.mentions),
            "l": reply.lang,
            "q": [reply.poll.question, list(reply.poll.options)] if reply.poll else None,
        },
        ensure_ascii=False,
    )


def reply_from_json(text: str) -> Reply:
    data = json.loads(text)
    segments = tuple(_KINDS[kind](*values) for kind, *values in data["s"])
    buttons = tuple(Button(*b) for b in data["b"])
    return Reply(
        segments,
        buttons=buttons,
        private=data["p"],
        is_error=data["e"],
        mentions=tuple(data["m"]),
        lang=data.get("l", "en"),  # rows written before replies knew their language
        poll=PollSpec(data["q"][0], tuple(data["q"][1])) if data.get("q") else None,
    )
