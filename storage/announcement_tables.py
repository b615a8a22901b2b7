"""Tables of announcements: the schedule (source of truth) and one delivery row per target per run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.db import utc_column as _ts


class Announcement(SQLModel, table=True):
    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcement_due", "status", "next_run_at"),)
    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    #: once | cron
    kind: str = Field(max_length=8)
    run_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    cron: str | None = Field(default=None, max_length=100)
    timezone: str = Field(max_length=64)
    #: JSON list of "platform:chat_id", or ["all"] for every announcement chat at run time
    targets: str = Field(max_length=2000)
    #: active | paused | cancelled | done
    status: str = Field(default="active", max_length=12)
    next_run_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_by: int | None = Field(default=None, foreign_key="members.id")
    created_at: datetime = Field(sa_column=_ts())


class Delivery(SQLModel, table=True):
    __tablename__ = "announcement_deliveries"
    __table_args__ = (
        UniqueConstraint("announcement_id", "occurrence_at", "platform", "chat_id", name="uq_delivery"),
        Index("ix_delivery_status", "status", "claimed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcements.id", index=True)
    occurrence_at: datetime = Field(sa_column=_ts())
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    #: pending | sending | sent | failed | missed
    status: str = Field(default="pending", max_length=10)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    message_ids: str = Field(default="[]", max_length=500)
    attempts: int = Field(default=0)
    error: str | None = Field(default=None, max_length=300)


class Release(SQLModel, table=True):
    """A release of the product; shipping it announces it and credits the fans whose ideas made it."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("version", name="uq_release_version"),)
    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=40)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False))
    #: draft | scheduled | shipping | shipped
    status: str = Field(default="draft", max_length=10)
    cron: str | None = Field(default=None, max_length=100)
    timezone: str | None = Field(default=None, max_length=64)
    next_run_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(sa_column=_ts())
    shipped_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    announcement_id: int | None = Field(default=None, foreign_key="announcements.id")


class ReleaseItem(SQLModel, table=True):
    __tablename__ = "release_items"
    __table_args__ = (UniqueConstraint("release_id", "feedback_id", name="uq_release_item"),)
    id: int | None = Field(default=None, primary_key=True)
    release_id: int = Field(foreign_key="releases.id", index=True)
    feedback_id: int = Field(foreign_key="feedback.id", ondelete="CASCADE")
