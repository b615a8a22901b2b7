"""What makes a manager's change hard to take back, and the preview shown before it happens:
declining an item, moving one backwards (a shipped idea back to "planned"), merging two items that
don't look alike. The manager confirms once (button, or the command ending with "confirm")."""

from __future__ import annotations

from bot.features.feedback.similarity import resemblance
from bot.features.feedback.text import STATUS_LABEL, ref, status_phrase, votes_phrase
from bot.replies import Reply, Text, say
from storage.repositories.feedback import ItemView

#: how far along an item is; a decision (shipped, declined) is the end of the road
RANK = {"new": 0, "acknowledged": 1, "planned": 2, "in_progress": 3, "shipped": 4, "declined": 4}
#: below this the two items share (almost) no words: a mistyped number more likely than a duplicate
UNRELATED = 0.15


def goes_backwards(current: str, to: str) -> bool:
    if current in ("shipped", "declined"):
        return to != current  # reopening (or turning) a decision fans were told about
    return RANK.get(to, 0) < RANK.get(current, 0)


def _told(followers: int) -> str:
    return f"{followers} follower(s) will be told" if followers else "no one follows it yet"


def status_preview(item: ItemView, to: str, version: str | None, comment: str, followers: int) -> Reply | None:
    """The preview a status change needs first, or None when it goes ahead at once."""
    detail = f"{item.kind}, {votes_phrase(item.votes)}"
    if to == "declined" and item.status != "declined":
        return say("About to decline ", *ref(item), f" ({detail}): {_told(followers)} “{comment}”.")
    if goes_backwards(item.status, to):
        target = f"shipped in {version}" if to == "shipped" and version else STATUS_LABEL.get(to, to)
        back = f" back from {status_phrase(item)} to {target} ({detail}): {_told(followers)}."
        return say("About to move ", *ref(item), back)
    return None


def merge_preview(source: ItemView, target: ItemView, followers: int) -> Reply | None:
    """Merging two items that don't look alike needs a confirmation (a mistyped number?)."""
    if resemblance(f"{source.title} {source.text}", f"{target.title} {target.text}") >= UNRELATED:
        return None
    return say(
        *ref(source), Text(" and "), *ref(target),
        f" don't look alike. Merging moves #{source.id}'s {votes_phrase(source.votes)} to #{target.id}, "
        f"and {_told(followers)} #{source.id} is a duplicate.",
    )  # fmt: skip
