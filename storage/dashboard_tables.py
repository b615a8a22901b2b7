"""The dashboard's sign-in links and sessions.

Only digests of the secrets are stored (SHA-256 of a 256-bit random token): a copy of the
database signs nobody in. A link is taken once, by an UPDATE that only one process can win.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from storage.db import utc_column as _ts


class DashboardLink(SQLModel, table=True):
    """A one-time sign-in link, valid for minutes."""

    __tablename__ = "dashboard_links"
    digest: str = Field(primary_key=True, max_length=64)
    member_id: int = Field(foreign_key="members.id", index=True)
    #: ``platform:user_id`` the link was made for (shown on the dashboard, written in the audit log)
    identity: str = Field(max_length=100)
    #: the role the member had where they asked (Role's value)
    role: int
    lang: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class DashboardSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds the secret whose digest is the key."""

    __tablename__ = "dashboard_sessions"
    __table_args__ = (Index("ix_dashboard_session_member", "member_id", "revoked_at"),)
    digest: str = Field(primary_key=True, max_length=64)
    member_id: int = Field(foreign_key="members.id")
    identity: str = Field(max_length=100)
    role: int
    lang: str = Field(max_length=16)
    #: the form token of this session (synchronizer pattern: every POST must carry it)
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
