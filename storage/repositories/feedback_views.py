"""Plain views of feedback rows, shared by the feedback repositories and services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.feedback_tables import FeedbackItem

OPEN = ("new", "acknowledged", "planned", "in_progress")
DECIDED = ("shipped", "declined", "duplicate")


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    kind: str
    title: str
    text: str
    status: str
    version: str | None
    status_note: str | None
    duplicate_of: int | None
    similar_to: int | None
    submitter_id: int
    platform: str
    chat_id: str
    thread_id: str | None
    votes: int
    created_at: datetime
    status_changed_at: datetime
    acknowledged_at: datetime | None
    decided_at: datetime | None
    #: the beta cohort its submitter was testing in
    cohort_id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


def item_view(i: FeedbackItem | Any) -> ItemView:
    """An item as features see it: an ORM row, or a Core row with the same columns."""
    assert i.id is not None
    return ItemView(
        i.id,
        i.kind,
        i.title,
        i.text,
        i.status,
        i.version,
        i.status_note,
        i.duplicate_of,
        i.similar_to,
        i.submitter_id,
        i.platform,
        i.chat_id,
        i.thread_id,
        i.votes,
        i.created_at,
        i.status_changed_at,
        i.acknowledged_at,
        i.decided_at,
        i.cohort_id,
    )


@dataclass(frozen=True, slots=True)
class NewItem:
    kind: str
    title: str
    text: str
    submitter_id: int
    logged_by_id: int | None
    platform: str
    chat_id: str
    thread_id: str | None
    message_id: str | None
    source_key: str
    similar_to: int | None = None
    cohort_id: int | None = None


@dataclass(frozen=True, slots=True)
class ChangeView:
    id: int
    feedback_id: int
    at: datetime
    from_status: str
    to_status: str
    version: str | None
    comment: str | None


class VoteOutcome:
    ADDED = "added"
    ALREADY = "already"
