"""Tables of participation points: the append-only ledger (the truth), materialised balances,
grade history, beta cohorts, and one-time codes that link a fan's platform identities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.db import utc_column as _ts


class LedgerRow(SQLModel, table=True):
    """One award or deduction. ``source_key`` makes a replayed event pay once."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_points_source"),
        Index("ix_points_member_time", "member_id", "created_at"),
        Index("ix_points_time", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id")
    #: the member this row was earned as, so /unlink can split linked identities back
    origin_member_id: int = Field(foreign_key="members.id")
    amount: int
    #: message | feedback | vote_received | shipped | answer | grant | revoke
    kind: str = Field(max_length=16)
    reason: str = Field(max_length=300)
    source_key: str = Field(max_length=200)
    fingerprint: str | None = Field(default=None, max_length=64)
    actor_id: int | None = Field(default=None, foreign_key="members.id")
    platform: str | None = Field(default=None, max_length=16)
    chat_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=_ts())


class Balance(SQLModel, table=True):
    """Materialised sum of a member's ledger rows (``fanloop points verify`` checks it)."""

    __tablename__ = "points_balances"
    __table_args__ = (Index("ix_balance_balance", "balance"),)  # ranks and all-time leaderboards
    member_id: int = Field(foreign_key="members.id", primary_key=True)
    balance: int = Field(default=0)


class GradeReached(SQLModel, table=True):
    __tablename__ = "grade_history"
    __table_args__ = (UniqueConstraint("member_id", "grade", name="uq_grade_reached"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    grade: str = Field(max_length=40)
    reached_at: datetime = Field(sa_column=_ts())


class BetaCohort(SQLModel, table=True):
    """A beta test's group of fans: ``size`` places, filled by invitations fans accept or decline."""

    __tablename__ = "beta_cohorts"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_column=_ts())
    actor_id: int | None = Field(default=None, foreign_key="members.id")
    size: int
    min_grade: str | None = Field(default=None, max_length=40)
    #: open | closed (its members can be picked for another beta again)
    status: str = Field(default="open", max_length=12, sa_column_kwargs={"server_default": "open"})
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    #: the chat it was picked in: invitations a fan can't get privately are posted there
    platform: str | None = Field(default=None, max_length=16)
    chat_id: str | None = Field(default=None, max_length=64)


class BetaMember(SQLModel, table=True):
    """A fan's place in a cohort: invited (until ``respond_by``), accepted, declined, expired, removed,
    or waitlisted (invited, in ``position`` order, when an invitation is declined or expires)."""

    __tablename__ = "beta_members"
    __table_args__ = (
        UniqueConstraint("cohort_id", "member_id", name="uq_beta_member"),
        Index("ix_beta_member_status", "status", "respond_by"),
    )
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="beta_cohorts.id", index=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    #: when the invitation went out; ``notify_until``: a process is sending it until then (a crash
    #: before ``notified_at`` is set leaves it to be sent again after that)
    notified_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    notify_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    status: str = Field(default="invited", max_length=12, sa_column_kwargs={"server_default": "invited"})
    #: the order fans were picked in: the waitlist is invited lowest first
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    invited_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    respond_by: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    answered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class LinkCode(SQLModel, table=True):
    __tablename__ = "link_codes"
    __table_args__ = (UniqueConstraint("code", name="uq_link_code"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16)
    member_id: int = Field(foreign_key="members.id")
    platform: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class IdentityLink(SQLModel, table=True):
    """An identity moved to another member by /link; /unlink moves it back."""

    __tablename__ = "identity_links"
    id: int | None = Field(default=None, primary_key=True)
    identity_id: int = Field(foreign_key="identities.id", index=True)
    from_member_id: int = Field(foreign_key="members.id")
    into_member_id: int = Field(foreign_key="members.id")
    linked_at: datetime = Field(sa_column=_ts())
    unlinked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
