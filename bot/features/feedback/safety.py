"""What makes a manager's change hard to take back, and the preview shown before it happens:
declining an item, moving one backwards (a shipped idea back to "planned"), merging two items that
don't look alike. The manager confirms once (button, or the command ending with "confirm")."""

from __future__ import annotations

from bot.features.feedback.similarity import resemblance
from bot.features.feedback.text import T, ref, status_label, status_phrase, votes_phrase
from bot.i18n import SOURCE, Where
from bot.replies import Reply, Segment, say
from storage.repositories.feedback import ItemView

#: how far along an item is; a decision (shipped, declined) is the end of the road
RANK = {"new": 0, "acknowledged": 1, "planned": 2, "in_progress": 3, "shipped": 4, "declined": 4}
#: below this the two items share (almost) no words: a mistyped number more likely than a duplicate
UNRELATED = 0.15


def goes_backwards(current: str, to: str) -> bool:
    if current in ("shipped", "declined"):
        return to != current  # reopening (or turning) a decision fans were told about
    return RANK.get(to, 0) < RANK.get(current, 0)


def _kind(item: ItemView, where: Where) -> str:
    kind = T(where, "idea") if item.kind == "idea" else T(where, "bug report")
    return T(where, "{kind}, {votes}", kind=kind, votes=votes_phrase(item.votes, where))


def status_preview(
    item: ItemView, to: str, version: str | None, comment: str, followers: int, where: Where = SOURCE
) -> Reply | None:
    """The preview a status change needs first, or None when it goes ahead at once."""
    it, detail = ref(item), _kind(item, where)
    if to == "declined" and item.status != "declined":
        if not followers:
            return say(
                *T.seg(
                    where,
                    "About to decline {item} ({detail}) with the reason “{reason}”; no one follows it yet.",
                    item=it,
                    detail=detail,
                    reason=comment,
                )
            )
        return say(
            *T.plural_seg(
                where,
                "About to decline {item} ({detail}): {n} follower will be told “{reason}”.",
                "About to decline {item} ({detail}): {n} followers will be told “{reason}”.",
                followers,
                item=it,
                detail=detail,
                reason=comment,
            )
        )
    if goes_backwards(item.status, to):
        target = (
            T(where, "shipped in {version}", version=version)
            if to == "shipped" and version
            else status_label(to, where)
        )
        values: dict[str, str | list[Segment]] = {
            "item": it,
            "old": status_phrase(item, where),
            "new": target,
            "detail": detail,
        }
        if not followers:
            return say(
                *T.seg(
                    where, "About to move {item} back from {old} to {new} ({detail}): no one follows it yet.", **values
                )
            )
        return say(
            *T.plural_seg(
                where,
                "About to move {item} back from {old} to {new} ({detail}): {n} follower will be told.",
                "About to move {item} back from {old} to {new} ({detail}): {n} followers will be told.",
                followers,
                **values,
            )
        )
    return None


def merge_preview(source: ItemView, target: ItemView, followers: int, where: Where = SOURCE) -> Reply | None:
    """Merging two items that don't look alike needs a confirmation (a mistyped number?)."""
    if resemblance(f"{source.title} {source.text}", f"{target.title} {target.text}") >= UNRELATED:
        return None
    values: dict[str, str | list[Segment]] = {
        "a": ref(source),
        "b": ref(target),
        "votes": votes_phrase(source.votes, where),
        "from": str(source.id),
        "into": str(target.id),
    }
    if not followers:
        return say(
            *T.seg(
                where,
                "{a} and {b} don't look alike. Merging moves #{from}'s {votes} to #{into}; no one follows #{from} yet.",
                **values,
            )
        )
    return say(
        *T.plural_seg(
            where,
            "{a} and {b} don't look alike. Merging moves #{from}'s {votes} to #{into}, and "
            "{n} follower will be told #{from} is a duplicate.",
            "{a} and {b} don't look alike. "
            "Merging moves #{from}'s {votes} to #{into}, and {n} followers will be told #{from} is a "
            "duplicate.",
            followers,
            **values,
        )
    )
