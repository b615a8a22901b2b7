"""Recognition: the queue that keeps platform grade roles in step with each member's grade, the queue
of grade-up news waiting to be announced (several together), the team's awards for feedback, and
word of mouth (fans' invite links, who joined through them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.db import utc_column as _ts


class GradeRoleSync(SQLModel, table=True):
    """A member's grade changed (or their identities did): every platform that shows grades as roles
    gets their current grade. Written in the transaction that changed the balance or the identities."""

    __tablename__ = "grade_role_syncs"
    __table_args__ = (Index("ix_grade_role_sync_status", "status", "claimed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    created_at: datetime = Field(sa_column=_ts())
    #: pending | sending | done | failed
    status: str = Field(default="pending", max_length=12)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    error: str | None = Field(default=None, max_length=300)


class GradeNews(SQLModel, table=True):
    """A member reached a grade for the first time: announced where ``[points] grade_up`` says, with
    the other grade-ups of the next few minutes in one message."""

    __tablename__ = "grade_news"
    __table_args__ = (Index("ix_grade_news_status", "status", "claimed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    grade: str = Field(max_length=40)
    #: where the points were earned (the fan chat a grade-up is posted in); None for the dashboard
    platform: str | None = Field(default=None, max_length=16)
    chat_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=_ts())
    #: pending | sending | sent | failed
    status: str = Field(default="pending", max_length=12)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    error: str | None = Field(default=None, max_length=300)


class FeedbackAward(SQLModel, table=True):
    """``/award #N``: the team's award for a fan's idea or bug report (one per item), with its bonus
    points (also in the ledger) and the reason the fan and the weekly report read."""

    __tablename__ = "feedback_awards"
    __table_args__ = (
        UniqueConstraint("feedback_id", name="uq_feedback_award"),
        Index("ix_feedback_award_time", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="feedback.id")
    member_id: int = Field(foreign_key="members.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="members.id")
    reason: str = Field(max_length=300)
    points: int
    created_at: datetime = Field(sa_column=_ts())


class InviteLink(SQLModel, table=True):
    """A fan's personal invite link to a chat (``/invite``): who brought whom is read from it."""

    __tablename__ = "invite_links"
    __table_args__ = (
        UniqueConstraint("member_id", "platform", "chat_id", name="uq_invite_link_member_chat"),
        UniqueConstraint("link", name="uq_invite_link"),
    )
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id")
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    link: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=_ts())


class Referral(SQLModel, table=True):
    """A fan who joined through someone's link: the inviter is credited once the newcomer has taken
    part (earned ``[points] invite_after_points`` themselves), never for the join alone."""

    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("member_id", name="uq_referral_member"),
        Index("ix_referral_pending", "credited_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    invite_id: int = Field(foreign_key="invite_links.id", index=True)
    #: the fan who joined (one inviter each: the first link they came through)
    member_id: int = Field(foreign_key="members.id")
    joined_at: datetime = Field(sa_column=_ts())
    credited_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
