"""Polls: the question and its options (an option may be a feedback item), where it was posted on
each platform, and one vote per member — across platforms and linked accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.db import utc_column as _ts


class Poll(SQLModel, table=True):
    __tablename__ = "polls"
    __table_args__ = (Index("ix_poll_status_closes", "status", "closes_at"),)
    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(max_length=300)
    actor_id: int | None = Field(default=None, foreign_key="members.id")
    created_at: datetime = Field(sa_column=_ts())
    closes_at: datetime = Field(sa_column=_ts())
    #: open | closed (results posted once, by whichever process closed it)
    status: str = Field(default="open", max_length=12)
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class PollOption(SQLModel, table=True):
    __tablename__ = "poll_options"
    __table_args__ = (UniqueConstraint("poll_id", "position", name="uq_poll_option"),)
    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="polls.id")
    position: int
    label: str = Field(max_length=100)
    #: the feedback item this option stands for (``/poll items 12 15``): its page shows the result
    feedback_id: int | None = Field(default=None, foreign_key="feedback.id", index=True)


class PollPost(SQLModel, table=True):
    """The poll as posted in one chat: the platform's own poll id where it has native polls."""

    __tablename__ = "poll_posts"
    __table_args__ = (Index("ix_poll_post_native", "platform", "native_id"),)
    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="polls.id", index=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    message_id: str | None = Field(default=None, max_length=100)
    native_id: str | None = Field(default=None, max_length=100)


class PollVote(SQLModel, table=True):
    """A member's one vote (changed in place until the poll closes)."""

    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("poll_id", "member_id", name="uq_poll_vote"),)
    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="polls.id")
    member_id: int = Field(foreign_key="members.id", index=True)
    position: int
    platform: str = Field(max_length=16)
    voted_at: datetime = Field(sa_column=_ts())
