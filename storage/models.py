"""SQLModel tables for the foundation: members and their identities, chats, processed
events and the audit log. Later capabilities add their tables in modules of their own.

Uniqueness is enforced by the database, so two fanloop processes on one PostgreSQL can
never both record the same thing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.db import utc_column as _ts


class Member(SQLModel, table=True):
    """One fan, whatever platforms they use. Identities point here."""

    __tablename__ = "members"
    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=_ts())
    #: the language the member chose with /language (None: follow their app, then the chat)
    language: str | None = Field(default=None, max_length=16)


class Identity(SQLModel, table=True):
    """A platform account (Telegram id, Discord id, console name) owned by a member."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("platform", "user_id", name="uq_identity_platform_user"),
        Index("ix_identity_username", "platform", "username"),
    )
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64)
    username: str | None = Field(default=None, max_length=100)
    display_name: str = Field(max_length=200)
    first_seen: datetime = Field(sa_column=_ts())
    last_seen: datetime = Field(sa_column=_ts())
    #: Telegram: the fan has started the bot, so it may DM them.
    dm_open: bool = Field(default=False)


class Chat(SQLModel, table=True):
    """A chat the bot is in, with the role a manager gave it."""

    __tablename__ = "chats"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id", name="uq_chat_platform_chat"),
        Index("ix_chat_kind", "kind"),  # announcement and manager chats
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    community_id: str | None = Field(default=None, max_length=64)
    title: str = Field(default="", max_length=200)
    #: fan | announcement | manager | private | other
    kind: str = Field(default="other", max_length=16)
    reachable: bool = Field(default=True)
    unreachable_reason: str | None = Field(default=None, max_length=300)
    #: the language messages to this chat use (/chat language); None: the configured default
    language: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_column=_ts())


class ProcessedEvent(SQLModel, table=True):
    """Claim on one platform event, so each is handled once across restarts and processes."""

    __tablename__ = "processed_events"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id", "message_id", name="uq_processed_event"),
        Index("ix_processed_claimed", "status", "claimed_at"),
        Index("ix_processed_finished", "status", "finished_at"),  # forgetting old events
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    message_id: str = Field(max_length=100)
    #: processing | done
    status: str = Field(default="processing", max_length=16)
    claimed_by: str = Field(max_length=64)
    claimed_at: datetime = Field(sa_column=_ts())
    finished_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    attempts: int = Field(default=1)


class AuditEntry(SQLModel, table=True):
    """Every manager action: who, what, when, with which arguments and why."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_ts())
    actor_member_id: int | None = Field(default=None, foreign_key="members.id", index=True)
    actor: str = Field(max_length=100)  # platform:user_id, kept even if the member is deleted
    action: str = Field(max_length=64, index=True)
    target: str | None = Field(default=None, max_length=100, index=True)
    args: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    platform: str | None = Field(default=None, max_length=16)
    chat_id: str | None = Field(default=None, max_length=64)


class OutboxReply(SQLModel, table=True):
    """A reply decided for an event, kept until the platform has it (the durable reply outbox).

    Written in the same transaction that marks its event done, with the process that will send
    it as owner; the owner renews ``claimed_at`` while it holds the reply, so a reply whose owner
    died is taken over and sent by another process after a lease."""

    __tablename__ = "reply_outbox"
    __table_args__ = (Index("ix_reply_outbox_status", "status", "claimed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    #: the fan's message the reply quotes (none for button presses and joins)
    quote_id: str | None = Field(default=None, max_length=100)
    author_id: str = Field(max_length=64)
    author_name: str = Field(default="", max_length=200)
    chat_private: bool = Field(default=False)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    #: sending | sent | failed | unknown (the platform may have it: never sent again)
    status: str = Field(default="sending", max_length=10)
    claimed_by: str = Field(max_length=64)
    claimed_at: datetime = Field(sa_column=_ts())
    attempts: int = Field(default=1)
    created_at: datetime = Field(sa_column=_ts())
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    error: str | None = Field(default=None, max_length=300)


class RateSlot(SQLModel, table=True):
    """The next free send slot of a rate limit shared by every process (one row per bot token)."""

    __tablename__ = "rate_slots"
    key: str = Field(primary_key=True, max_length=100)
    next_at: datetime = Field(sa_column=_ts())


class JobRun(SQLModel, table=True):
    """One occurrence of a scheduled job that runs once across every process (the weekly report):
    the first process to insert its (name, slot) runs it; the others see the row and skip."""

    __tablename__ = "job_runs"
    name: str = Field(primary_key=True, max_length=64)
    slot: str = Field(primary_key=True, max_length=40)
    worker: str = Field(max_length=64)
    claimed_at: datetime = Field(sa_column=_ts())


class Confirmation(SQLModel, table=True):
    """A hard-to-undo command waiting for its author's confirmation (button or ``confirm``)."""

    __tablename__ = "confirmations"
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id")
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    command: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_ts())


class ManagerNotice(SQLModel, table=True):
    """Something the bot had to tell the managers; kept (unseen) for /setup when no manager chat got it."""

    __tablename__ = "manager_notices"
    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_ts())
    delivered: bool = Field(default=False)
    seen_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
