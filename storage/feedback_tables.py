"""Tables of the feedback loop: items, votes, followers, status history, notification outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.db import utc_column as _ts


class FeedbackItem(SQLModel, table=True):
    """One idea or bug report; its id is the fan-facing number (#123)."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_feedback_source"),
        Index("ix_feedback_status_created", "status", "created_at"),
        Index("ix_feedback_status_votes", "status", "votes"),  # most wanted open items
        Index("ix_feedback_status_changed", "status", "status_changed_at"),  # waiting the longest
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)  # idea | bug
    title: str = Field(max_length=120)
    text: str = Field(sa_column=Column(Text, nullable=False))
    #: new | acknowledged | planned | in_progress | shipped | declined | duplicate
    status: str = Field(default="new", max_length=16)
    version: str | None = Field(default=None, max_length=40)
    status_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    duplicate_of: int | None = Field(default=None, foreign_key="feedback.id")
    #: the similar open item the submitter was offered to +1 instead of logging this one
    similar_to: int | None = Field(default=None)
    submitter_id: int = Field(foreign_key="members.id", index=True)
    logged_by_id: int | None = Field(default=None, foreign_key="members.id")
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    message_id: str | None = Field(default=None, max_length=100)
    #: platform:chat:message of the fan's message, so one message is never logged twice
    source_key: str = Field(max_length=200)
    votes: int = Field(default=0)
    #: the beta cohort the submitter was testing in when they sent it (tagged "beta #N")
    cohort_id: int | None = Field(default=None, foreign_key="beta_cohorts.id")
    created_at: datetime = Field(sa_column=_ts())
    status_changed_at: datetime = Field(sa_column=_ts())
    acknowledged_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class FeedbackVote(SQLModel, table=True):
    __tablename__ = "feedback_votes"
    __table_args__ = (UniqueConstraint("feedback_id", "member_id", name="uq_feedback_vote"),)
    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="feedback.id", index=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    created_at: datetime = Field(sa_column=_ts())


class FeedbackFollower(SQLModel, table=True):
    """Who hears about an item's changes, and where (the chat they followed it from)."""

    __tablename__ = "feedback_followers"
    __table_args__ = (UniqueConstraint("feedback_id", "member_id", name="uq_feedback_follower"),)
    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="feedback.id", index=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=_ts())


class FeedbackChange(SQLModel, table=True):
    """Status history: every change, by whom, with the comment fans see."""

    __tablename__ = "feedback_changes"
    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="feedback.id", index=True)
    at: datetime = Field(sa_column=_ts())
    actor_id: int | None = Field(default=None, foreign_key="members.id")
    from_status: str = Field(max_length=16)
    to_status: str = Field(max_length=16)
    version: str | None = Field(default=None, max_length=40)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Notification(SQLModel, table=True):
    """Outbox: one row per (change, member), stored with the change, sent in batches per chat."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("change_id", "member_id", name="uq_notification"),
        Index("ix_notification_status", "status", "claimed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    change_id: int = Field(foreign_key="feedback_changes.id", index=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    #: chat | dm
    channel: str = Field(max_length=8)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    user_id: str = Field(max_length=64)
    display_name: str = Field(max_length=200)
    #: pending | sending | sent | failed
    status: str = Field(default="pending", max_length=12)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    error: str | None = Field(default=None, max_length=300)


class FeedbackOffer(SQLModel, table=True):
    """The bot offered to log a fan's chat message as feedback (one per fan per cooldown)."""

    __tablename__ = "feedback_offers"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_feedback_offer_source"),
        Index("ix_feedback_offer_member", "member_id", "offered_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id")
    kind: str = Field(max_length=8)
    text: str = Field(sa_column=Column(Text, nullable=False))
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    message_id: str = Field(max_length=100)
    source_key: str = Field(max_length=200)
    offered_at: datetime = Field(sa_column=_ts())
    #: the item it became, once logged
    feedback_id: int | None = Field(default=None, foreign_key="feedback.id")


class MemberPreference(SQLModel, table=True):
    __tablename__ = "member_preferences"
    member_id: int = Field(foreign_key="members.id", primary_key=True)
    #: chat | dm | off — one preference across platforms
    notify: str = Field(default="chat", max_length=8)


class FeedbackMerge(SQLModel, table=True):
    """One merge of an item into another, kept so it can be undone (``/merge undo``)."""

    __tablename__ = "feedback_merges"
    __table_args__ = (Index("ix_feedback_merges_from", "from_id"),)
    id: int | None = Field(default=None, primary_key=True)
    from_id: int = Field(sa_column=Column(Integer, ForeignKey("feedback.id", ondelete="CASCADE"), nullable=False))
    into_id: int = Field(sa_column=Column(Integer, ForeignKey("feedback.id", ondelete="CASCADE"), nullable=False))
    #: the merged item's status before it became a duplicate (what an undo gives back)
    from_status: str = Field(max_length=16)
    merged_at: datetime = Field(sa_column=_ts())
    undone_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class FeedbackMergeMember(SQLModel, table=True):
    """A vote or follow a merge added to the kept item (an undo takes exactly these back)."""

    __tablename__ = "feedback_merge_members"
    merge_id: int = Field(
        sa_column=Column(Integer, ForeignKey("feedback_merges.id", ondelete="CASCADE"), primary_key=True)
    )
    member_id: int = Field(foreign_key="members.id", primary_key=True)
    #: vote | follow
    what: str = Field(max_length=8, primary_key=True)
