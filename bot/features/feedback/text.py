"""How the feedback loop talks: item references, status lines, notifications, digests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.i18n import N_, SOURCE, Domain, Where
from bot.replies import BR, Bold, Segment, Text
from storage.repositories.feedback import ChangeView, ItemView

T = Domain("feedback")


def status_label(status: str, where: Where = SOURCE) -> str:
    labels = {
        "new": T(where, "new"),
        "acknowledged": T(where, "acknowledged"),
        "planned": T(where, "planned"),
        "in_progress": T(where, "in progress"),
        "shipped": T(where, "shipped"),
        "declined": T(where, "declined"),
        "duplicate": T(where, "merged"),
    }
    return labels.get(status, status)


def ref(item: ItemView) -> list[Segment]:
    """``#12 “Dark mode in settings”`` — the title is fan text, so it stays a Text segment."""
    return [Bold(f"#{item.id}"), Text(f" “{item.title}”")]


def status_phrase(item: ItemView, where: Where = SOURCE) -> str:
    if item.status == "shipped":
        return T(where, "shipped in {version}", version=item.version) if item.version else T(where, "shipped")
    if item.status == "duplicate" and item.duplicate_of:
        return T(where, "merged into #{number}", number=item.duplicate_of)
    return status_label(item.status, where)


def votes_phrase(n: int, where: Where = SOURCE) -> str:
    return T.plural(where, "{n} vote", "{n} votes", n)


def duration(delta: timedelta, where: Where = SOURCE) -> str:
    """``45m``, ``3h 20m``, ``2d 4h`` / ``45 分钟``, ``3 小时 20 分钟``, ``2 天 4 小时``."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return T(where, "{minutes}m", minutes=max(minutes, 1))
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        if minutes:
            return T(where, "{hours}h {minutes}m", hours=hours, minutes=minutes)
        return T(where, "{hours}h", hours=hours)
    return T(where, "{days}d {hours}h", days=hours // 24, hours=hours % 24)


def change_message(item: ItemView, change: ChangeView, into: ItemView | None, where: Where = SOURCE) -> list[Segment]:
    """What followers are told when an item's status changes (in the chat's or member's language)."""
    it, to, version = ref(item), change.to_status, change.version or ""
    bug = item.kind == "bug"
    if to == "shipped" and version:
        text = (
            N_("{item} is fixed in {version} — thanks for the report!")
            if bug
            else N_("{item} shipped in {version} — thanks for the idea!")
        )
    elif to == "shipped":
        text = N_("{item} is fixed — thanks for the report!") if bug else N_("{item} shipped — thanks for the idea!")
    elif to == "declined":
        if change.comment:
            return T.seg(where, "{item} was declined: {reason}", item=it, reason=change.comment)
        return T.seg(where, "{item} was declined.", item=it)
    elif to == "duplicate":
        other = ref(into) if into is not None else [Text(T(where, "another item"))]
        return [*T.seg(where, "{item} was merged into {other}: its votes and followers moved there.", item=it,
                       other=other), *_comment(change)]  # fmt: skip
    elif change.from_status in ("duplicate", "shipped", "declined"):  # a decision taken back
        text = N_("{item} is {status} again.")
    elif to == "acknowledged":
        text = N_("{item} was acknowledged by the team.")
    else:
        text = N_("{item} is now {status}.")
    return [*T.seg(where, text, item=it, version=version, status=status_label(to, where)), *_comment(change)]


def _comment(change: ChangeView) -> list[Segment]:
    return [Text(f" “{change.comment}”")] if change.comment and change.to_status != "declined" else []


def item_list(items: Sequence[ItemView], *, show_status: bool = True, where: Where = SOURCE) -> list[Segment]:
    segs: list[Segment] = []
    for item in items:
        segs += ref(item)
        tail = f" — {votes_phrase(item.votes, where)}"
        if show_status:
            tail += T(where, ", ") + status_phrase(item, where)
        segs += [Text(tail), BR]
    return segs


def ages(item: ItemView, now: datetime, where: Where = SOURCE) -> str:
    if item.acknowledged_at:
        parts = [T(where, "acknowledged after {time}", time=duration(item.acknowledged_at - item.created_at, where))]
    else:
        parts = [T(where, "waiting {time} for acknowledgement", time=duration(now - item.created_at, where))]
    if item.decided_at:
        parts.append(T(where, "decided after {time}", time=duration(item.decided_at - item.created_at, where)))
    return T(where, ", ").join(parts)
