"""Tables of support answers: FAQ entries and phrasings, posted answers and their 👍/👎,
and fans' open questions with the replies other fans gave."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.db import utc_column as _ts


class FaqEntry(SQLModel, table=True):
    __tablename__ = "faq_entries"
    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(max_length=500)
    answer: str = Field(sa_column=Column(Text, nullable=False))
    tags: str = Field(default="", max_length=200)  # comma-separated
    language: str = Field(default="", max_length=16)
    helpful_up: int = Field(default=0)
    helpful_down: int = Field(default=0)
    flagged: bool = Field(default=False)
    created_at: datetime = Field(sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts())


class FaqPhrasing(SQLModel, table=True):
    """Another way fans ask an entry's question (``alternate``, ``learned``), or one it must
    not answer (``negative``: a fan said the answer was wrong)."""

    __tablename__ = "faq_phrasings"
    __table_args__ = (UniqueConstraint("entry_id", "kind", "text", name="uq_faq_phrasing"),)
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="faq_entries.id", index=True)
    text: str = Field(max_length=500)
    kind: str = Field(max_length=12)
    created_at: datetime = Field(sa_column=_ts())


class FaqPost(SQLModel, table=True):
    """An answer the bot posted in a chat (repeat suppression, 👍/👎)."""

    __tablename__ = "faq_posts"
    __table_args__ = (Index("ix_faq_post_chat_entry", "platform", "chat_id", "entry_id", "posted_at"),)
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="faq_entries.id", index=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    question_message_id: str = Field(max_length=100)
    question_text: str = Field(max_length=4000)
    asker_member_id: int = Field(foreign_key="members.id")
    posted_at: datetime = Field(sa_column=_ts())


class FaqFeedback(SQLModel, table=True):
    __tablename__ = "faq_feedback"
    __table_args__ = (UniqueConstraint("post_id", "member_id", name="uq_faq_feedback"),)
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="faq_posts.id", index=True)
    member_id: int = Field(foreign_key="members.id")
    helpful: bool
    at: datetime = Field(sa_column=_ts())


class Question(SQLModel, table=True):
    """A fan's question no FAQ entry answered: open until another fan's reply is accepted."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id", "message_id", name="uq_question_message"),
        Index("ix_question_status", "status", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    message_id: str = Field(max_length=100)
    asker_member_id: int = Field(foreign_key="members.id", index=True)
    text: str = Field(max_length=4000)
    #: open | answered
    status: str = Field(default="open", max_length=12)
    created_at: datetime = Field(sa_column=_ts())
    answered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    answer_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answerer_member_id: int | None = Field(default=None, foreign_key="members.id")
    learned_entry_id: int | None = Field(default=None, foreign_key="faq_entries.id")


class QuestionReply(SQLModel, table=True):
    """A fan's reply to an open question: a candidate answer the asker can /accept."""

    __tablename__ = "question_replies"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "message_id", name="uq_question_reply"),)
    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="questions.id", index=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    message_id: str = Field(max_length=100)
    author_member_id: int = Field(foreign_key="members.id")
    text: str = Field(max_length=4000)
    created_at: datetime = Field(sa_column=_ts())
